/* eslint-disable @typescript-eslint/no-explicit-any -- responses are user messages of any type */
import {
  status as Status,
  type InterceptingListener,
  type Metadata,
  type ServiceError,
  type StatusObject,
} from "@grpc/grpc-js";
import type { NextInterceptingCall } from "./grpcCallTypes.js";
import { statusFromError } from "./statusFromError.js";

/** What an {@link Attempt} reports to the intercepted call that started it. */
export interface AttemptOwner {
  /** The attempt received the server's response headers. */
  attemptHeaders(attempt: Attempt, headers: Metadata): void;
  /** The attempt finished: `attempt.status` is set, and `attempt.error` too unless it is `OK`. */
  attemptSettled(attempt: Attempt): void;
}

/**
 * One call an interceptor started with `method(...)`: the listener of the next call in the chain,
 * recording the response headers and the final status.
 */
export abstract class Attempt implements InterceptingListener {
  /** The response headers, once received. */
  headers: Metadata | undefined = undefined;
  /** The final status, once the attempt has finished. */
  status: StatusObject | undefined = undefined;
  /** The error the attempt failed with (for `status`, or the request source's), once it has failed. */
  error: unknown = undefined;
  /** Whether the attempt has finished. */
  settled = false;
  /** Wakes the request writer when the attempt settles while it waits for a write callback. */
  onSettle: (() => void) | undefined = undefined;

  constructor(
    protected readonly owner: AttemptOwner,
    /** The next call in the chain, which this attempt listens to. */
    readonly call: NextInterceptingCall,
  ) {}

  onReceiveMetadata(headers: Metadata): void {
    this.headers = headers;
    this.owner.attemptHeaders(this, headers);
  }

  abstract onReceiveMessage(message: any): void;
  abstract onReceiveStatus(status: StatusObject): void;

  /**
   * Fails the attempt with `error` (its request source threw): it settles with `error` (and the status
   * {@link statusFromError} gives it), and the underlying call is cancelled.
   */
  abort(error: unknown): void {
    if (this.settled) return;
    this.settle(statusFromError(error), error);
    this.call.cancelWithStatus(Status.CANCELLED, "The request stream failed");
  }

  /** Records the outcome, reports it and wakes waiters; subclasses deliver it to their consumer. */
  protected settle(status: StatusObject, error: ServiceError | unknown): void {
    this.settled = true;
    this.status = status;
    this.error = error;
    this.owner.attemptSettled(this);
    const onSettle = this.onSettle;
    if (onSettle !== undefined) {
      this.onSettle = undefined;
      onSettle();
    }
    this.deliver();
  }

  /** Hands the settled outcome to whoever consumes the attempt. */
  protected abstract deliver(): void;
}
