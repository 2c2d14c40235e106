/* eslint-disable @typescript-eslint/no-explicit-any -- requests and responses are user messages of any type */
import {
  Metadata,
  status as Status,
  type InterceptingListener,
  type InterceptorOptions,
  type NextCall,
  type StatusObject,
} from "@grpc/grpc-js";
import type { Attempt, AttemptOwner } from "./Attempt.js";
import type { ClientCallDetails, ClientInterceptFunction, ClientMethod } from "./ClientCallDetails.js";
import { createServiceError } from "./createServiceError.js";
import type { MessageContext, NextInterceptingCall } from "./grpcCallTypes.js";
import { RequestQueue } from "./RequestQueue.js";
import { statusFromError } from "./statusFromError.js";
import { StreamAttempt } from "./StreamAttempt.js";
import { UnaryAttempt } from "./UnaryAttempt.js";
import { writeRequests } from "./writeRequests.js";
import { isPromiseLike } from "../typeGuards.js";
import { measureAttempt } from "./messageBytes.js";

/** Anything with an `intercept` method: a `ClientInterceptor`. */
export interface InterceptTarget {
  intercept: ClientInterceptFunction;
}

const NO_CONTEXT: MessageContext = Object.freeze({});
const MAX_TIMEOUT = 2 ** 31 - 1;

function okStatus(): StatusObject {
  return { code: Status.OK, details: "OK", metadata: new Metadata() };
}

/** An `AsyncIterable` whose iteration throws `error`. */
function failing(error: unknown): AsyncIterableIterator<never> {
  return {
    next: () => Promise.reject(error),
    return: () => Promise.resolve({ done: true, value: undefined }),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * One call through one {@link ClientInterceptor}: what the interceptor's grpc-js `Interceptor` function
 * returns. It stands in for grpc-js's `InterceptingCall` towards the caller (or the interceptor outside
 * it) and runs `intercept` once per call:
 * - unary-request methods: when the request message arrives; streaming requests: at `start`, with a
 *   {@link RequestQueue} of the caller's writes;
 * - each `method(...)` starts a fresh `nextCall(options)` (an {@link Attempt});
 * - unary responses: the outcome is delivered at once (headers, message, status) when `intercept`
 *   settles; streaming responses: the returned iterable is read on the caller's demand (`startRead`),
 *   and the first response headers an attempt receives are forwarded at once;
 * - `cancelWithStatus` and the caller's deadline end the call at once and cancel running attempts.
 */
export class InterceptedCall implements NextInterceptingCall, AttemptOwner {
  private listener: Partial<InterceptingListener> | undefined = undefined;
  private metadata: Metadata | undefined = undefined;
  private requests: RequestQueue | undefined = undefined;
  private started = false;
  private finished = false;
  private finalStatus: StatusObject | undefined = undefined;
  private headersSent = false;
  private active: Attempt | undefined = undefined;
  private moreActive: Attempt[] | undefined = undefined;
  private last: Attempt | undefined = undefined;
  private timer: NodeJS.Timeout | undefined = undefined;
  private responses: Iterator<any> | AsyncIterator<any> | undefined = undefined;
  private wantRead = false;
  private reading = false;
  private readonly method: ClientMethod;

  constructor(
    private readonly interceptor: InterceptTarget,
    private readonly options: InterceptorOptions,
    private readonly nextCall: NextCall,
  ) {
    this.method = (requestOrIterator, callDetails) => this.startAttempt(requestOrIterator, callDetails);
  }

  // --- InterceptingCallInterface, called by the caller or the interceptor outside this one ---

  start(metadata: Metadata, listener?: Partial<InterceptingListener>): void {
    this.metadata = metadata;
    this.listener = listener;
    if (this.options.method_definition.requestStream) {
      this.requests = new RequestQueue();
      this.run(this.requests);
    }
  }

  sendMessageWithContext(context: MessageContext, message: any): void {
    if (this.requests !== undefined) this.requests.push(message, context.callback);
    else {
      if (!this.started && !this.finished) this.run(message);
      context.callback?.();
    }
  }

  sendMessage(message: any): void {
    this.sendMessageWithContext(NO_CONTEXT, message);
  }

  halfClose(): void {
    this.requests?.end();
  }

  startRead(): void {
    if (!this.options.method_definition.responseStream) return;
    this.wantRead = true;
    this.pull();
  }

  cancelWithStatus(code: Status, details: string): void {
    if (this.finished) return;
    this.end({ code, details, metadata: new Metadata() });
  }

  getPeer(): string {
    const attempt = this.active ?? this.last;
    return attempt === undefined ? "unknown" : attempt.call.getPeer();
  }

  getAuthContext(): ReturnType<NextInterceptingCall["getAuthContext"]> {
    const attempt = this.active ?? this.last;
    return attempt === undefined ? null : attempt.call.getAuthContext();
  }

  // --- AttemptOwner ---

  attemptHeaders(_attempt: Attempt, headers: Metadata): void {
    if (this.headersSent || this.finished || !this.options.method_definition.responseStream) return;
    this.headersSent = true;
    this.listener?.onReceiveMetadata?.(headers);
  }

  attemptSettled(attempt: Attempt): void {
    if (this.active === attempt) this.active = this.moreActive?.pop();
    else if (this.moreActive !== undefined) {
      const index = this.moreActive.indexOf(attempt);
      if (index >= 0) this.moreActive.splice(index, 1);
    }
    this.last = attempt;
    // Between attempts (e.g. a retry's backoff) no attempt enforces the deadline: the call does.
    if (attempt.error !== undefined && this.active === undefined && !this.finished) this.armDeadline();
  }

  // --- running the interceptor ---

  private run(requestOrIterator: any): void {
    this.started = true;
    const metadata = this.metadata ?? new Metadata();
    const callDetails: ClientCallDetails = {
      method: this.options.method_definition.path,
      deadline: this.options.deadline,
      metadata,
      credentials: this.options.credentials,
      waitForReady: metadata.getOptions().waitForReady,
      compression: undefined,
    };
    // `run` runs inside the caller's `client.method(...)` call: like grpc-js, never call back from there.
    let result: any;
    try {
      result = this.interceptor.intercept(this.method, requestOrIterator, callDetails);
    } catch (error) {
      process.nextTick(() => this.fail(error));
      return;
    }
    if (this.options.method_definition.responseStream) {
      if (isPromiseLike(result)) {
        result.then(
          (responses) => this.setResponses(responses),
          (error: unknown) => this.fail(error),
        );
      } else process.nextTick(() => this.setResponses(result));
    } else if (isPromiseLike(result)) {
      result.then(
        (response) => this.succeed(response),
        (error: unknown) => this.fail(error),
      );
    } else process.nextTick(() => this.succeed(result));
    // The interceptor is awaiting something before it calls `method`: the call enforces the deadline.
    if (!this.finished && this.active === undefined) this.armDeadline();
  }

  private startAttempt(requestOrIterator: any, callDetails: ClientCallDetails): any {
    const definition = this.options.method_definition;
    if (this.finished) {
      const status = this.finalStatus!;
      const error = createServiceError(
        status.code === Status.OK
          ? { code: Status.CANCELLED, details: "The call has already finished", metadata: new Metadata() }
          : status,
      );
      return definition.responseStream ? failing(error) : Promise.reject(error);
    }
    let call: NextInterceptingCall;
    try {
      call = this.nextCall(this.attemptOptions(callDetails));
      measureAttempt(call, callDetails);
    } catch (error) {
      return definition.responseStream ? failing(error) : Promise.reject(error);
    }
    const attempt = definition.responseStream ? new StreamAttempt(this, call) : new UnaryAttempt(this, call);
    if (this.active === undefined) this.active = attempt;
    else (this.moreActive ??= []).push(attempt);
    call.start(this.attemptMetadata(callDetails), attempt);
    if (definition.requestStream) void writeRequests(call, requestOrIterator, attempt);
    else {
      call.sendMessage(requestOrIterator);
      call.halfClose();
    }
    return attempt instanceof UnaryAttempt ? attempt.promise : attempt;
  }

  private attemptOptions(callDetails: ClientCallDetails): InterceptorOptions {
    const options = this.options;
    if (callDetails.deadline === options.deadline && callDetails.credentials === options.credentials) return options;
    return { ...options, deadline: callDetails.deadline, credentials: callDetails.credentials };
  }

  private attemptMetadata(callDetails: ClientCallDetails): Metadata {
    const metadata = callDetails.metadata;
    const waitForReady = callDetails.waitForReady;
    if (waitForReady === undefined || waitForReady === metadata.getOptions().waitForReady) return metadata;
    const copy = metadata.clone();
    copy.setOptions({ ...metadata.getOptions(), waitForReady });
    return copy;
  }

  // --- delivering the outcome ---

  private succeed(response: any): void {
    const last = this.last;
    const own = last !== undefined && last.status!.code === Status.OK ? last : undefined;
    if (!this.finished) this.deliver(own?.status ?? okStatus(), own, true, response);
  }

  private fail(error: unknown): void {
    const last = this.last;
    const own = last !== undefined && last.error === error && last.status!.code !== Status.OK ? last : undefined;
    if (!this.finished) this.deliver(own?.status ?? statusFromError(error), own, false, undefined);
  }

  // Ends the call with `status`; with the attempt's `own` status, that attempt's headers go first.
  private deliver(status: StatusObject, own: Attempt | undefined, answered: boolean, response: any): void {
    const listener = this.listener;
    this.finish(status);
    if (own?.headers !== undefined && !this.headersSent) {
      this.headersSent = true;
      listener?.onReceiveMetadata?.(own.headers);
    }
    if (answered) listener?.onReceiveMessage?.(response);
    listener?.onReceiveStatus?.(status);
  }

  /** Ends the call now with `status` (cancelled, or past the deadline). */
  private end(status: StatusObject): void {
    const listener = this.listener;
    this.finish(status);
    listener?.onReceiveStatus?.(status);
  }

  private setResponses(responses: any): void {
    if (this.finished) {
      (responses as AsyncIterator<any> | undefined)?.return?.()?.then?.(undefined, () => {});
      return;
    }
    let iterator: Iterator<any> | AsyncIterator<any> | undefined;
    try {
      if (responses !== null && typeof responses === "object") {
        if (typeof responses[Symbol.asyncIterator] === "function") iterator = responses[Symbol.asyncIterator]();
        else if (typeof responses[Symbol.iterator] === "function") iterator = responses[Symbol.iterator]();
      }
    } catch (error) {
      this.fail(error);
      return;
    }
    if (iterator === undefined) {
      this.fail(
        new TypeError(
          `A client interceptor of ${this.options.method_definition.path} must return an AsyncIterable or an ` +
            `Iterable of responses for a streaming-response method, got ${typeof responses}`,
        ),
      );
      return;
    }
    this.responses = iterator;
    this.pull();
  }

  private pull(): void {
    const responses = this.responses;
    if (!this.wantRead || this.reading || this.finished || responses === undefined) return;
    this.wantRead = false;
    this.reading = true;
    let result: IteratorResult<any> | Promise<IteratorResult<any>>;
    try {
      result = responses.next();
    } catch (error) {
      this.reading = false;
      this.fail(error);
      return;
    }
    if (isPromiseLike(result)) {
      result.then(
        (item) => this.onResponse(item),
        (error: unknown) => {
          this.reading = false;
          this.fail(error);
        },
      );
    } else this.onResponse(result);
  }

  private onResponse(item: IteratorResult<any>): void {
    this.reading = false;
    if (this.finished) return;
    if (item.done) {
      this.responses = undefined;
      const last = this.last;
      this.end(last !== undefined && last.status!.code === Status.OK ? last.status! : okStatus());
      return;
    }
    this.listener?.onReceiveMessage?.(item.value);
    if (this.wantRead) this.pull();
  }

  /** Marks the call finished and releases everything still running. */
  private finish(status: StatusObject): void {
    this.finished = true;
    this.finalStatus = status;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const cancelCode = status.code === Status.OK ? Status.CANCELLED : status.code;
    const cancelDetails = status.code === Status.OK ? "The call has already finished" : status.details;
    const active = this.active;
    if (active !== undefined) {
      this.active = undefined;
      active.call.cancelWithStatus(cancelCode, cancelDetails);
      const more = this.moreActive;
      if (more !== undefined) {
        this.moreActive = undefined;
        for (const attempt of more) attempt.call.cancelWithStatus(cancelCode, cancelDetails);
      }
    }
    this.requests?.close(status.code === Status.OK ? undefined : createServiceError(status));
    const responses = this.responses;
    if (responses !== undefined) {
      this.responses = undefined;
      try {
        const closing = responses.return?.();
        if (isPromiseLike(closing)) closing.then(undefined, () => {});
      } catch {
        // The interceptor's iterable failed to close: the call is over anyway.
      }
    }
  }

  private armDeadline(): void {
    const deadline = this.options.deadline;
    if (deadline === undefined || this.timer !== undefined || this.finished) return;
    const delay = (deadline instanceof Date ? deadline.getTime() : deadline) - Date.now();
    if (!(delay <= MAX_TIMEOUT)) return; // Infinity, NaN, or too far away for a timer.
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        if (!this.finished)
          this.end({ code: Status.DEADLINE_EXCEEDED, details: "Deadline exceeded", metadata: new Metadata() });
      },
      Math.max(0, delay),
    );
  }
}
