import { Metadata, status as Status, type StatusObject } from "@grpc/grpc-js";
import { GrpcException } from "../exceptions/GrpcException.js";
import { isErrorCode } from "../statusCodes.js";

/** A status object that also carries, as `cause`, the error it was made from. */
export type StatusWithCause = StatusObject & { cause: unknown };

/**
 * The status a client call ends with when an interceptor fails with `error`:
 * - a `GrpcException`: its `statusCode`, `details` and `metadata`;
 * - a `ServiceError` (or any error with an integer non-OK `code` and string `details`): those, and its
 *   `metadata` when it is a `Metadata`;
 * - anything else: `INTERNAL`, with `String(error)` as details.
 *
 * The status carries `error` as `cause`; grpc-js copies it onto the `ServiceError` the caller receives.
 */
export function statusFromError(error: unknown): StatusWithCause {
  if (error instanceof GrpcException) {
    return { code: error.statusCode, details: error.details, metadata: error.metadata ?? new Metadata(), cause: error };
  }
  if (typeof error === "object" && error !== null) {
    const { code, details, metadata } = error as { code?: unknown; details?: unknown; metadata?: unknown };
    if (isErrorCode(code) && typeof details === "string") {
      return { code, details, metadata: metadata instanceof Metadata ? metadata : new Metadata(), cause: error };
    }
  }
  return { code: Status.INTERNAL, details: describeError(error), metadata: new Metadata(), cause: error };
}

function describeError(error: unknown): string {
  try {
    return String(error);
  } catch {
    return "Client interceptor failed";
  }
}
