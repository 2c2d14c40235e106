import { expect } from "chai";
import type { ServiceError } from "@grpc/grpc-js";
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
  STATUS_DETAILS_KEY,
  Status,
  type ErrorDetail,
} from "grpc-interceptor/error-details";

/** One of each of the ten detail messages, every field set (nested messages, maps, optional int64 too). */
export const everyDetailType: readonly ErrorDetail[] = [
  ErrorInfo.fromPartial({ reason: "API_DISABLED", domain: "books.example.com", metadata: { shelf: "7", a: "b" } }),
  RetryInfo.fromPartial({ retryDelay: { seconds: 3, nanos: 500_000_000 } }),
  DebugInfo.fromPartial({ stackEntries: ["at a (a.ts:1)", "at b (b.ts:2)"], detail: "déjà vu ✓" }),
  QuotaFailure.fromPartial({
    violations: [
      {
        subject: "project:42",
        description: "Daily limit exceeded",
        apiService: "books.example.com",
        quotaMetric: "books/reads",
        quotaId: "ReadsPerDay",
        quotaDimensions: { region: "eu" },
        quotaValue: 1000,
        futureQuotaValue: 2000,
      },
      { subject: "project:43", description: "second" },
    ],
  }),
  PreconditionFailure.fromPartial({
    violations: [{ type: "TOS", subject: "books.example.com/terms", description: "Terms not accepted" }],
  }),
  BadRequest.fromPartial({
    fieldViolations: [
      {
        field: "book.title",
        description: "required",
        reason: "REQUIRED",
        localizedMessage: { locale: "fr-FR", message: "obligatoire" },
      },
      { field: "book.isbn", description: "not an ISBN" },
    ],
  }),
  RequestInfo.fromPartial({ requestId: "req-1", servingData: "opaque" }),
  ResourceInfo.fromPartial({ resourceType: "book", resourceName: "books/7", owner: "user:ann", description: "gone" }),
  Help.fromPartial({ links: [{ description: "Docs", url: "https://books.example.com/docs" }] }),
  LocalizedMessage.fromPartial({ locale: "en-US", message: "The book has no title." }),
];

/** A message of a type the library does not know, packed as it would be by its own code. */
export const unknownDetail = Any.fromPartial({
  typeUrl: "type.googleapis.com/books.v1.ShelfFull",
  value: new Uint8Array([8, 7, 18, 3, 0x61, 0x62, 0xff]),
});

/** The `google.rpc.Status` in a failed call's `grpc-status-details-bin` trailer, or `undefined`. */
export function statusTrailer(error: ServiceError): Status | undefined {
  const values = error.metadata.get(STATUS_DETAILS_KEY);
  expect(values.length, "at most one grpc-status-details-bin").to.be.at.most(1);
  if (values.length === 0) return undefined;
  expect(values[0]).to.be.an.instanceOf(Buffer);
  return Status.decode(values[0] as Buffer);
}

/** Checks the trailer's status matches the call's exactly, and returns its type URLs. */
export function expectMatchingTrailer(error: ServiceError): string[] {
  const trailer = statusTrailer(error);
  expect(trailer, "a grpc-status-details-bin trailer").to.not.equal(undefined);
  expect(trailer!.code).to.equal(error.code);
  expect(trailer!.message).to.equal(error.details);
  return trailer!.details.map((detail) => detail.typeUrl);
}
