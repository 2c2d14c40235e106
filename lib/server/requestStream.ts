import type { Readable } from "node:stream";
import type { CallContext } from "./ServerCallContext.js";

/**
 * The request messages of a client-streaming or bidi call as an `AsyncIterable`. Unlike iterating the
 * call directly, ending the loop early does not destroy the call (which would lose the responses of a
 * bidi call); a call cancelled mid-read throws `Cancelled` or `DeadlineExceeded` instead of a stream error.
 * (A grpc-js client's `cancel()` half-closes before it resets the stream, so the server may see the
 * requests end normally first; `context.signal` aborts a moment later.)
 */
export async function* requestStream(call: Readable, context: CallContext): AsyncGenerator<unknown, void, undefined> {
  try {
    yield* call.iterator({ destroyOnReturn: false });
  } catch (error) {
    throw context.cancelled ? context.cancellationError() : error;
  }
}
