import { Metadata, status as Status, type StatusObject } from "@grpc/grpc-js";
import { addStatusDetails } from "../errorDetails/addStatusDetails.js";
import { GrpcException } from "../exceptions/GrpcException.js";
import { statusLike } from "../statusLike.js";

/** A status object that also carries, as `cause`, the error it was made from. */
export type StatusWithCause = StatusObject & { cause: unknown };

/**
 * The status a client call ends with when an interceptor fails with `error`:
 * - a `GrpcException`: its `statusCode`, `details` and `metadata`, and its `errorDetails` in the
 *   `grpc-status-details-bin` trailer;
 * - a `ServiceError` (or any error with an integer non-OK `code` and string `details`): those, and its
 *   `metadata` when it is a `Metadata`;
 * - anything else: `INTERNAL`, with `String(error)` as details.
 *
 * The status carries `error` as `cause`; grpc-js copies it onto the `ServiceError` the caller receives.
 */
export function statusFromError(error: unknown): StatusWithCause {
  if (error instanceof GrpcException) {
    const { statusCode: code, details, errorDetails } = error;
    // No limit here: the status goes to the caller in this process, not over the network.
    const metadata =
      errorDetails.length === 0
        ? error.metadata
        : addStatusDetails(error.metadata, code, details, errorDetails, reportUnsent, Infinity);
    return { code, details, metadata: metadata ?? new Metadata(), cause: error };
  }
  const status = statusLike(error);
  if (status?.details !== undefined) {
    return { code: status.code, details: status.details, metadata: status.metadata ?? new Metadata(), cause: error };
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

// A detail that cannot be serialized never reaches the caller; say so on the console, as the server does.
function reportUnsent(problem: Error): void {
  console.error(`grpc-interceptor: client interceptor's error details: ${problem.message}`);
}
