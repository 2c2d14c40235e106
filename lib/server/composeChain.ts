import type { ServerInterceptor, ServerMethod } from "./ServerInterceptor.js";
import { lazyStream } from "./responseStreams.js";

type Interceptor = Pick<ServerInterceptor, "intercept">;

function callAsPromise(step: () => unknown): Promise<unknown> {
  try {
    return Promise.resolve(step());
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Builds one method's chain once, at `bootstrap`: `interceptors[0]` is outermost, `handler` innermost.
 * Every step of a unary-response chain returns a `Promise`; every step of a streaming-response chain a
 * lazy `AsyncIterable`, whatever the interceptor itself returned.
 */
export function composeChain(
  interceptors: readonly Interceptor[],
  handler: ServerMethod,
  methodName: string,
  responseStream: boolean,
): ServerMethod {
  let next: ServerMethod = responseStream
    ? (request, context) => lazyStream(() => handler(request, context), methodName)
    : (request, context) => callAsPromise(() => handler(request, context));
  for (let i = interceptors.length - 1; i >= 0; i--) {
    const interceptor = interceptors[i]!;
    const inner = next;
    next = responseStream
      ? (request, context) => lazyStream(() => interceptor.intercept(inner, request, context, methodName), methodName)
      : (request, context) => callAsPromise(() => interceptor.intercept(inner, request, context, methodName));
  }
  return next;
}
