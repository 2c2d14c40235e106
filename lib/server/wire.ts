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

/** The serialized bytes of a call's messages so far (gRFC A66's "compressed message size": no framing). */
export interface MessageBytes {
  readonly sent: number;
  readonly received: number;
}

const FAILURE = Symbol.for("grpc-interceptor.wireFailure");
const SENT = Symbol.for("grpc-interceptor.wireSent");
const RECEIVED = Symbol.for("grpc-interceptor.wireReceived");
const WATCHED = Symbol.for("grpc-interceptor.wireWatched");

/** grpc-js's server call, as far as this module relies on it. */
export interface WireCall {
  serializeMessage(value: unknown): Buffer;
  readonly maxSendMessageSize: number;
  decompressMessage(message: Buffer, encoding: string): Buffer | Promise<Buffer>;
  [FAILURE]?: WireFailure;
  [SENT]?: number;
  [RECEIVED]?: number;
}

// Counting bytes is off until a metrics interceptor asks for it (countMessageBytes): no cost before.
let counting = false;

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

/**
 * Turns on counting the serialized bytes of every call's messages, from now on. A request arrives
 * before any handler runs, so grpc-js's server call class is watched at once (found in grpc-js's
 * module; where that fails, from the first call on).
 */
export function countMessageBytes(): void {
  if (counting) return;
  counting = true;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- grpc-js does not export the class
    const internals = require("@grpc/grpc-js/build/src/server-interceptors") as {
      BaseServerInterceptingCall?: { prototype: WireCall };
    };
    if (internals.BaseServerInterceptingCall) watch(internals.BaseServerInterceptingCall.prototype);
  } catch {
    // Another layout of grpc-js: the prototype is watched when the first call is seen.
  }
}

/** The bytes of the call's messages so far; zeros when counting is off or grpc-js is shaped otherwise. */
export function messageBytes(wire: WireCall | undefined): MessageBytes {
  return { sent: wire?.[SENT] ?? 0, received: wire?.[RECEIVED] ?? 0 };
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
    if (counting) this[SENT] = (this[SENT] ?? 0) + bytes.length - 5;
    return bytes;
  };
  const decompress = proto.decompressMessage;
  proto.decompressMessage = function (this: WireCall, message: Buffer, encoding: string) {
    if (counting) this[RECEIVED] = (this[RECEIVED] ?? 0) + message.length - 5;
    return decompress.call(this, message, encoding);
  };
  Object.defineProperty(proto, WATCHED, { value: true });
}
