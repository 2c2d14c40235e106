import type { Readable } from "node:stream";
import type { CallContext } from "./CallContext.js";
import { DONE } from "../typeGuards.js";

/**
 * The request messages of a client-streaming or bidi call as an `AsyncIterable`. Unlike Node's own
 * iterator of the call, it never destroys the call: not when the loop ends early (that would lose a bidi
 * call's responses) and not on an "error" event (the server sends a stream's error status by emitting
 * one, and a destroyed call never sends its status). A call cancelled mid-read throws `Cancelled` or
 * `DeadlineExceeded` (so does a read that starts after the cancellation); once the server has completed
 * the call, a pending read just ends. (A grpc-js client's `cancel()` sends the end of its requests, then
 * the reset: a server that sees the end first reads it as the end of the requests.)
 */
export function requestStream(call: Readable, context: CallContext): AsyncIterable<unknown> {
  return new RequestStream(call, context);
}

// Read once: a second iteration (after the first, or beside it) would hang or split the messages.
class RequestStream implements AsyncIterable<unknown> {
  private read = false;

  constructor(
    private readonly call: Readable,
    private readonly context: CallContext,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    if (this.read) {
      throw new TypeError(
        `${this.context.methodName}: the request stream can be iterated only once, and it already was; ` +
          "collect the messages into an array if they are needed twice",
      );
    }
    this.read = true;
    return new RequestReader(this.call, this.context);
  }
}

type Waiter = { resolve: (result: IteratorResult<unknown>) => void; reject: (error: unknown) => void };

class RequestReader implements AsyncIterator<unknown> {
  private waiter: Waiter | undefined;
  private finished = false;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly call: Readable,
    private readonly context: CallContext,
  ) {
    call.on("readable", this.onReadable);
    call.on("end", this.onEnd);
    call.on("close", this.onClose);
    call.on("error", this.onError);
    // A reader made after the call was cancelled (e.g. behind an interceptor's await) gets no more events.
    if (call.destroyed) this.onClose();
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.failure) return Promise.reject(this.failure.error);
    if (this.finished) return Promise.resolve(DONE);
    const value: unknown = this.call.read();
    if (value !== null) return Promise.resolve({ done: false, value });
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  return(): Promise<IteratorResult<unknown>> {
    this.finish();
    return Promise.resolve(DONE);
  }

  private readonly onReadable = () => {
    if (!this.waiter) return;
    const value: unknown = this.call.read();
    if (value === null) return;
    const { resolve } = this.waiter;
    this.waiter = undefined;
    resolve({ done: false, value });
  };

  // A client's cancel arrives as the end of the requests, then the cancellation a few ticks later, all
  // from one network event: the end is taken once those ticks ran, so a cancelled read still throws.
  // grpc-js reports that cancellation after the first immediate queued from "end" has run: wait two.
  private readonly onEnd = () => setImmediate(this.afterFirstImmediate);

  private readonly afterFirstImmediate = () => setImmediate(this.afterEnd);

  private readonly afterEnd = () => this.fail(this.context.requestsEnded());

  // A close without "end": grpc-js destroyed the call because it was cancelled, or the call is over.
  private readonly onClose = () => this.fail(this.context.cancelled ? this.context.cancellationError() : undefined);

  private readonly onError = (error: unknown) =>
    this.fail(this.context.cancelled ? this.context.cancellationError() : error);

  /** Ends the iteration with `error`; with none (the server already settled the call), just ends it. */
  private fail(error: unknown): void {
    if (this.finished) return;
    if (error === undefined || this.context.isCompleted) {
      this.finish();
      return;
    }
    this.failure = { error };
    const waiter = this.waiter;
    this.detach();
    waiter?.reject(error);
  }

  private finish(): void {
    if (this.finished) return;
    const waiter = this.waiter;
    this.detach();
    waiter?.resolve(DONE);
  }

  private detach(): void {
    this.finished = true;
    this.waiter = undefined;
    this.call.removeListener("readable", this.onReadable);
    this.call.removeListener("end", this.onEnd);
    this.call.removeListener("close", this.onClose);
    this.call.removeListener("error", this.onError);
  }
}
