import { status } from "@grpc/grpc-js";
import { messageOf } from "./ErrorMapper.js";

// grpc-js serializes a response inside the `callback` / `write` that sends it (or later, for a streamed
// message queued behind a pending write) and answers a failure itself, without telling the handler:
// INTERNAL "Error serializing response", or RESOURCE_EXHAUSTED past `grpc.max_send_message_length`.
// This module is the one place that knows where: grpc-js's server call (the `call` behind the public
// call object, through any native interceptors' `nextCall`) serializes in `serializeMessage`. Its class
// gets a wrapper once, which rethrows and returns what grpc-js would: it only notes, on that call, a
// failure (for the handler to report and `onComplete` to see) and tells the call's observer the size.
// The caller's service definition is never touched.

/** What grpc-js itself answered a call with, when sending a response failed. */
export interface WireFailure {
  readonly code: status;
  readonly details: string;
  /** The serializer's error; `undefined` for a message over the size limit. */
  readonly error: unknown;
}

/** Sees each response message of a call as grpc-js serializes it, with its serialized size in bytes. */
export type WireObserver = (message: unknown, bytes: number) => void;

const FAILURE = Symbol.for("grpc-interceptor.wireFailure");
const OBSERVER = Symbol.for("grpc-interceptor.wireObserver");
const WATCHED = Symbol.for("grpc-interceptor.wireWatched");

/** grpc-js's server call, as far as this module relies on it. */
export interface WireCall {
  serializeMessage(value: unknown): Buffer;
  readonly maxSendMessageSize: number;
  [FAILURE]?: WireFailure;
  [OBSERVER]?: WireObserver;
}

/**
 * The grpc-js server call that serializes the responses of `call` (a public grpc-js call object),
 * watched; `undefined` when this grpc-js version is not shaped as expected (failures then go unnoticed).
 */
export function wireOf(call: object): WireCall | undefined {
  let inner = (call as { call?: unknown }).call as { serializeMessage?: unknown; nextCall?: unknown } | undefined;
  for (let depth = 0; inner && depth < 32; depth++) {
    if (typeof inner.serializeMessage === "function") {
      const proto = Object.getPrototypeOf(inner) as WireCall & { [WATCHED]?: true };
      if (proto !== watched) watch(proto);
      return inner as WireCall;
    }
    inner = inner.nextCall as typeof inner;
  }
  return undefined;
}

/** What grpc-js answered the call with when it could not send a response, if it did. */
export function wireFailure(wire: WireCall | undefined): WireFailure | undefined {
  return wire?.[FAILURE];
}

/** The error a wire failure of a call of `methodName` is reported (and given to `onComplete`) as. */
export function wireFailureError(methodName: string, failed: WireFailure): Error {
  const tooLarge = failed.error === undefined;
  const failure = tooLarge
    ? new Error(`${methodName}: grpc-js could not send a response: ${failed.details}`)
    : new Error(`${methodName}: grpc-js could not serialize the response: ${messageOf(failed.error)}`, {
        cause: failed.error,
      });
  failure.name = tooLarge ? "ResponseTooLarge" : "ResponseSerializationFailure";
  return failure;
}

/** Lets `observer` see the call's response messages as they are serialized (one observer a call). */
export function observeWire(wire: WireCall | undefined, observer: WireObserver | undefined): void {
  if (wire) wire[OBSERVER] = observer;
}

// The class watched last: every call of a process normally has the same one.
let watched: object | undefined;

function watch(proto: WireCall & { [WATCHED]?: true }): void {
  watched = proto;
  if (Object.hasOwn(proto, WATCHED)) return;
  const serialize = proto.serializeMessage;
  proto.serializeMessage = function (this: WireCall, value: unknown): Buffer {
    let bytes: Buffer;
    try {
      bytes = serialize.call(this, value);
    } catch (error) {
      this[FAILURE] ??= { code: status.INTERNAL, details: "Error serializing response", error };
      throw error;
    }
    const max = this.maxSendMessageSize;
    if (max !== -1 && bytes.length - 5 > max) {
      this[FAILURE] ??= {
        code: status.RESOURCE_EXHAUSTED,
        details: `Sent message larger than max (${bytes.length} vs. ${max})`,
        error: undefined,
      };
    }
    this[OBSERVER]?.(value, bytes.length - 5);
    return bytes;
  };
  Object.defineProperty(proto, WATCHED, { value: true });
}
