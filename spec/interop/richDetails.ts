// The rich error details both sides send in the interop checks; must match expected_details() in
// rich_status.py (every detail type, with unicode, maps, a nested message, an int64 at 2^53 - 1).
import {
  Any,
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
  type ErrorDetail,
} from "grpc-interceptor/error-details";

/** The ten detail messages and an unknown packed one, in the order they are sent. */
export function interopErrorDetails(): ErrorDetail[] {
  return [
    ErrorInfo.fromPartial({ reason: "INTEROP_CHECK", domain: "interop.example.com", metadata: { key: "välue ✓" } }),
    RetryInfo.fromPartial({ retryDelay: { seconds: 2, nanos: 500_000_000 } }),
    DebugInfo.fromPartial({ stackEntries: ["frame 1", "frame 2"], detail: "debug ✓" }),
    QuotaFailure.fromPartial({
      violations: [
        {
          subject: "project:interop",
          description: "quota ✓",
          apiService: "interop.example.com",
          quotaMetric: "calls",
          quotaId: "CallsPerMinute",
          quotaDimensions: { region: "eu" },
          quotaValue: Number.MAX_SAFE_INTEGER,
          futureQuotaValue: 12,
        },
      ],
    }),
    PreconditionFailure.fromPartial({ violations: [{ type: "TOS", subject: "interop", description: "not accepted" }] }),
    BadRequest.fromPartial({
      fieldViolations: [
        {
          field: "book.title",
          description: "required",
          reason: "REQUIRED",
          localizedMessage: { locale: "fr-FR", message: "obligatoire ✓" },
        },
      ],
    }),
    RequestInfo.fromPartial({ requestId: "req-42", servingData: "opaque" }),
    ResourceInfo.fromPartial({
      resourceType: "book",
      resourceName: "books/42",
      owner: "user:interop",
      description: "gone",
    }),
    Help.fromPartial({ links: [{ description: "docs", url: "https://interop.example.com/docs" }] }),
    LocalizedMessage.fromPartial({ locale: "ja-JP", message: "状態 ✓" }),
    Any.fromPartial({ typeUrl: "type.googleapis.com/interop.v1.Unknown", value: new Uint8Array([0x08, 0x2a, 0xff]) }),
  ];
}
