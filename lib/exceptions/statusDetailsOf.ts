import { GrpcException } from "./GrpcException.js";
import type { ErrorDetail } from "../errorDetails/ErrorDetail.js";
import { malformedReporter, type StatusDetailsOptions } from "../errorDetails/reportMalformed.js";
import { readStatusDetails } from "../errorDetails/statusCodec.js";

/**
 * The error details of a failed call: decoded from the `google.rpc.Status` in the
 * `grpc-status-details-bin` trailer of grpc-js's `ServiceError` (its `metadata`), in the order the server
 * sent them; `[]` when there are none. For a `GrpcException`, its `errorDetails`. Each of the ten
 * `google.rpc` messages comes decoded (tell them apart by `$type`); any other packed message comes as a
 * `google.protobuf.Any`, type URL and bytes unchanged.
 *
 * Never throws: a trailer that is not a `google.rpc.Status`, or whose code is not the call's, yields `[]`,
 * and a known detail that does not decode stays an `Any`; each such problem is reported (see
 * {@link StatusDetailsOptions.onMalformed}).
 *
 * @example
 * const badRequest = statusDetailsOf(error).find((detail) => detail.$type === BadRequest.$type);
 */
export function statusDetailsOf(error: unknown, options?: StatusDetailsOptions): ErrorDetail[] {
  if (error instanceof GrpcException) return [...error.errorDetails];
  return readStatusDetails(error, malformedReporter(options));
}
