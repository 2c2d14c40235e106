import type { ExceptionToStatusInterceptor } from "../ExceptionToStatusInterceptor.js";
import type { ServerMethod } from "../ServerInterceptor.js";
import type { GrpcJsMethodPlan } from "./common.js";
import { StreamCallShim } from "./StreamCallShim.js";
import { UnaryCallShim } from "./UnaryCallShim.js";

/** What {@link grpcJsStep} needs to know of one method. */
export interface GrpcJsStepOptions {
  /** The servicer's grpc-js-style method: `(call, callback)` or `(call)`. */
  handler: (...args: unknown[]) => unknown;
  /** `this` of the handler. */
  servicer: object;
  /** `"/package.Service/Method"`. */
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  /** Handler misuse (a second `callback`, a write after `end`) is reported through its `reportUnknownException`. */
  exceptionToStatus: ExceptionToStatusInterceptor;
}

/**
 * Turns a grpc-js-style handler into the innermost step of an interceptor chain: an `"async"`-style
 * `(requestOrIterator, context)` that returns a `Promise` of the response (unary and client streaming) or
 * an `AsyncIterable` of responses (server streaming and bidi). The handler gets a call object of its own
 * that behaves as grpc-js's, fed by what the interceptors pass down; built once per method at `bootstrap`.
 */
export function grpcJsStep(options: GrpcJsStepOptions): ServerMethod {
  const plan: GrpcJsMethodPlan = {
    handler: options.handler,
    servicer: options.servicer,
    path: options.path,
    exceptionToStatus: options.exceptionToStatus,
  };
  const { requestStream, responseStream } = options;
  if (!requestStream && !responseStream) {
    return (request, context) => new UnaryCallShim(request, context, plan).run();
  }
  if (!responseStream) {
    return (requests, context) => new StreamCallShim(requests, context, plan, true, false).runUnaryResponse();
  }
  return (requestOrIterator, context) =>
    new StreamCallShim(requestOrIterator, context, plan, requestStream, true).runStreamingResponse();
}
