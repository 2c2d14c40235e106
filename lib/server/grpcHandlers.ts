import {
  status,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
} from "@grpc/grpc-js";
import { describe } from "../statusCodes.js";
import { isAsyncIterable } from "../typeGuards.js";
import { CallContext, type ContextPlan } from "./CallContext.js";
import { UNKNOWN_EXCEPTION_DETAILS } from "./ExceptionToStatusInterceptor.js";
import { cancellationStatus, failureStatus, type FailedStatus, type FailurePlan } from "./failureStatus.js";
import type { ServerSurfaceCall } from "./ServerCallContext.js";
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
type StreamCall = ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>;
type StreamResponder = (call: StreamCall) => void;

// Every way a call ends goes through here: decide the status, send it (nothing once the call is over),
// then complete the context, which learns from grpc-js what it answered if sending a response failed.

/** The grpc-js handler (`(call, callback)` or `(call)`) that runs `plan` for its kind of method. */
export function grpcHandler(plan: MethodPlan): UnaryResponder | StreamResponder {
  const { chain } = plan;
  if (!plan.responseStream) {
    return (call, callback) => {
      const context = new CallContext(call, plan);
      context.sendStatus = callback;
      const request = plan.requestStream
        ? requestStream(call as ServerReadableStream<unknown, unknown>, context)
        : (call as ServerUnaryCall<unknown, unknown>).request;
      (chain(request, context) as Promise<unknown>).then(
        (response) => respond(plan, context, callback, response),
        (error: unknown) => fail(plan, context, callback, error),
      );
    };
  }
  return (call: StreamCall) => {
    const context = new CallContext(call, plan);
    context.sendStatus = (failed) => void call.emit("error", failed);
    const request = plan.requestStream
      ? requestStream(call as ServerDuplexStream<unknown, unknown>, context)
      : (call as ServerWritableStream<unknown, unknown>).request;
    void writeResponses(plan, call, context, chain(request, context) as AsyncIterable<unknown>);
  };
}

function respond(plan: MethodPlan, context: CallContext, callback: sendUnaryData<unknown>, response: unknown): void {
  if (context.terminated) return; // its status is sent
  if (typeof response !== "object" || response === null || Array.isArray(response) || isAsyncIterable(response)) {
    invalidResponse(plan, context, callback, response, "returned");
    return;
  }
  if (context.cancelled) {
    callback(cancellationStatus(context));
    return;
  }
  callback(null, response, context.trailingMetadata);
  context.complete(status.OK, "", undefined);
}

function fail(plan: MethodPlan, context: CallContext, send: (failed: FailedStatus) => void, error: unknown): void {
  end(context, send, failureStatus(plan, context, error), error);
}

// Sends `failed` (or, on a call the context counts cancelled, its cancellation) and completes the call.
function end(context: CallContext, send: (failed: FailedStatus) => void, failed: FailedStatus, error: unknown): void {
  if (!context.terminated) send(context.cancelled ? cancellationStatus(context) : failed);
  context.complete(failed.code, failed.details, error);
}

// A response that is no message is the server's bug: INTERNAL, reported, and nothing of it sent.
function invalidResponse(
  plan: MethodPlan,
  context: CallContext,
  send: (failed: FailedStatus) => void,
  response: unknown,
  how: "returned" | "yielded",
): void {
  const error = new TypeError(
    `${plan.path}: the handler or an interceptor ${how} ${describe(response)} instead of a response message`,
  );
  plan.exceptionToStatus.reportUnknownException(error, plan.path, context);
  const failed = { code: status.INTERNAL, details: UNKNOWN_EXCEPTION_DETAILS, metadata: context.trailingMetadata };
  end(context, send, failed, error);
}

async function writeResponses(
  plan: MethodPlan,
  call: StreamCall,
  context: CallContext,
  responses: AsyncIterable<unknown>,
): Promise<void> {
  const send = (failed: FailedStatus) => void call.emit("error", failed);
  let raised: unknown;
  try {
    for await (const response of responses) {
      // grpc-js flags a call it failed to send a message of cancelled before the loop goes on.
      if (call.cancelled || context.ended) break;
      if (response === undefined || response === null) {
        invalidResponse(plan, context, send, response, "yielded");
        return;
      }
      if (!call.write(response)) await drained(call);
    }
  } catch (error) {
    if (!context.over) return fail(plan, context, send, error);
    raised = error;
  }
  if (context.over || context.cancelled) {
    // Cancelled, past the deadline, or grpc-js failed a response (complete() then records its status).
    if (context.cancelled && !call.cancelled && !context.terminated) call.emit("error", cancellationStatus(context));
    context.complete(status.CANCELLED, "", raised);
    return;
  }
  call.end(context.trailingMetadata);
  // Messages queued behind the one being written are serialized after this: complete once grpc-js sent
  // the status ("finish"), or ended the call without it (a client cancel, or a message it could not send).
  if (call.writableLength > 1) {
    context.sending = true;
    context.sending = await settled(call);
  }
  context.complete(status.OK, "", undefined);
}

// Resolves when the client has taken the buffered responses, or the call ended (then nothing more is sent).
function drained(call: ServerSurfaceCall): Promise<boolean> {
  return untilEither(call, "drain");
}

// Resolves true once every response and the status were sent, false if the call ended before.
function settled(call: ServerSurfaceCall): Promise<boolean> {
  return untilEither(call, "finish");
}

function untilEither(call: ServerSurfaceCall, event: string): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (happened: boolean) => () => {
      call.removeListener(event, onEvent);
      call.removeListener("cancelled", onEnded);
      resolve(happened);
    };
    const onEvent = done(true);
    const onEnded = done(false);
    call.on(event, onEvent);
    call.on("cancelled", onEnded);
  });
}
