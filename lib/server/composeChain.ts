import type { ServerInterceptor, ServerMethod } from "./ServerInterceptor.js";
import { lazyStream } from "./responseStreams.js";

type Interceptor = Pick<ServerInterceptor, "intercept">;

/**
 * Builds one method's chain once, at `bootstrap`: `interceptors[0]` is outermost, `handler` innermost.
 * Every step of a unary-response chain returns a `Promise`; every step of a streaming-response chain a
 * lazy `AsyncIterable`, whatever the interceptor itself returned.
 *
 * The steps are closures made here, so a call allocates nothing for the chain but its promises, and each
 * interceptor adds two stack frames (its step and its `intercept`): stack capture in a failing handler
 * costs by the frame.
 */
export function composeChain(
  interceptors: readonly Interceptor[],
  handler: ServerMethod,
  methodName: string,
  responseStream: boolean,
): ServerMethod {
  let next: ServerMethod = responseStream ? handlerStream(handler, methodName) : handlerUnary(handler);
  for (let i = interceptors.length - 1; i >= 0; i--) {
    next = responseStream
      ? interceptorStream(interceptors[i]!, next, methodName)
      : interceptorUnary(interceptors[i]!, next, methodName);
  }
  return next;
}

function handlerUnary(handler: ServerMethod): ServerMethod {
  return (request, context) => {
    try {
      return Promise.resolve(handler(request, context));
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

function interceptorUnary(interceptor: Interceptor, inner: ServerMethod, methodName: string): ServerMethod {
  return (request, context) => {
    try {
      return Promise.resolve(interceptor.intercept(inner, request, context, methodName));
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

function handlerStream(handler: ServerMethod, methodName: string): ServerMethod {
  return (request, context) => lazyStream(() => handler(request, context), methodName);
}

function interceptorStream(interceptor: Interceptor, inner: ServerMethod, methodName: string): ServerMethod {
  return (request, context) => lazyStream(() => interceptor.intercept(inner, request, context, methodName), methodName);
}
