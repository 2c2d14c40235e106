import type { ClientCallDetails } from "./ClientCallDetails.js";

/** The serialized bytes of one attempt's messages, as they went on and came off the wire. */
export interface MessageBytes {
  sent: number;
  received: number;
}

/** Where a client interceptor asks `method` to measure an attempt's messages (internal). */
export const MESSAGE_BYTES = Symbol("grpc-interceptor.messageBytes");

/** Call details that ask for the attempt's message sizes to be added to `bytes`. */
export function measuringBytes(callDetails: ClientCallDetails, bytes: MessageBytes): ClientCallDetails {
  return { ...callDetails, [MESSAGE_BYTES]: bytes } as ClientCallDetails;
}

interface BottomCall {
  methodDefinition: {
    requestSerialize(message: unknown): Buffer;
    responseDeserialize(bytes: Buffer): unknown;
  };
  call: unknown;
}

/**
 * Counts the bytes of an attempt started with `callDetails` (a grpc-js `InterceptingCall`), when they asked
 * for it: grpc-js serializes and deserializes in the call at the bottom of its interceptor chain, with the
 * method definition it keeps, which gets measuring copies of the two functions for this call only.
 */
export function measureAttempt(call: object, callDetails: ClientCallDetails): void {
  const bytes = (callDetails as { [MESSAGE_BYTES]?: MessageBytes })[MESSAGE_BYTES];
  if (!bytes) return;
  let bottom = call as Partial<BottomCall> & { nextCall?: unknown };
  for (let depth = 0; bottom && !(bottom.methodDefinition && bottom.call) && depth < 32; depth++) {
    bottom = bottom.nextCall as typeof bottom;
  }
  if (!bottom?.methodDefinition) return; // another grpc-js shape: sizes stay 0
  const { requestSerialize, responseDeserialize } = bottom.methodDefinition;
  bottom.methodDefinition = {
    ...bottom.methodDefinition,
    requestSerialize(message) {
      const serialized = requestSerialize(message);
      bytes.sent += serialized.length;
      return serialized;
    },
    responseDeserialize(serialized) {
      bytes.received += serialized.length;
      return responseDeserialize(serialized);
    },
  };
}
