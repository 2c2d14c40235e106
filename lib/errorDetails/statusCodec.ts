import { Metadata } from "@grpc/grpc-js";
import type { BinaryWriter } from "@bufbuild/protobuf/wire";
import { Any } from "../generated/google/protobuf/any.js";
import * as messages from "../generated/google/rpc/error_details.js";
import { Status } from "../generated/google/rpc/status.js";
import { ANY_TYPE, STATUS_DETAILS_KEY } from "./detailTypeNames.js";
import type { ErrorDetail } from "./ErrorDetail.js";

// The protobuf side of rich error statuses: packing details into `Any`s and `google.rpc.Status` bytes, and
// back. Loaded on first use only (see loadStatusCodec.ts).

/** The type URL prefix every gRPC implementation writes: `type.googleapis.com/google.rpc.BadRequest`. */
const TYPE_URL_PREFIX = "type.googleapis.com/";

interface DetailCodec {
  // Method syntax on purpose: each message's encoder takes its own type, which is one of ErrorDetail's.
  encode(message: ErrorDetail, writer?: BinaryWriter): BinaryWriter;
  decode(input: Uint8Array): ErrorDetail;
}

const detailCodecs = new Map<string, DetailCodec>(
  [
    messages.ErrorInfo,
    messages.RetryInfo,
    messages.DebugInfo,
    messages.QuotaFailure,
    messages.PreconditionFailure,
    messages.BadRequest,
    messages.RequestInfo,
    messages.ResourceInfo,
    messages.Help,
    messages.LocalizedMessage,
  ].map((codec) => [codec.$type, codec as DetailCodec]),
);

/** The `google.protobuf.Any` bytes of one detail: a known message packed with its type URL, an `Any` as it is. */
export function packErrorDetail(detail: ErrorDetail): Uint8Array {
  if (detail.$type === ANY_TYPE) return Any.encode(detail).finish();
  const codec = detailCodecs.get(detail.$type);
  if (!codec) throw new TypeError(`no protobuf type ${String(detail.$type)} among the error detail messages`);
  const value = codec.encode(detail).finish();
  return Any.encode(Any.fromPartial({ typeUrl: TYPE_URL_PREFIX + detail.$type, value })).finish();
}

/** Serialized `google.rpc.Status` with already packed details. */
export function encodeStatus(code: number, message: string, packedDetails: readonly Uint8Array[]): Uint8Array {
  const writer = Status.encode(Status.fromPartial({ code, message }));
  for (const packed of packedDetails) writer.uint32(26).bytes(packed);
  return writer.finish();
}

/** How many bytes one packed detail adds to a serialized status (its tag, length and bytes). */
export function packedDetailSize(packed: Uint8Array): number {
  return 1 + varintSize(packed.length) + packed.length;
}

function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    size++;
  }
  return size;
}

/** A decoded `google.rpc.Status`: code, message, and details still packed. */
export interface DecodedStatus {
  readonly code: number;
  readonly message: string;
  readonly details: readonly Any[];
}

/** Decodes `google.rpc.Status` bytes; throws on bytes that are not one. */
export function decodeStatus(bytes: Uint8Array): DecodedStatus {
  return Status.decode(bytes);
}

/**
 * The detail a packed `Any` holds: one of the ten `google.rpc` messages when its type URL names one
 * (the part after the last `/`), else the `Any` itself, unchanged. Throws when a known type's bytes do
 * not decode as that type.
 */
export function unpackErrorDetail(packed: Any): ErrorDetail {
  const codec = detailCodecs.get(packed.typeUrl.slice(packed.typeUrl.lastIndexOf("/") + 1));
  return codec ? codec.decode(packed.value) : packed;
}

/** Receives what was wrong with a `grpc-status-details-bin` trailer that was ignored or partly kept packed. */
export type MalformedReporter = (problem: Error) => void;

/**
 * The error details of a failed call's status: decoded from the `grpc-status-details-bin` trailer in
 * `error.metadata`, `[]` when there is none. Never throws: a trailer that is not a `google.rpc.Status`, or
 * whose code is not the call's, yields `[]`; a known detail whose bytes do not decode stays packed (an
 * `Any`). Each such problem goes to `report`.
 */
export function readStatusDetails(error: unknown, report: MalformedReporter): ErrorDetail[] {
  let code: unknown;
  let metadata: unknown;
  try {
    ({ code, metadata } = error as { code?: unknown; metadata?: unknown });
  } catch {
    return []; // An object whose properties throw carries no status.
  }
  if (!(metadata instanceof Metadata)) return [];
  const value = metadata.get(STATUS_DETAILS_KEY)[0];
  if (value === undefined) return [];
  if (!(value instanceof Uint8Array)) {
    report(malformed(`${STATUS_DETAILS_KEY} holds a string, not bytes; the status's error details are ignored`));
    return [];
  }
  let status: DecodedStatus;
  try {
    status = decodeStatus(value);
  } catch (decodeError) {
    report(
      malformed(
        `${STATUS_DETAILS_KEY} (${value.length} bytes) is not a serialized google.rpc.Status ` +
          `(${messageOf(decodeError)}); the status's error details are ignored`,
      ),
    );
    return [];
  }
  if (typeof code === "number" && status.code !== code) {
    report(
      malformed(
        `${STATUS_DETAILS_KEY} has code ${status.code}, but the call's status code is ${code}; ` +
          "the status's error details are ignored",
      ),
    );
    return [];
  }
  return status.details.map((packed, index) => {
    try {
      return unpackErrorDetail(packed);
    } catch (decodeError) {
      report(
        malformed(
          `error detail ${index} of ${STATUS_DETAILS_KEY} (${packed.typeUrl}) does not decode ` +
            `(${messageOf(decodeError)}); it is kept packed, as a google.protobuf.Any`,
        ),
      );
      return packed;
    }
  });
}

function malformed(message: string): Error {
  const problem = new Error(message);
  problem.name = "MalformedStatusDetails";
  return problem;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
