import type { Metadata } from "@grpc/grpc-js";

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

/** The length of `details` once percent-encoded for `grpc-message` (an upper bound: every byte outside printable ASCII, and `%`, as `%XX`). */
export function encodedDetailsLength(details: string): number {
  let length = 0;
  for (const character of details) {
    const code = character.codePointAt(0)!;
    length += code >= 0x20 && code <= 0x7e && code !== 0x25 ? 1 : 3 * Buffer.byteLength(character);
  }
  return length;
}
