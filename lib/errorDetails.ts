/**
 * `grpc-interceptor/error-details`: gRPC's rich error model. Send details with a status through
 * `GrpcException`'s `errorDetails` option; read them from a failed call with {@link statusDetailsOf}.
 * They travel as a `google.rpc.Status` in the `grpc-status-details-bin` trailer, as grpc-go, grpc-java,
 * Python's grpcio-status and Connect read them. The message types below are ts-proto's code generated
 * from `google/rpc/error_details.proto` and `status.proto` (build one with `X.fromPartial({ … })`; each
 * carries its `$type`).
 * @module grpc-interceptor/error-details
 */
export {
  /** `google.rpc.ErrorInfo`: the error's stable `reason` within a `domain`, with `metadata`. */
  ErrorInfo,
  /** `google.rpc.RetryInfo`: how long to wait before retrying (`retryDelay`, a `Duration`). */
  RetryInfo,
  /** `google.rpc.DebugInfo`: stack entries and debugging detail from the server. */
  DebugInfo,
  /** `google.rpc.QuotaFailure`: which quota checks failed (`violations`). */
  QuotaFailure,
  /** One violation of a `QuotaFailure`. */
  QuotaFailure_Violation,
  /** `google.rpc.PreconditionFailure`: which preconditions failed (`violations`). */
  PreconditionFailure,
  /** One violation of a `PreconditionFailure`. */
  PreconditionFailure_Violation,
  /** `google.rpc.BadRequest`: the request's bad fields (`fieldViolations`). */
  BadRequest,
  /** One bad field of a `BadRequest`: `field`, `description`, `reason`, `localizedMessage`. */
  BadRequest_FieldViolation,
  /** `google.rpc.RequestInfo`: the request's id and serving data, for bug reports. */
  RequestInfo,
  /** `google.rpc.ResourceInfo`: the resource being accessed and what went wrong with it. */
  ResourceInfo,
  /** `google.rpc.Help`: links to documentation or to an action that resolves the error. */
  Help,
  /** One link of a `Help`. */
  Help_Link,
  /** `google.rpc.LocalizedMessage`: a message for the user in a `locale`. */
  LocalizedMessage,
} from "./generated/google/rpc/error_details.js";
export {
  /** `google.rpc.Status`: code, message and packed details, the content of `grpc-status-details-bin`. */
  Status,
} from "./generated/google/rpc/status.js";
export {
  /** `google.protobuf.Any`: a packed message (`typeUrl` and `value` bytes); any detail of another type. */
  Any,
} from "./generated/google/protobuf/any.js";
export {
  /** `google.protobuf.Duration`: `seconds` and `nanos`, as in `RetryInfo.retryDelay`. */
  Duration,
} from "./generated/google/protobuf/duration.js";
export type { ErrorDetail, ErrorDetailType } from "./errorDetails/ErrorDetail.js";
export { statusDetailsOf } from "./exceptions/statusDetailsOf.js";
export type { StatusDetailsOptions } from "./errorDetails/reportMalformed.js";
export { MAX_ERROR_TRAILERS_BYTES } from "./errorDetails/addStatusDetails.js";
export { STATUS_DETAILS_KEY } from "./errorDetails/detailTypeNames.js";
