import type { ErrorDetailType } from "./ErrorDetail.js";

// Plain strings, no protobuf code: GrpcException checks its errorDetails with these, and the exceptions
// entry stays free of the generated code (see loadStatusCodec.ts).

/** The trailer that carries a serialized `google.rpc.Status`, as every gRPC implementation reads it. */
export const STATUS_DETAILS_KEY = "grpc-status-details-bin";

/** The `$type` of a packed message kept as it is (type URL and bytes). */
export const ANY_TYPE = "google.protobuf.Any";

/** The `$type`s {@link GrpcException} accepts in `errorDetails`. */
export const ERROR_DETAIL_TYPES: ReadonlySet<string> = new Set<ErrorDetailType>([
  "google.rpc.ErrorInfo",
  "google.rpc.RetryInfo",
  "google.rpc.DebugInfo",
  "google.rpc.QuotaFailure",
  "google.rpc.PreconditionFailure",
  "google.rpc.BadRequest",
  "google.rpc.RequestInfo",
  "google.rpc.ResourceInfo",
  "google.rpc.Help",
  "google.rpc.LocalizedMessage",
  ANY_TYPE,
]);
