import { status as Status, type ServiceError, type StatusObject } from "@grpc/grpc-js";

/**
 * The `ServiceError` for a non-OK status, as grpc-js builds it: message `"<code> <NAME>: <details>"`,
 * with `code`, `details` and `metadata` from the status.
 */
export function createServiceError(status: StatusObject): ServiceError {
  const error = new Error(`${status.code} ${Status[status.code] ?? "UNKNOWN"}: ${status.details}`);
  return Object.assign(error, { code: status.code, details: status.details, metadata: status.metadata });
}
