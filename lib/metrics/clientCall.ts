/* eslint-disable @typescript-eslint/no-explicit-any -- requests and responses are user messages of any type */
import { status } from "@grpc/grpc-js";
import type { ClientCallDetails, ClientMethod } from "../client/ClientCallDetails.js";
import type { CallKind } from "../server/CallOutcome.js";
import { countMessages } from "./countMessages.js";

/** What a client metrics interceptor is told about one call. */
export interface ClientCallObserver {
  /** A request message is taken to be sent. */
  sent(message: unknown): void;
  /** A response message arrived. */
  received(message: unknown): void;
  /** The call ended with `code` (`OK`, the server's code, or `CANCELLED` when the caller stopped reading). */
  ended(code: status): void;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] === "function";
}

/**
 * Runs a client call through `method`, telling `observe` (made once the call's kind is known) its
 * messages and its end: the one place where the client metrics interceptors follow a call.
 */
export function observeClientCall(
  method: ClientMethod,
  requestOrIterator: any,
  callDetails: ClientCallDetails,
  observe: (kind: CallKind) => ClientCallObserver,
): any {
  let observer: ClientCallObserver | undefined;
  const requestStream = isAsyncIterable(requestOrIterator);
  const requests = requestStream
    ? countMessages(requestOrIterator, (message) => observer!.sent(message))
    : requestOrIterator;
  const result = method(requests, callDetails);
  if (typeof (result as Promise<unknown> | null)?.then === "function") {
    observer = observe(requestStream ? "clientStream" : "unary");
    if (!requestStream) observer.sent(requestOrIterator);
    const unary = observer;
    return (result as Promise<unknown>).then(
      (response) => {
        unary.received(response);
        unary.ended(status.OK);
        return response;
      },
      (error: unknown) => {
        unary.ended(codeOf(error));
        throw error;
      },
    );
  }
  observer = observe(requestStream ? "bidi" : "serverStream");
  if (!requestStream) observer.sent(requestOrIterator);
  return responses(result as AsyncIterable<unknown>, observer);
}

async function* responses(stream: AsyncIterable<unknown>, observer: ClientCallObserver): AsyncGenerator<unknown> {
  let code: status = status.CANCELLED; // unless the stream ends or fails: the caller stopped reading
  try {
    for await (const message of stream) {
      observer.received(message);
      yield message;
    }
    code = status.OK;
  } catch (error) {
    code = codeOf(error);
    throw error;
  } finally {
    observer.ended(code);
  }
}

function codeOf(error: unknown): status {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" && Number.isInteger(code) && code > 0 && code <= 16 ? code : status.UNKNOWN;
}
