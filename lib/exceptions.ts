/**
 * `grpc-interceptor/exceptions`: {@link GrpcException} and one subclass per non-OK status code.
 * @module
 */
export { GrpcException, type GrpcExceptionOptions } from "./exceptions/GrpcException.js";
export * from "./exceptions/statusExceptions.js";
