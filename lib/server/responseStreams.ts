import { describe } from "../statusCodes.js";
import { isAsyncIterable, isPromiseLike } from "../typeGuards.js";

/**
 * The async iterator of what a streaming step returned: an `AsyncIterable`, a (non-string) `Iterable`,
 * or a promise of either (an `async intercept` that returns `method(...)`).
 */
function iterate(value: unknown, methodName: string): AsyncIterator<unknown> {
  if (isAsyncIterable(value)) return value[Symbol.asyncIterator]();
  if (isPromiseLike(value)) return iterateWhenResolved(value, methodName);
  if (typeof value !== "string" && typeof (value as Iterable<unknown> | null)?.[Symbol.iterator] === "function") {
    return syncIterator((value as Iterable<unknown>)[Symbol.iterator]());
  }
  throw new TypeError(
    `${methodName}: a streaming-response handler or interceptor returned ${describe(value)}, ` +
      "expected an AsyncIterable or Iterable of messages (e.g. from an async * method)",
  );
}

async function* iterateWhenResolved(promise: PromiseLike<unknown>, methodName: string): AsyncGenerator<unknown> {
  const iterator = iterate(await promise, methodName);
  try {
    for (let step = await iterator.next(); !step.done; step = await iterator.next()) yield step.value;
  } finally {
    await iterator.return?.();
  }
}

function syncIterator(iterator: Iterator<unknown>): AsyncIterator<unknown> {
  return {
    next: async () => iterator.next(),
    return: async (value?: unknown) => iterator.return?.(value) ?? { done: true, value },
  };
}

/**
 * An `AsyncIterable` that runs `start` only when iteration begins, so a streaming step does no work
 * (and raises no error) until its responses are read.
 */
export function lazyStream(start: () => unknown, methodName: string): AsyncIterable<unknown> {
  return { [Symbol.asyncIterator]: () => iterate(start(), methodName) };
}

/**
 * Passes a stream through, handing any error of the stream to `onError`, whose result (a throw or a
 * rejected promise) replaces it. Messages already produced are unaffected.
 */
export function guardStream(
  stream: AsyncIterable<unknown>,
  onError: (error: unknown) => PromiseLike<never> | never,
): AsyncIterable<unknown> {
  return {
    [Symbol.asyncIterator]() {
      let iterator: AsyncIterator<unknown>;
      try {
        iterator = stream[Symbol.asyncIterator]();
      } catch (error) {
        return { next: () => Promise.resolve().then(() => onError(error)) };
      }
      return {
        next: () => iterator.next().then(undefined, onError),
        return: (value?: unknown) => iterator.return?.(value) ?? Promise.resolve({ done: true, value }),
      };
    },
  };
}
