/* eslint-disable @typescript-eslint/no-explicit-any -- responses are user messages of any type */
import { status as Status, type StatusObject } from "@grpc/grpc-js";
import { Attempt, type AttemptOwner } from "./Attempt.js";
import { createServiceError } from "./createServiceError.js";
import type { NextInterceptingCall } from "./grpcCallTypes.js";
import { DONE } from "../typeGuards.js";

/**
 * An attempt of a streaming-response method (server streaming or bidi), consumed as an `AsyncIterator`
 * of responses that throws the attempt's `ServiceError` after the messages received before it. It reads
 * from the network only as fast as it is iterated; `return()` (e.g. `break`) cancels the attempt.
 */
export class StreamAttempt extends Attempt implements AsyncIterableIterator<any> {
  private readonly queue: any[] = [];
  private waiting: { resolve: (result: IteratorResult<any>) => void; reject: (error: unknown) => void } | undefined;
  private reading = false;
  private closed = false;

  constructor(owner: AttemptOwner, call: NextInterceptingCall) {
    super(owner, call);
  }

  onReceiveMessage(message: any): void {
    this.reading = false;
    const waiting = this.waiting;
    if (waiting !== undefined) {
      this.waiting = undefined;
      waiting.resolve({ done: false, value: message });
    } else this.queue.push(message);
  }

  onReceiveStatus(status: StatusObject): void {
    if (this.settled) return;
    this.settle(status, status.code === Status.OK ? undefined : createServiceError(status));
  }

  protected deliver(): void {
    const waiting = this.waiting;
    if (waiting === undefined || this.queue.length > 0) return;
    this.waiting = undefined;
    if (this.error === undefined || this.closed) waiting.resolve(DONE);
    else waiting.reject(this.error);
  }

  next(): Promise<IteratorResult<any>> {
    if (this.queue.length > 0) return Promise.resolve({ done: false, value: this.queue.shift() });
    if (this.closed) return Promise.resolve(DONE);
    if (this.settled) {
      this.closed = true;
      return this.error === undefined ? Promise.resolve(DONE) : Promise.reject(this.error);
    }
    if (this.waiting !== undefined)
      return Promise.reject(new Error("StreamAttempt: next() called while a read is pending"));
    if (!this.reading) {
      this.reading = true;
      this.call.startRead();
    }
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  /** Stops the iteration: cancels the attempt if it is still running. */
  return(): Promise<IteratorResult<any>> {
    this.closed = true;
    this.queue.length = 0;
    if (!this.settled) this.call.cancelWithStatus(Status.CANCELLED, "Cancelled by a client interceptor");
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
