/**
 * `grpc-interceptor/exceptions`: {@link GrpcException} and one subclass per non-OK status code.
 * @module grpc-interceptor/exceptions
 */
export { GrpcException, type GrpcExceptionOptions } from "./exceptions/GrpcException.js";
export * from "./exceptions/statusExceptions.js";
