import type * as StatusCodec from "./statusCodec.js";

let codec: typeof StatusCodec | undefined;

/**
 * The protobuf code of rich error statuses (`statusCodec.ts` and the generated `google.rpc` messages),
 * loaded on first use: when a status with error details is sent or a `ServiceError` is read. The
 * exceptions entry and the server and client paths that have no details never load it (it would add
 * about a fifth to the exceptions entry's load time).
 */
export function loadStatusCodec(): typeof StatusCodec {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose, see above
  codec ??= require("./statusCodec.js") as typeof StatusCodec;
  return codec;
}
