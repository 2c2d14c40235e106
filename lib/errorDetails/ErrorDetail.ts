import type { Any } from "../generated/google/protobuf/any.js";
import type {
  BadRequest,
  DebugInfo,
  ErrorInfo,
  Help,
  LocalizedMessage,
  PreconditionFailure,
  QuotaFailure,
  RequestInfo,
  ResourceInfo,
  RetryInfo,
} from "../generated/google/rpc/error_details.js";

/**
 * One detail of a rich error status: one of the ten `google.rpc` error detail messages (each carries its
 * `$type`, e.g. `"google.rpc.BadRequest"`, which says how to pack it), or any other packed message as a
 * `google.protobuf.Any` (its type URL and bytes), kept unchanged.
 */
export type ErrorDetail =
  | ErrorInfo
  | RetryInfo
  | DebugInfo
  | QuotaFailure
  | PreconditionFailure
  | BadRequest
  | RequestInfo
  | ResourceInfo
  | Help
  | LocalizedMessage
  | Any;

/** The `$type` of an {@link ErrorDetail}, e.g. `"google.rpc.BadRequest"` or `"google.protobuf.Any"`. */
export type ErrorDetailType = ErrorDetail["$type"];
