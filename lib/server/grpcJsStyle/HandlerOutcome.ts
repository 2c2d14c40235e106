import type { Metadata } from "@grpc/grpc-js";
import type { ServerCallContext } from "../ServerCallContext.js";
import { cancellationError, realCallOf, toFailure, type GrpcJsMethodPlan } from "./common.js";

/** Where a shim's handler stands (the first outcome stands): it has not answered yet. */
export const PENDING = 0;
/** `callback(null, value)` or `end()`. */
export const SUCCEEDED = 1;
/** `callback(err)`, `emit("error")`, `destroy(err)`, a throw. */
export const FAILED = 2;
/** The call was cancelled, its deadline passed, or nobody reads the handler's responses any more. */
export const CANCELLED = 3;
/** One of {@link PENDING}, {@link SUCCEEDED}, {@link FAILED}, {@link CANCELLED}. */
export type Outcome = typeof PENDING | typeof SUCCEEDED | typeof FAILED | typeof CANCELLED;

/** What a {@link HandlerOutcome} tells the shim that holds it. */
export interface OutcomeHolder {
  /** The real call ended before the handler answered; `cancelled` is false when it completed without it. */
  handlerOutrun(cancelled: boolean): void;
}

/**
 * The outcome of one grpc-js-style handler, held by its call shim: the first of success, failure and
 * cancellation stands; a later answer is reported as misuse (through the stage's reporter), never thrown.
 * For the unary-response kinds it is also the promise the chain's innermost step returns.
 */
export class HandlerOutcome {
  state: Outcome = PENDING;
  /** The response (on success) or the failure. */
  result: unknown = undefined;
  private source: unknown = undefined;
  private resolve: ((value: unknown) => void) | undefined = undefined;
  private reject: ((error: unknown) => void) | undefined = undefined;
  private relay: (() => void) | undefined = undefined;

  constructor(
    private readonly context: ServerCallContext,
    private readonly plan: GrpcJsMethodPlan,
    private readonly holder: OutcomeHolder,
  ) {}

  /** The outcome as a promise; most handlers answer synchronously, so it is made only when needed. */
  promise(): Promise<unknown> {
    if (this.state === SUCCEEDED) return Promise.resolve(this.result);
    if (this.state === FAILED) return Promise.reject(this.result);
    const promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.watch();
    return promise;
  }

  /** Watches the real call while the handler has not answered (see {@link OutcomeHolder.handlerOutrun}). */
  watch(): void {
    if (this.state !== PENDING || this.relay) return;
    const relay = () => this.callEnded();
    const real = realCallOf(this.context);
    if (real ? this.context.cancelled : this.context.signal.aborted) return this.callEnded();
    if (real) real.on("cancelled", relay);
    else this.context.signal.addEventListener("abort", relay, { once: true });
    this.relay = relay;
  }

  /** The handler's `callback(error, value, trailer)`; returns what it decided, or `PENDING` for nothing. */
  respond(error: unknown, value: unknown, trailer: Metadata | undefined): Outcome {
    if (this.state !== PENDING) {
      if (this.state !== CANCELLED) this.report(misuse(this.plan, "called its callback more than once"));
      return PENDING;
    }
    if (error !== null && error !== undefined) {
      return this.fail(toFailure(error, this.context, trailer), error) ? FAILED : PENDING;
    }
    if (trailer) this.context.setTrailingMetadata(trailer);
    this.succeed(value);
    return SUCCEEDED;
  }

  /** Records success. */
  succeed(value: unknown): void {
    this.state = SUCCEEDED;
    this.result = value;
    this.unwatch();
    this.resolve?.(value);
  }

  /**
   * Records a failure and returns true, unless an outcome was already decided: then a new error is
   * reported, not sent, and it returns false. `source` is what the handler raised, before conversion.
   */
  fail(error: unknown, source: unknown = error): boolean {
    if (this.state !== PENDING) {
      if (this.state !== CANCELLED && error !== this.result && source !== this.source) {
        const late = misuse(this.plan, "raised an error after it had answered");
        late.cause = error;
        this.report(late);
      }
      return false;
    }
    this.state = FAILED;
    this.result = error;
    this.source = source;
    this.unwatch();
    this.reject?.(error);
    return true;
  }

  /** Gives up on the handler without a failure (nobody waits for its answer any more). */
  cancel(): void {
    this.state = CANCELLED;
    this.unwatch();
  }

  /** Hands a misuse of the handler to the exception-to-status stage's reporter. */
  report(error: Error): void {
    this.plan.exceptionToStatus.reportUnknownException(error, this.plan.path, this.context);
  }

  // The real call ended before the handler answered: a cancellation or a passed deadline (or a chain
  // that answered without waiting for this handler, when nothing awaits the promise).
  private callEnded(): void {
    if (this.state !== PENDING) return;
    const cancelled = this.context.cancelled;
    this.cancel();
    this.holder.handlerOutrun(cancelled);
    if (cancelled) this.reject?.(cancellationError(this.context));
  }

  private unwatch(): void {
    const relay = this.relay;
    if (!relay) return;
    this.relay = undefined;
    const real = realCallOf(this.context);
    if (real) real.removeListener("cancelled", relay);
    else this.context.signal.removeEventListener("abort", relay);
  }
}

/** Builds the message of a misuse report, e.g. a second `callback`. */
export function misuse(plan: GrpcJsMethodPlan, what: string): Error {
  const error = new Error(`${plan.path}: the grpc-js-style handler ${what}; the call's first outcome stands`);
  error.name = "GrpcJsHandlerMisuse";
  return error;
}
