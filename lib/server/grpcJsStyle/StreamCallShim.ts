import { Duplex, type DuplexOptions } from "node:stream";
import { Metadata, type sendUnaryData } from "@grpc/grpc-js";
import type { ServerCallContext } from "../ServerCallContext.js";
import { cancellationError, CONTEXT, toFailure, type GrpcJsMethodPlan } from "./common.js";
import { CallSurface } from "./CallSurface.js";
import { CANCELLED, FAILED, HandlerOutcome, misuse, PENDING, SUCCEEDED, type OutcomeHolder } from "./HandlerOutcome.js";
import { DONE } from "../../typeGuards.js";

type WriteCallback = (error?: Error | null) => void;

const NONE = Symbol("none");
// Where the responses stand, as their consumer sees them.
const OPEN = 0;
const ENDED = 1;
const RAISED = 2;

/**
 * The `call` a grpc-js-style client-streaming, server-streaming or bidi handler receives: a Node
 * `Duplex` in object mode with grpc-js's call API. Its readable side is fed from the `AsyncIterable` of
 * requests the interceptors passed down; what the handler writes becomes the `AsyncIterable` of
 * responses the interceptors see, which the server's writer pulls (so `write()` returns `false` and
 * `"drain"` follows, as in grpc-js). Every way the handler fails ends the innermost step with an error.
 */
export class StreamCallShim extends CallSurface(Duplex) implements OutcomeHolder {
  /** True once the real call was cancelled (or its deadline passed) before the handler finished. */
  cancelled = false;
  /** The request message of a server-streaming call. */
  readonly request: unknown;
  /** The `callback` of a client-streaming call. */
  readonly callback: sendUnaryData<unknown> | undefined;
  private readonly outcome: HandlerOutcome;
  // The request feed.
  private readonly requests: AsyncIterable<unknown> | Iterable<unknown> | undefined;
  private requestIterator: AsyncIterator<unknown> | Iterator<unknown> | undefined = undefined;
  private pulling = false;
  private feedStopped = false;
  private onStep: ((step: IteratorResult<unknown>) => void) | undefined = undefined;
  private onStepError: ((error: unknown) => void) | undefined = undefined;
  // The responses: at most one written message waits here, its write callback held until it is taken.
  private held: unknown = NONE;
  private heldCallback: WriteCallback | undefined = undefined;
  private takenCallback: WriteCallback | undefined = undefined;
  private waitResolve: ((step: IteratorResult<unknown>) => void) | undefined = undefined;
  private waitReject: ((error: unknown) => void) | undefined = undefined;
  private responses: typeof OPEN | typeof ENDED | typeof RAISED = OPEN;
  private responsesError: unknown = undefined;

  constructor(
    requestOrIterator: unknown,
    context: ServerCallContext,
    private readonly plan: GrpcJsMethodPlan,
    private readonly requestStream: boolean,
    private readonly responseStream: boolean,
  ) {
    // autoDestroy off: a finished call is not a destroyed one (destroy() is the handler's failure path).
    // `readable`/`writable: false` (missing from @types/node) end the side a kind of method does not use.
    // readableHighWaterMark 0: a request is pulled only when the handler reads (no read-ahead past a
    // pause()); a pull pending on the real call while the call ends with an error can lose the status.
    super({
      objectMode: true,
      autoDestroy: false,
      readable: requestStream,
      writable: responseStream,
      readableHighWaterMark: 0,
    } as DuplexOptions);
    this[CONTEXT] = context;
    this.outcome = new HandlerOutcome(context, plan, this);
    if (requestStream) this.requests = requestOrIterator as AsyncIterable<unknown>;
    else this.request = requestOrIterator;
    if (!responseStream) this.callback = (error, value, trailer) => this.respond(error, value, trailer);
  }

  /** Runs a client-streaming handler; the promise settles with its outcome. */
  runUnaryResponse(): Promise<unknown> {
    this.invoke();
    return this.outcome.promise();
  }

  /** Runs a server-streaming or bidi handler; returns the responses it writes. */
  runStreamingResponse(): AsyncIterableIterator<unknown> {
    this.invoke();
    this.outcome.watch();
    return new ShimResponses(this);
  }

  /**
   * Queues a response message. After `end()` or a failure the message is dropped, the misuse reported
   * (through the exception-to-status stage's reporter) and `callback` gets the error; never thrown,
   * because a throw from a timer or an event would crash the server.
   */
  override write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    const outcome = this.outcome.state;
    if (outcome === PENDING) {
      return super.write(chunk, encoding as BufferEncoding, callback as WriteCallback | undefined);
    }
    const done = (typeof encoding === "function" ? encoding : callback) as WriteCallback | undefined;
    let error: unknown;
    if (outcome === CANCELLED) error = cancellationError(this[CONTEXT]);
    else {
      error = misuse(this.plan, outcome === SUCCEEDED ? "wrote a message after end()" : "wrote after failing");
      this.outcome.report(error as Error);
    }
    if (typeof done === "function") process.nextTick(done, error);
    return false;
  }

  /** Ends the responses successfully; `trailer` (grpc-js's `end(metadata)`) is sent with the status. */
  override end(...args: unknown[]): this {
    const done = args.find((arg) => typeof arg === "function") as (() => void) | undefined;
    if (this.outcome.state !== PENDING || !this.responseStream) {
      if (done) process.nextTick(done);
      return this;
    }
    if (args[0] instanceof Metadata) this[CONTEXT].setTrailingMetadata(args[0]);
    this.outcome.succeed(undefined);
    super.end(done);
    return this;
  }

  /** `"error"` fails the call (after any listeners of the handler ran); a throwing listener fails it too. */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === "error") {
      const listened = this.listenerCount("error") > 0;
      if (listened) this.emitSafely(event, args);
      this.fail(toFailure(args[0], this[CONTEXT]), args[0], true);
      return listened;
    }
    return this.emitSafely(event, args);
  }

  /** @internal Starts or resumes the request feed. */
  override _read(): void {
    if (this.pulling || this.feedStopped) return;
    this.pulling = true;
    this.pull();
  }

  /** @internal A written message waits until the consumer takes it: that is the backpressure. */
  override _write(chunk: unknown, _encoding: BufferEncoding, callback: WriteCallback): void {
    const resolve = this.waitResolve;
    if (resolve) {
      this.waitResolve = this.waitReject = undefined;
      this.takenCallback = callback;
      resolve({ done: false, value: chunk });
    } else {
      this.held = chunk;
      this.heldCallback = callback;
    }
  }

  /** @internal All written messages were taken: the responses end (or raise a failure that waited for them). */
  override _final(callback: WriteCallback): void {
    callback();
    if (this.outcome.state === FAILED) {
      this.raise(this.outcome.result);
      this.destroy();
    } else if (this.responses === OPEN) {
      this.responses = ENDED;
      const resolve = this.waitResolve;
      this.waitResolve = this.waitReject = undefined;
      resolve?.(DONE);
    }
  }

  /**
   * Fails the call (grpc-js would hang): `destroy(err)` with `err`; `destroy()` without an error as a
   * handler failure, for nothing could answer the call any more. As with `emit("error")`, messages
   * written before it are still delivered.
   */
  override destroy(error?: Error): this {
    if (this.outcome.state === PENDING && isHandlerFailure(error) && this.responseStream && !this.writableEnded) {
      this.fail(error ? toFailure(error, this[CONTEXT]) : this.destroyedWithoutError(), error, true);
      return this;
    }
    return super.destroy(error);
  }

  /**
   * @internal Leaving a `for await (const request of call)` loop early destroys the stream with a bare
   * `AbortError`: that stops the requests; with responses still to end it fails the call, for nothing
   * could end them any more. Any other destruction fails the call.
   */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.outcome.state === PENDING) {
      if (isHandlerFailure(error)) {
        this.fail(error ? toFailure(error, this[CONTEXT]) : this.destroyedWithoutError(), error, false);
      } else if (this.responseStream) {
        this.fail(new Error(`${this.plan.path}: the handler destroyed the call before ending its responses`));
      } else this.stopFeed();
    }
    callback(null);
  }

  /** @internal The consumer's `next()`. */
  takeResponse(): Promise<IteratorResult<unknown>> {
    const taken = this.takenCallback;
    if (taken) {
      this.takenCallback = undefined;
      taken(); // May write the next buffered message into `held` right away.
    }
    if (this.held !== NONE) {
      const value = this.held;
      this.held = NONE;
      this.takenCallback = this.heldCallback;
      this.heldCallback = undefined;
      return Promise.resolve({ done: false, value });
    }
    if (this.responses === ENDED) return Promise.resolve(DONE);
    if (this.responses === RAISED) {
      this.responses = ENDED;
      return Promise.reject(this.responsesError);
    }
    return new Promise((resolve, reject) => {
      this.waitResolve = resolve;
      this.waitReject = reject;
    });
  }

  /** @internal The consumer's `return()`: nobody reads the handler's responses any more. */
  abandonResponses(): void {
    if (this.outcome.state === PENDING) {
      this.outcome.cancel();
      this.handlerOutrun(false);
    }
    this.responses = ENDED;
    this.held = NONE;
    this.heldCallback = this.takenCallback = undefined;
    if (!this.destroyed) this.destroy();
  }

  private invoke(): void {
    const plan = this.plan;
    try {
      if (this.responseStream) plan.handler.call(plan.servicer, this);
      else plan.handler.call(plan.servicer, this, this.callback);
    } catch (error) {
      this.fail(error);
    }
  }

  /** @internal The real call ended, or nobody reads the responses, before the handler finished. */
  handlerOutrun(cancelled: boolean): void {
    this.stopFeed();
    this.cancelled = true;
    this.emitSafely("cancelled", ["cancelled"]);
    if (!this.destroyed) this.destroy();
    if (cancelled) this.raise(cancellationError(this[CONTEXT]));
  }

  private respond(error: unknown, value: unknown, trailer: Metadata | undefined): void {
    const decided = this.outcome.respond(error, value, trailer);
    if (decided === FAILED) this.failed(this.outcome.result, true);
    else if (decided === SUCCEEDED) {
      this.stopFeed();
      if (!this.destroyed) this.destroy();
    }
  }

  /**
   * Records a failure, unless an outcome was already decided: then it is reported, not sent. With
   * `flush`, messages written before the failure are still delivered (as grpc-js does for `emit("error")`).
   */
  private fail(error: unknown, source: unknown = error, flush = true): void {
    if (this.outcome.fail(error, source)) this.failed(error, flush);
  }

  private failed(error: unknown, flush: boolean): void {
    this.stopFeed();
    if (!this.responseStream) {
      if (!this.destroyed) this.destroy();
    } else if (flush && !this.destroyed && !this.writableEnded) {
      super.end(); // _final raises the failure once the messages written before it were taken.
    } else {
      this.raise(error);
      if (!this.destroyed) this.destroy();
    }
  }

  private destroyedWithoutError(): Error {
    return new Error(`${this.plan.path}: the handler destroyed the call without an error or a response`);
  }

  private raise(error: unknown): void {
    if (this.responses !== OPEN) return;
    this.held = NONE;
    const reject = this.waitReject;
    if (reject) {
      this.waitResolve = this.waitReject = undefined;
      this.responses = ENDED;
      reject(error);
    } else {
      this.responses = RAISED;
      this.responsesError = error;
    }
  }

  private pull(): void {
    let iterator = this.requestIterator;
    if (!iterator) {
      const requests = this.requests as Partial<AsyncIterable<unknown> & Iterable<unknown>>;
      try {
        iterator = requests[Symbol.asyncIterator]?.() ?? requests[Symbol.iterator]!();
      } catch (error) {
        this.feedFailed(error);
        return;
      }
      this.requestIterator = iterator;
      // Made once per call, not per message.
      this.onStep = (step) => this.took(step);
      this.onStepError = (error) => this.feedFailed(error);
    }
    let next: Promise<IteratorResult<unknown>> | IteratorResult<unknown>;
    try {
      next = iterator.next();
    } catch (error) {
      this.feedFailed(error);
      return;
    }
    Promise.resolve(next).then(this.onStep, this.onStepError);
  }

  private took(step: IteratorResult<unknown>): void {
    if (this.feedStopped) return;
    if (step.done) {
      this.feedStopped = true;
      this.requestIterator = undefined;
      this.push(null);
      return;
    }
    if (step.value === null || step.value === undefined) {
      this.feedFailed(new TypeError(`${this.plan.path}: the request stream yielded ${String(step.value)}`));
      return;
    }
    this.pulling = false;
    this.push(step.value); // Node calls _read again when the handler wants more.
  }

  private feedFailed(error: unknown): void {
    if (this.feedStopped) return;
    this.feedStopped = true;
    this.requestIterator = undefined;
    // Handlers commonly answer a stream error from their own "error" listener; emit runs those first.
    if (this.outcome.state === PENDING) this.emit("error", error);
  }

  private stopFeed(): void {
    if (this.feedStopped) return;
    this.feedStopped = true;
    const iterator = this.requestIterator;
    this.requestIterator = undefined;
    if (!iterator?.return) return;
    try {
      Promise.resolve(iterator.return()).then(undefined, ignore);
    } catch {
      // A request source that cannot stop is the source's problem, not the call's.
    }
  }

  private emitSafely(event: string | symbol, args: unknown[]): boolean {
    try {
      return super.emit(event, ...args);
    } catch (error) {
      this.fail(error);
      return true;
    }
  }
}

function ignore(): void {}

// A bare AbortError comes from leaving a `for await` loop early, not from the handler's own destroy().
function isHandlerFailure(error: Error | null | undefined): boolean {
  return error?.name !== "AbortError";
}

/** The responses of a {@link StreamCallShim}, as the innermost step's `AsyncIterable`. */
class ShimResponses implements AsyncIterableIterator<unknown> {
  constructor(private readonly shim: StreamCallShim) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    return this.shim.takeResponse();
  }

  return(value?: unknown): Promise<IteratorResult<unknown>> {
    this.shim.abandonResponses();
    return Promise.resolve({ done: true, value });
  }
}
