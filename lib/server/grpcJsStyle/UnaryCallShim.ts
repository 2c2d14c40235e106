import { EventEmitter } from "node:events";
import type { Metadata, sendUnaryData } from "@grpc/grpc-js";
import type { ServerCallContext } from "../ServerCallContext.js";
import {
  cancellationError,
  CANCELLED,
  CONTEXT,
  FAILED,
  misuse,
  PENDING,
  SUCCEEDED,
  toFailure,
  unwatchCall,
  watchCall,
  type GrpcJsMethodPlan,
  type Outcome,
} from "./common.js";
import { CallSurface } from "./CallSurface.js";

/**
 * The `call` a grpc-js-style unary handler receives: grpc-js's `ServerUnaryCall` API, fed by what the
 * interceptors passed down (the request they may have changed, their context). Its `callback`, a throw,
 * `emit("error", err)` and `destroy(err)` become the outcome of the chain's innermost step.
 */
export class UnaryCallShim extends CallSurface(EventEmitter) {
  /** True once the real call was cancelled or its deadline passed while the handler had not answered. */
  cancelled = false;
  /** The `callback` handed to the handler. */
  readonly callback: sendUnaryData<unknown>;
  private outcome: Outcome = PENDING;
  private result: unknown = undefined;
  private source: unknown = undefined;
  private resolve: ((value: unknown) => void) | undefined = undefined;
  private reject: ((error: unknown) => void) | undefined = undefined;
  private relay: (() => void) | undefined = undefined;

  constructor(
    /** The request message, as the interceptors passed it. */
    readonly request: unknown,
    context: ServerCallContext,
    private readonly plan: GrpcJsMethodPlan,
  ) {
    super();
    this[CONTEXT] = context;
    this.callback = (error, value, trailer) => this.respond(error, value, trailer);
  }

  /** Runs the handler; the promise settles with its outcome. */
  run(): Promise<unknown> {
    const plan = this.plan;
    try {
      plan.handler.call(plan.servicer, this, this.callback);
    } catch (error) {
      this.fail(error);
    }
    // Most handlers answer synchronously or soon; the promise and the watch are made only when needed.
    if (this.outcome === SUCCEEDED) return Promise.resolve(this.result);
    if (this.outcome === FAILED) return Promise.reject(this.result);
    const promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    const relay = () => this.onCallEnd();
    if (watchCall(this[CONTEXT], relay)) this.relay = relay;
    else this.onCallEnd();
    return promise;
  }

  /** Fails the call with `error` (grpc-js would hang; the shim does not). */
  destroy(error?: unknown): this {
    if (this.outcome === PENDING) {
      this.fail(
        error === undefined || error === null
          ? new Error(`${this.plan.path}: the handler destroyed the call without an error or a response`)
          : toFailure(error, this[CONTEXT]),
      );
    }
    return this;
  }

  /** `"error"` fails the call (after any listeners of the handler ran); a throwing listener fails it too. */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === "error") {
      const listened = this.listenerCount("error") > 0;
      if (listened) this.emitSafely(event, args);
      this.fail(toFailure(args[0], this[CONTEXT]), args[0]);
      return listened;
    }
    return this.emitSafely(event, args);
  }

  private emitSafely(event: string | symbol, args: unknown[]): boolean {
    try {
      return super.emit(event, ...args);
    } catch (error) {
      this.fail(error);
      return true;
    }
  }

  private respond(error: unknown, value: unknown, trailer: Metadata | undefined): void {
    if (this.outcome !== PENDING) {
      if (this.outcome !== CANCELLED) this.report(misuse(this.plan, "called its callback more than once"));
      return;
    }
    if (error !== null && error !== undefined) {
      this.fail(toFailure(error, this[CONTEXT], trailer), error);
      return;
    }
    if (trailer) this[CONTEXT].setTrailingMetadata(trailer);
    this.outcome = SUCCEEDED;
    this.result = value;
    this.unwatch();
    this.resolve?.(value);
  }

  /** Records a failure, unless an outcome was already decided: then it is reported, not sent. */
  private fail(error: unknown, source: unknown = error): void {
    if (this.outcome !== PENDING) {
      if (this.outcome !== CANCELLED && error !== this.result && source !== this.source) {
        const late = misuse(this.plan, "raised an error after it had answered");
        late.cause = error;
        this.report(late);
      }
      return;
    }
    this.outcome = FAILED;
    this.result = error;
    this.source = source;
    this.unwatch();
    this.reject?.(error);
  }

  // The real call ended while the handler had not answered: a cancellation or a passed deadline (or a
  // chain that already answered without waiting for this handler, when nothing awaits the promise).
  private onCallEnd(): void {
    if (this.outcome !== PENDING) return;
    const context = this[CONTEXT];
    const cancelled = context.cancelled;
    this.outcome = CANCELLED;
    this.unwatch();
    this.cancelled = true;
    this.emitSafely("cancelled", ["cancelled"]);
    if (cancelled) this.reject?.(cancellationError(context));
  }

  private unwatch(): void {
    if (this.relay) {
      unwatchCall(this[CONTEXT], this.relay);
      this.relay = undefined;
    }
  }

  private report(error: Error): void {
    this.plan.exceptionToStatus.reportUnknownException(error, this.plan.path, this[CONTEXT]);
  }
}
