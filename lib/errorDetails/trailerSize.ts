import type { Metadata } from "@grpc/grpc-js";

/**
 * The header lines a failed answer has besides its metadata and `grpc-message`, as C-core counts them:
 * `:status`, `content-type`, `date` and `grpc-status` of a trailers-only answer, 32 each included.
 */
export const FIXED_TRAILERS_BYTES = 224;

/** What each trailer costs on top of its name and value, as HTTP/2 counts a header list (RFC 7540 6.5.2). */
export const ENTRY_OVERHEAD = 32;

/**
 * The size of trailers as a receiving gRPC stack counts it: name, value (binary values as their bytes) and
 * {@link ENTRY_OVERHEAD} per entry.
 */
export function trailerSize(metadata: Metadata | undefined): number {
  if (!metadata) return 0;
  let size = 0;
  for (const [key, values] of Object.entries(metadata.toJSON())) {
    for (const value of values) size += key.length + value.length + ENTRY_OVERHEAD;
  }
  return size;
}

// The ASCII characters grpc-js's `encodeURI` of `grpc-message` leaves as they are.
const UNENCODED = /^[A-Za-z0-9;,/?:@&=+$\-_.!~*'()#]$/;

/** The length of `details` as `grpc-message` carries it: percent-encoded as grpc-js's `encodeURI` does. */
export function encodedDetailsLength(details: string): number {
  let length = 0;
  for (const character of details) {
    length += character.length === 1 && UNENCODED.test(character) ? 1 : 3 * Buffer.byteLength(character);
  }
  return length;
}
