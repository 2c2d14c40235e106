import {
  status,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type StatusObject,
} from "@grpc/grpc-js";
import { addStatusDetails } from "../errorDetails/addStatusDetails.js";
import { GrpcException } from "../exceptions/GrpcException.js";
import { describe } from "../statusCodes.js";
import { messageOf } from "./ErrorMapper.js";
import { UNKNOWN_EXCEPTION_DETAILS, type ExceptionToStatusInterceptor } from "./ExceptionToStatusInterceptor.js";
import { CallContext, type ContextPlan } from "./CallContext.js";
import type { ServerSurfaceCall } from "./ServerCallContext.js";
import { SERIALIZED, takeSerializationFailure } from "./serializationFailures.js";
import type { ServerMethod } from "./ServerInterceptor.js";
import { requestStream } from "./requestStream.js";

/** What a grpc-js handler needs to run one method's composed chain. */
export interface MethodPlan extends ContextPlan {
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  /** The composed chain, exception-to-status stage included. */
  readonly chain: ServerMethod;
  /** Decides the status of anything that still escapes the chain (e.g. a `handleException` that throws a plain error). */
  readonly exceptionToStatus: ExceptionToStatusInterceptor;
  /**
   * True when the stage's `toGrpcException` is its own: an error a `@MapErrors` status rule matches then
   * gets its status without an exception object being built (one `Error` construction saved per call).
   */
  readonly statusRulesDirect: boolean;
}

type UnaryResponder = (
  call: ServerUnaryCall<unknown, unknown> | ServerReadableStream<unknown, unknown>,
  callback: sendUnaryData<unknown>,
) => void;
type StreamResponder = (call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>) => void;

/** The grpc-js handler (`(call, callback)` or `(call)`) that runs `plan` for its kind of method. */
export function grpcHandler(plan: MethodPlan): UnaryResponder | StreamResponder {
  const { path, chain } = plan;
  if (!plan.responseStream) {
    return (call, callback) => {
      const context = new CallContext(call, plan);
      const request = plan.requestStream
        ? requestStream(call as ServerReadableStream<unknown, unknown>, context)
        : (call as ServerUnaryCall<unknown, unknown>).request;
      (chain(request, context) as Promise<unknown>).then(
        (response) => {
          if (response === undefined || response === null) {
            fail(plan, context, callback, new TypeError(`${path}: the handler returned no response message`));
            return;
          }
          if (context.cancelled) {
            callback(cancellationStatus(context));
            return;
          }
          callback(null, response, context.trailingMetadata);
          const failure = takeSerializationFailure(response);
          if (failure === SERIALIZED) context.complete(status.OK, "", undefined);
          else serializationFailed(plan, context, failure);
        },
        (error: unknown) => fail(plan, context, callback, error),
      );
    };
  }
  return (call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>) => {
    const context = new CallContext(call, plan);
    const request = plan.requestStream
      ? requestStream(call as ServerDuplexStream<unknown, unknown>, context)
      : (call as ServerWritableStream<unknown, unknown>).request;
    void writeResponses(plan, call, context, chain(request, context) as AsyncIterable<unknown>);
  };
}

function fail(plan: MethodPlan, context: CallContext, callback: sendUnaryData<unknown>, error: unknown): void {
  const failed = errorStatus(plan, context, error);
  callback(context.cancelled ? cancellationStatus(context) : failed);
  context.complete(failed.code, failed.details, error);
}

async function writeResponses(
  plan: MethodPlan,
  call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>,
  context: CallContext,
  responses: AsyncIterable<unknown>,
): Promise<void> {
  try {
    for await (const response of responses) {
      if (call.cancelled) break;
      if (response === undefined || response === null) {
        throw new TypeError(`${plan.path}: the response stream yielded ${String(response)} instead of a message`);
      }
      const flowing = call.write(response);
      const failure = takeSerializationFailure(response);
      if (failure !== SERIALIZED) return serializationFailed(plan, context, failure);
      if (!flowing) await drained(call);
    }
  } catch (error) {
    // On a cancelled call nothing is sent, and complete() records the cancellation instead.
    const failed = call.cancelled ? undefined : errorStatus(plan, context, error);
    if (failed) call.emit("error", context.cancelled ? cancellationStatus(context) : failed);
    context.complete(failed?.code ?? status.CANCELLED, failed?.details ?? "", error);
    return;
  }
  if (context.cancelled) {
    if (!call.cancelled) call.emit("error", cancellationStatus(context));
    return;
  }
  if (!call.cancelled) call.end(context.trailingMetadata);
  context.complete(status.OK, "", undefined);
}

// A call the context counts cancelled (a cancel, or a deadline that passed while grpc-js's own timer, late
// under load, has not fired yet) ends with that status whatever the chain answered: a late client would
// otherwise take an OK the server never meant to be in time.
function cancellationStatus(context: CallContext): Partial<StatusObject> {
  const cancellation = context.cancellationError();
  return { code: cancellation.statusCode, details: cancellation.details };
}

// grpc-js answered INTERNAL "Error serializing response" (e.g. a plain object returned where the
// definition's serializer wants a message class): nothing reached the handler, so report it here.
function serializationFailed(plan: MethodPlan, context: CallContext, error: unknown): void {
  const failure = new Error(`${plan.path}: grpc-js could not serialize the response: ${messageOf(error)}`, {
    cause: error,
  });
  failure.name = "ResponseSerializationFailure";
  plan.exceptionToStatus.reportUnknownException(failure, plan.path, context);
  context.complete(status.INTERNAL, "Error serializing response", failure);
}

// Resolves when the client has taken the buffered responses, or the call ended (then nothing more is sent).
function drained(call: ServerSurfaceCall): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.removeListener("drain", done);
      call.removeListener("cancelled", done);
      resolve();
    };
    call.on("drain", done);
    call.on("cancelled", done);
  });
}

type FailedStatus = Pick<StatusObject, "code" | "details"> & { metadata: StatusObject["metadata"] | undefined };

/** The status object a failed call ends with: never `OK`, never the raw error's message unless mapped. */
function errorStatus(plan: MethodPlan, context: CallContext, error: unknown): FailedStatus {
  if (!(error instanceof GrpcException) && plan.statusRulesDirect) {
    const code = context.errorMapper?.statusRuleFor(error);
    if (code !== undefined) return { code, details: capDetails(messageOf(error)), metadata: context.trailingMetadata };
  }
  const exception = error instanceof GrpcException ? error : exceptionFor(plan, context, error);
  const code = exception.statusCode;
  const details = capDetails(exception.details);
  const metadata = context.errorTrailers(exception);
  if (exception.errorDetails.length === 0) return { code, details, metadata };
  const report = (problem: Error) => plan.exceptionToStatus.reportUnknownException(problem, plan.path, context);
  return { code, details, metadata: addStatusDetails(metadata, code, details, exception.errorDetails, report) };
}

// toGrpcException can be overridden; an override that fails must not leave the call unanswered.
function exceptionFor(plan: MethodPlan, context: CallContext, error: unknown): GrpcException {
  const stage = plan.exceptionToStatus;
  try {
    const exception: unknown = stage.toGrpcException(error, context, plan.path);
    if (exception instanceof GrpcException) return exception;
    throw new TypeError(
      `${stage.constructor.name}.toGrpcException returned ${describe(exception)} instead of a GrpcException (in ${plan.path})`,
    );
  } catch (stageError) {
    stage.reportUnknownException(stageError, plan.path, context);
    return new GrpcException(UNKNOWN_EXCEPTION_DETAILS, {
      statusCode: stage.statusOnUnknownException,
      cause: stageError,
    });
  }
}

/** Status details longer than this many UTF-8 bytes are truncated; see {@link capDetails}. */
const MAX_DETAILS_BYTES = 8192;

/**
 * Truncates details to {@link MAX_DETAILS_BYTES}. Details travel percent-encoded in an HTTP/2 trailer,
 * and trailers past the client's header-list limit (64 KiB in Node) break the connection: a grpc-js
 * client then waits for its deadline instead of seeing the status.
 */
function capDetails(details: string): string {
  if (details.length <= MAX_DETAILS_BYTES / 4 || Buffer.byteLength(details) <= MAX_DETAILS_BYTES) return details;
  const note = ` … [truncated from ${details.length} characters]`;
  let kept = "";
  let bytes = Buffer.byteLength(note);
  for (const character of details) {
    bytes += Buffer.byteLength(character);
    if (bytes > MAX_DETAILS_BYTES) break;
    kept += character;
  }
  return kept + note;
}
