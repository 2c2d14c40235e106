import type { status } from "@grpc/grpc-js";
import type { GrpcException } from "./GrpcException.js";

/**
 * The subclass of each non-OK code, filled by statusExceptions.ts as it defines them, so that
 * `GrpcException.fromServiceError` can build `NotFound` for `NOT_FOUND` without importing its own
 * subclasses (that would be an import cycle).
 */
export const exceptionClasses = new Map<status, typeof GrpcException>();
