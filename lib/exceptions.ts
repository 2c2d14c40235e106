/**
 * `grpc-interceptor/exceptions`: {@link GrpcException} and one subclass per non-OK status code.
 * @module grpc-interceptor/exceptions
 */
export * from "./exceptions/GrpcException.js";
