/* eslint-disable @typescript-eslint/no-explicit-any -- requests and responses are user messages of any type */
import type { ServerCallContext } from "./ServerCallContext.js";

/**
 * The next step of a call: the next interceptor, or the handler. For a unary-response method it returns
 * a `Promise` of the response; for a streaming-response method an `AsyncIterable` of responses that runs
 * nothing until it is iterated.
 */
export type ServerMethod = (requestOrIterator: any, context: ServerCallContext) => any;

/** An interceptor written as a plain function with the signature of {@link ServerInterceptor.intercept}. */
export type InterceptFunction = (
  method: ServerMethod,
  requestOrIterator: any,
  context: ServerCallContext,
  methodName: string,
) => any;

/**
 * Base class of server interceptors: one `intercept` for all four kinds of RPC.
 *
 * @example
 * class Logger extends ServerInterceptor {
 *   async intercept(method, request, context, methodName) {
 *     console.log("call", methodName);
 *     return method(request, context);
 *   }
 * }
 */
export abstract class ServerInterceptor {
  /**
   * Handles one call. Call `method(requestOrIterator, context)` to go on to the next interceptor or the
   * handler; change the request or the response, call it zero times to short-circuit, or throw.
   *
   * @param method - the next interceptor or the handler.
   * @param requestOrIterator - the request message, or an `AsyncIterable` of request messages for
   *   client-streaming and bidi methods.
   * @param context - the call's {@link ServerCallContext}.
   * @param methodName - the method path, `"/package.Service/Method"`.
   * @returns the response (or a `Promise` of it) for unary-response methods; an `AsyncIterable` or
   *   `Iterable` of responses for streaming-response methods (an `async *intercept` works).
   */
  abstract intercept(method: ServerMethod, requestOrIterator: any, context: ServerCallContext, methodName: string): any;
}

/** A {@link ServerInterceptor} subclass whose constructor takes no arguments. */
export type ServerInterceptorClass = new () => ServerInterceptor;

/** The three accepted forms of a server interceptor: an instance, a no-argument subclass, or a function. */
export type InterceptorLike = ServerInterceptor | ServerInterceptorClass | InterceptFunction;
