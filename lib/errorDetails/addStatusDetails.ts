import { Metadata } from "@grpc/grpc-js";
import { statusName } from "../statusCodes.js";
import { STATUS_DETAILS_KEY } from "./detailTypeNames.js";
import type { ErrorDetail } from "./ErrorDetail.js";
import { loadStatusCodec } from "./loadStatusCodec.js";
import { encodedDetailsLength, ENTRY_OVERHEAD, FIXED_TRAILERS_BYTES, trailerSize } from "./trailerSize.js";

/**
 * The most trailer bytes a failed status with error details may take, details trailer included (names,
 * values, binary values as their bytes, 32 per entry). 8 KiB is the default limit of received metadata in
 * gRPC C-core (Python, C++, Ruby, PHP clients) and grpc-java: past it, those clients report
 * `RESOURCE_EXHAUSTED` instead of the status. (A grpc-js client loses its connection past about 64 KiB.)
 */
export const MAX_ERROR_TRAILERS_BYTES = 8 * 1024;

/**
 * The trailers of a failed status with error details: a copy of `metadata` plus `grpc-status-details-bin`,
 * a `google.rpc.Status` whose `code` and `message` are exactly the status's. A detail that cannot be
 * packed is left out; details that would take the trailers (these, `grpc-message` and `metadata`'s) past
 * `limit` bytes are left out from the end of the list; each omission goes to `report`. `metadata` itself
 * is never changed; it is returned as it is when no detail is left.
 */
export function addStatusDetails(
  metadata: Metadata | undefined,
  code: number,
  message: string,
  errorDetails: readonly ErrorDetail[],
  report: (problem: Error) => void,
  limit: number = MAX_ERROR_TRAILERS_BYTES,
): Metadata | undefined {
  const codec = loadStatusCodec();
  const packed: Uint8Array[] = [];
  const others =
    FIXED_TRAILERS_BYTES +
    trailerSize(metadata) +
    "grpc-message".length +
    encodedDetailsLength(message) +
    ENTRY_OVERHEAD +
    STATUS_DETAILS_KEY.length +
    ENTRY_OVERHEAD;
  let size = others + codec.encodeStatus(code, message, []).length;
  for (const [index, detail] of errorDetails.entries()) {
    let bytes: Uint8Array;
    try {
      bytes = codec.packErrorDetail(detail);
    } catch (packError) {
      report(
        problem(
          "ErrorDetailNotPacked",
          `error detail ${index} (${String(detail.$type)}) of ${statusName(code)} could not be serialized and was not ` +
            `sent: ${packError instanceof Error ? packError.message : String(packError)}`,
        ),
      );
      continue;
    }
    const added = codec.packedDetailSize(bytes);
    if (size + added > limit) {
      const dropped = errorDetails.slice(index).map((rest) => rest.$type);
      report(
        problem(
          "ErrorDetailsTooLarge",
          `${dropped.length} of ${errorDetails.length} error details of ${statusName(code)} were not sent: with them ` +
            `the trailers would exceed ${limit} bytes (${STATUS_DETAILS_KEY}, grpc-message and the call's own), ` +
            `and clients fail on larger ones. Not sent: ${dropped.join(", ")}`,
        ),
      );
      break;
    }
    packed.push(bytes);
    size += added;
  }
  if (packed.length === 0) return metadata;
  const trailers = metadata ? metadata.clone() : new Metadata();
  trailers.set(STATUS_DETAILS_KEY, Buffer.from(codec.encodeStatus(code, message, packed)));
  return trailers;
}

function problem(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}
