import {
  status,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
} from "@grpc/grpc-js";
import { messageOf } from "./ErrorMapper.js";
import { cancellationStatus, failureStatus, type FailurePlan } from "./failureStatus.js";
import { CallContext, type ContextPlan } from "./CallContext.js";
import type { ServerSurfaceCall } from "./ServerCallContext.js";
import { SERIALIZED, takeSerializationFailure } from "./serializationFailures.js";
import type { ServerMethod } from "./ServerInterceptor.js";
import { requestStream } from "./requestStream.js";

/** What a grpc-js handler needs to run one method's composed chain. */
export interface MethodPlan extends Omit<ContextPlan, "exceptionToStatus">, FailurePlan {
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  /** The composed chain, exception-to-status stage included. */
  readonly chain: ServerMethod;
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
  const failed = failureStatus(plan, context, error);
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
    const failed = call.cancelled ? undefined : failureStatus(plan, context, error);
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
