import { Metadata } from "@grpc/grpc-js";
import { statusName } from "../statusCodes.js";
import { STATUS_DETAILS_KEY } from "./detailTypeNames.js";
import type { ErrorDetail } from "./ErrorDetail.js";
import { loadStatusCodec } from "./loadStatusCodec.js";

/**
 * The largest serialized `google.rpc.Status` sent in `grpc-status-details-bin`. Trailers past a grpc-js
 * client's header-list limit (about 64 KiB as sent) break its connection: that call and the others on it
 * wait for their deadlines. 16 KiB, with details capped at 8 KiB, leaves room for the application's trailers.
 */
export const MAX_STATUS_DETAILS_BYTES = 16 * 1024;

/**
 * The trailers of a failed status with error details: a copy of `metadata` plus `grpc-status-details-bin`,
 * a `google.rpc.Status` whose `code` and `message` are exactly the status's. A detail that cannot be
 * packed is left out; details that would take the status past `limit` bytes are left out from the end
 * of the list; each omission goes to `report`. `metadata` itself is never changed; it is returned as it
 * is when no detail is left.
 */
export function addStatusDetails(
  metadata: Metadata | undefined,
  code: number,
  message: string,
  errorDetails: readonly ErrorDetail[],
  report: (problem: Error) => void,
  limit: number = MAX_STATUS_DETAILS_BYTES,
): Metadata | undefined {
  const codec = loadStatusCodec();
  const packed: Uint8Array[] = [];
  let size = codec.encodeStatus(code, message, []).length;
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
            `the ${STATUS_DETAILS_KEY} trailer would exceed ${limit} bytes, and oversized trailers break the ` +
            `client's connection. Not sent: ${dropped.join(", ")}`,
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
