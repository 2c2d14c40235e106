/* eslint-disable @typescript-eslint/no-explicit-any -- requests and responses are user messages of any type */
import type { AsyncLocalStorage } from "node:async_hooks";
import type { ServerCallContext } from "../server/ServerCallContext.js";
import { ServerInterceptor, type ServerMethod } from "../server/ServerInterceptor.js";
import { isAsyncIterable, isPromiseLike } from "../typeGuards.js";
import { activeFrame, scopeStorage, ScopeFrame } from "./ScopeFrame.js";

/**
 * The server interceptor that makes {@link currentCall} work for the calls it sees, and with it
 * {@link Propagate} on the clients its handlers use. It runs the rest of the chain inside
 * `AsyncLocalStorage.run()` (never `enterWith`), so the call's context follows every `await`, timer and
 * callback that descends from the handler, and nothing else. For streaming responses, every read of the
 * response stream runs inside it, so an `async *` handler is in scope between its `yield`s too.
 *
 * Where it belongs: first in `bootstrap`'s `options.interceptors` (outermost after the
 * exception-to-status stage), so every interceptor and the handler run inside it; an interceptor listed
 * before it does not see `currentCall()`. Listed twice for one call (e.g. also in an `@Intercept`), the
 * inner one changes nothing.
 *
 * Cost: the `AsyncLocalStorage` is created the first time a `CallScope` runs a call; a process that never
 * uses one pays nothing. On Node 20 an active storage makes every promise of the process a little
 * dearer (async hooks); Node 22.7+ with `--experimental-async-context-frame`, and Node 24, are cheaper.
 *
 * @example
 * server.addService(GreeterService, bootstrap(GreeterService, new Greeter(), { interceptors: [CallScope] }));
 */
export class CallScope extends ServerInterceptor {
  /** Runs `method` with `context` as the current call until its response (or response stream) is done. */
  intercept(method: ServerMethod, requestOrIterator: any, context: ServerCallContext): any {
    const outer = activeFrame();
    if (outer?.context === context) return method(requestOrIterator, context);
    const storage = scopeStorage();
    const frame = new ScopeFrame(context, outer);
    let result: unknown;
    try {
      result = storage.run(frame, method, requestOrIterator, context);
    } catch (error) {
      frame.end();
      throw error;
    }
    if (isPromiseLike(result)) {
      return result.then(
        (response) => {
          frame.end();
          return response;
        },
        (error: unknown) => {
          frame.end();
          throw error;
        },
      );
    }
    if (isAsyncIterable(result) || isIterable(result)) return scopedStream(storage, frame, result);
    frame.end();
    return result;
  }
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return typeof value !== "string" && typeof (value as Iterable<unknown> | null)?.[Symbol.iterator] === "function";
}

// Module-level, so a streamed message allocates no closure to step the iterator inside the scope.
function nextOf(
  iterator: AsyncIterator<unknown> | Iterator<unknown>,
): Promise<IteratorResult<unknown>> | IteratorResult<unknown> {
  return iterator.next();
}

/** `stream`, with each step of its iteration run in `frame`'s scope; the scope ends with the iteration. */
function scopedStream(
  storage: AsyncLocalStorage<ScopeFrame>,
  frame: ScopeFrame,
  stream: AsyncIterable<unknown> | Iterable<unknown>,
): AsyncIterable<unknown> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<unknown> {
      let iterator: AsyncIterator<unknown> | Iterator<unknown>;
      try {
        iterator = storage.run(frame, () =>
          isAsyncIterable(stream) ? stream[Symbol.asyncIterator]() : stream[Symbol.iterator](),
        );
      } catch (error) {
        frame.end();
        throw error;
      }
      const step = (result: IteratorResult<unknown>) => {
        if (result.done) frame.end();
        return result;
      };
      const failed = (error: unknown): never => {
        frame.end();
        throw error;
      };
      return {
        next: () => {
          try {
            return Promise.resolve(storage.run(frame, nextOf, iterator)).then(step, failed);
          } catch (error) {
            return Promise.reject(error).then(undefined, failed);
          }
        },
        return: (value?: unknown) => {
          try {
            const closing =
              iterator.return === undefined ? undefined : storage.run(frame, () => iterator.return!(value));
            return Promise.resolve(closing ?? { done: true as const, value }).finally(() => frame.end());
          } catch (error) {
            frame.end();
            return Promise.reject(error);
          }
        },
      };
    },
  };
}
