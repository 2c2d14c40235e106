/* eslint-disable @typescript-eslint/no-explicit-any -- requests are user messages of any type */
import type { WriteCallback } from "./grpcCallTypes.js";
import { DONE } from "../typeGuards.js";

/**
 * The messages the caller writes on a client-streaming or bidi call, as the `AsyncIterable` an
 * interceptor receives. A message's write callback runs when the message is taken from the queue, so
 * the caller's stream is held back to the pace of the consumer (one message buffered). It can be
 * iterated once; after `close` (the call finished) or an early `return`, later writes are accepted and
 * dropped, so the caller's stream never stalls.
 */
export class RequestQueue implements AsyncIterableIterator<any> {
  private readonly messages: any[] = [];
  private readonly callbacks: Array<WriteCallback | undefined> = [];
  private waiting: { resolve: (result: IteratorResult<any>) => void; reject: (error: unknown) => void } | undefined;
  private ended = false;
  private detached = false;
  private error: unknown;

  /** A message the caller wrote; `callback` runs once it is consumed (or dropped). */
  push(message: any, callback: WriteCallback | undefined): void {
    if (this.ended || this.detached) {
      callback?.();
      return;
    }
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      callback?.();
      waiting.resolve({ done: false, value: message });
      return;
    }
    this.messages.push(message);
    this.callbacks.push(callback);
  }

  /** The caller half-closed: the iteration ends after the buffered messages. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    const waiting = this.waiting;
    if (waiting && this.messages.length === 0) {
      this.waiting = undefined;
      waiting.resolve(DONE);
    }
  }

  /**
   * The call finished (cancelled, deadline, or the interceptor's outcome is known): a pending or later
   * `next()` rejects with `error`, buffered messages are dropped and their callbacks run.
   */
  close(error: unknown): void {
    if (this.detached) return;
    this.detached = true;
    this.error = error;
    this.release();
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting.reject(error);
    }
  }

  next(): Promise<IteratorResult<any>> {
    if (this.messages.length > 0) {
      this.callbacks.shift()?.();
      return Promise.resolve({ done: false, value: this.messages.shift() });
    }
    if (this.detached) return this.error === undefined ? Promise.resolve(DONE) : Promise.reject(this.error);
    if (this.ended) return Promise.resolve(DONE);
    if (this.waiting) return Promise.reject(new Error("RequestQueue: next() called while a read is pending"));
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  /** The consumer stopped early: later writes are dropped. */
  return(): Promise<IteratorResult<any>> {
    if (!this.detached) {
      this.detached = true;
      this.release();
    }
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private release(): void {
    this.messages.length = 0;
    const callbacks = this.callbacks.splice(0);
    for (const callback of callbacks) callback?.();
  }
}
