/* eslint-disable @typescript-eslint/no-explicit-any -- requests and responses are user messages of any type */
import type { Interceptor } from "@grpc/grpc-js";
import type { ClientCallDetails, ClientInterceptFunction, ClientMethod } from "./ClientCallDetails.js";
import { ClientInterceptor } from "./ClientInterceptor.js";

class FunctionClientInterceptor extends ClientInterceptor {
  readonly #intercept: ClientInterceptFunction;

  constructor(intercept: ClientInterceptFunction) {
    super();
    this.#intercept = intercept;
  }

  intercept(method: ClientMethod, requestOrIterator: any, callDetails: ClientCallDetails): any {
    return this.#intercept(method, requestOrIterator, callDetails);
  }
}

/**
 * The grpc-js `Interceptor` for a client interceptor, for a client's or a call's `interceptors` option:
 * a {@link ClientInterceptor} instance is returned as is (it already is one); a plain function with the
 * signature of {@link ClientInterceptor.intercept} is wrapped.
 *
 * @throws TypeError when `interceptor` is neither.
 */
export function toGrpcInterceptor(interceptor: ClientInterceptor | ClientInterceptFunction): Interceptor {
  if (interceptor instanceof ClientInterceptor) return interceptor;
  if (typeof interceptor !== "function") {
    throw new TypeError(`toGrpcInterceptor: expected a ClientInterceptor or a function, got ${typeof interceptor}`);
  }
  return new FunctionClientInterceptor(interceptor);
}
