import { Metadata } from "@grpc/grpc-js";
import { GrpcException } from "../../exceptions/GrpcException.js";
import { Cancelled } from "../../exceptions/GrpcException.js";
import { statusLike } from "../../statusLike.js";
import type { ExceptionToStatusInterceptor } from "../ExceptionToStatusInterceptor.js";
import { CallContext } from "../CallContext.js";
import type { ServerCallContext, ServerSurfaceCall } from "../ServerCallContext.js";

/** What the adapter of one grpc-js-style method knows, resolved once at `bootstrap`. */
export interface GrpcJsMethodPlan {
  /** The servicer's method, `(call, callback)` or `(call)`. */
  readonly handler: (...args: unknown[]) => unknown;
  /** `this` of the handler. */
  readonly servicer: object;
  /** `"/package.Service/Method"`. */
  readonly path: string;
  /** Where handler misuse (a second `callback`, a write after `end`) is reported: its `reportUnknownException`. */
  readonly exceptionToStatus: ExceptionToStatusInterceptor;
}

/** Where each shim keeps the context it serves, so {@link contextOf} can find it. */
export const CONTEXT = Symbol("grpc-interceptor.context");

/**
 * The {@link ServerCallContext} behind a call object that a grpc-js-style handler received from
 * `bootstrap(…, { handlerStyle: "grpc-js" })`, or `undefined` for any other call (e.g. a raw grpc-js call).
 * Gives such a handler `setCode`, `abort`, `signal` and the rest of what interceptors see.
 */
export function contextOf(call: object): ServerCallContext | undefined {
  return (call as { [CONTEXT]?: ServerCallContext })[CONTEXT];
}

/** The grpc-js call behind a context, when the context is the library's own (the usual case). */
export function realCallOf(context: ServerCallContext): ServerSurfaceCall | undefined {
  return context instanceof CallContext ? context.call : undefined;
}

/** The error pending work sees when the call is cancelled or its deadline passes. */
export function cancellationError(context: ServerCallContext): unknown {
  if (context instanceof CallContext) return context.cancellationError();
  const reason: unknown = context.signal.reason;
  return reason instanceof Error ? reason : new Cancelled(`Call to ${context.methodName} was cancelled`);
}

/**
 * What an error a handler passed to `callback`, `emit("error")` or `destroy` means. A status object
 * (an integer `code` with string `details`, `metadata` or the `trailer` argument) keeps its status as a
 * `GrpcException`, unless a `@MapErrors` rule of the method claims it. Anything else, an error with a
 * `code` but only a `message` included, goes as it is to the exception-to-status stage.
 */
export function toFailure(error: unknown, context: ServerCallContext, trailer?: Metadata): unknown {
  const status = error instanceof GrpcException ? undefined : statusLike(error);
  // Only a deliberate status chooses what the client sees: `{ code, details }` (a relayed ServiceError
  // too). An error with a `code` and only a `message` (a database driver's) is an unknown error.
  if (status?.details !== undefined && !claimedByRule(error as object, context)) {
    const trailers = trailer instanceof Metadata ? trailer : status.metadata;
    return new GrpcException(status.details, {
      statusCode: status.code,
      metadata: trailers,
      cause: error,
    });
  }
  if (trailer instanceof Metadata) context.setTrailingMetadata(trailer);
  return error;
}

// A domain error that happens to carry an integer `code` must still follow its @MapErrors rule.
function claimedByRule(error: object, context: ServerCallContext): boolean {
  if (!(context instanceof CallContext) || !context.errorMapper) return false;
  return context.errorMapper.hasRuleFor(error);
}

/**
 * Sends response headers through the context; like grpc-js, a second send (or one after an interceptor
 * already sent headers) is ignored rather than thrown into the handler.
 */
export function sendMetadata(context: ServerCallContext, metadata: Metadata): void {
  try {
    context.sendInitialMetadata(metadata);
  } catch {
    // grpc-js ignores headers sent twice; so does the shim.
  }
}
