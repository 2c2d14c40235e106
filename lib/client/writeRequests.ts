/* eslint-disable @typescript-eslint/no-explicit-any -- requests are user messages of any type */
import type { Attempt } from "./Attempt.js";
import type { NextInterceptingCall } from "./grpcCallTypes.js";

/**
 * Writes the messages of `source` on an attempt of a client-streaming or bidi method, one at a time
 * (each after the previous one's write callback, as grpc-js requires), then half-closes. Stops when the
 * attempt settles. If `source` throws, the attempt fails with that error and the call is cancelled.
 */
export async function writeRequests(
  call: NextInterceptingCall,
  source: Iterable<any> | AsyncIterable<any>,
  attempt: Attempt,
): Promise<void> {
  try {
    for await (const message of source) {
      if (attempt.settled) return;
      await new Promise<void>((resolve) => {
        attempt.onSettle = resolve;
        call.sendMessageWithContext({ callback: () => resolve() }, message);
      });
      attempt.onSettle = undefined;
      if (attempt.settled) return;
    }
    if (!attempt.settled) call.halfClose();
  } catch (error) {
    attempt.abort(error);
  }
}
