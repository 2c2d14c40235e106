/* eslint-disable @typescript-eslint/no-explicit-any -- requests and responses are user messages of any type */
import type { InterceptingCall, InterceptorOptions, NextCall } from "@grpc/grpc-js";
import type { ClientCallDetails, ClientMethod } from "./ClientCallDetails.js";
import { InterceptedCall } from "./InterceptedCall.js";

/**
 * Every {@link ClientInterceptor} instance is also a grpc-js `Interceptor` function, so it goes straight
 * into a client's `interceptors` option.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- adds the call signature of the callable instances
export interface ClientInterceptor {
  /** The grpc-js `Interceptor` entry point; grpc-js calls it once per call. */
  (options: InterceptorOptions, nextCall: NextCall): InterceptingCall;
}

/**
 * Base class of client interceptors: one `intercept` for all four kinds of RPC, installed on any grpc-js
 * client (ts-proto, `makeGenericClientConstructor`, `@grpc/proto-loader`) through the client's
 * `interceptors` option, first listed outermost. Callers keep using the client's ordinary callback and
 * stream API.
 *
 * An instance is itself a grpc-js `Interceptor` function (the constructor returns a callable object
 * whose prototype is the subclass's), so `new Client(address, creds, { interceptors: [new Auth()] })`
 * works directly; {@link toGrpcInterceptor} also accepts plain intercept functions. Instances inherit
 * `Function.prototype` (`call`, `apply`, `bind`); `name` (the class name by default) and `length` are
 * writable, so subclasses may declare such fields (with `override` under `noImplicitOverride`). One
 * instance serves any number of concurrent calls: keep per-call state in `intercept`'s locals.
 *
 * How a call ends:
 * - `intercept` returns (or resolves to) a response, or an `AsyncIterable`/`Iterable` of responses for
 *   streaming-response methods: the call succeeds; the caller receives the response headers, trailing
 *   metadata and status of the last attempt that finished (none, and an empty `OK` status, when
 *   `method` was never called).
 * - it throws (or rejects, or the iteration throws) a `ServiceError` (e.g. the one `method` rejected
 *   with): the call fails with its `code`, `details` and `metadata`;
 * - a `GrpcException` (from `grpc-interceptor/exceptions`): its `statusCode`, `details` and `metadata`;
 * - anything else: status `INTERNAL` with `String(error)` as details. In each case the caller's
 *   `ServiceError` has the thrown value as `cause`.
 *
 * The caller's `call.cancel()` cancels every attempt in progress and ends the call with `CANCELLED` at
 * once; the caller's deadline bounds the whole call, waits between attempts included. After either,
 * `method` rejects (or throws from iteration) at once without starting an attempt.
 *
 * @example
 * class Auth extends ClientInterceptor {
 *   intercept(method: ClientMethod, request: unknown, details: ClientCallDetails) {
 *     const metadata = details.metadata.clone();
 *     metadata.set("authorization", "Bearer token");
 *     return method(request, { ...details, metadata });
 *   }
 * }
 * const client = new GreeterClient(address, credentials.createInsecure(), { interceptors: [new Auth()] });
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface above
export abstract class ClientInterceptor {
  constructor() {
    const interceptor = ((options: InterceptorOptions, nextCall: NextCall) =>
      new InterceptedCall(interceptor, options, nextCall) as unknown as InterceptingCall) as ClientInterceptor;
    // A function's own `name` and `length` are read-only; without them, subclasses may have such fields.
    Reflect.deleteProperty(interceptor, "name");
    Reflect.deleteProperty(interceptor, "length");
    Object.setPrototypeOf(interceptor, new.target.prototype);
    return interceptor;
  }

  /**
   * Handles one call. Call `method(requestOrIterator, callDetails)` to start an attempt through the next
   * interceptor to the server; change the request, the details or the response, call it zero times
   * (e.g. answer from a cache) or several times (e.g. retry), await anything, or throw.
   *
   * @param method - starts an attempt; see {@link ClientMethod}.
   * @param requestOrIterator - the request message, or for client-streaming and bidi methods an
   *   `AsyncIterable` of the messages the caller writes (it can be iterated once: buffer it to retry).
   * @param callDetails - the method, deadline, metadata, credentials and options of the call.
   * @returns the response (or a `Promise` of it) for unary-response methods; an `AsyncIterable` or
   *   `Iterable` (or a `Promise` of one) of responses for streaming-response methods (an
   *   `async *intercept` works).
   */
  abstract intercept(method: ClientMethod, requestOrIterator: any, callDetails: ClientCallDetails): any;
}

// Instances are functions: keep `call`, `apply` and `bind`, and give `name`/`length` writable defaults.
Object.setPrototypeOf(ClientInterceptor.prototype, Function.prototype);
for (const key of ["name", "length"]) {
  Object.defineProperty(ClientInterceptor.prototype, key, {
    get(this: object) {
      return key === "name" ? this.constructor.name : 2;
    },
    set(this: object, value: unknown) {
      Object.defineProperty(this, key, { value, writable: true, enumerable: true, configurable: true });
    },
    configurable: true,
  });
}
