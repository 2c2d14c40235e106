import { EventEmitter } from "node:events";
import type { sendUnaryData } from "@grpc/grpc-js";
import type { ServerCallContext } from "../ServerCallContext.js";
import { CONTEXT, toFailure, type GrpcJsMethodPlan } from "./common.js";
import { CallSurface } from "./CallSurface.js";
import { HandlerOutcome, PENDING, type OutcomeHolder } from "./HandlerOutcome.js";

/**
 * The `call` a grpc-js-style unary handler receives: grpc-js's `ServerUnaryCall` API, fed by what the
 * interceptors passed down (the request they may have changed, their context). Its `callback`, a throw,
 * `emit("error", err)` and `destroy(err)` become the outcome of the chain's innermost step.
 */
export class UnaryCallShim extends CallSurface(EventEmitter) implements OutcomeHolder {
  /** True once the real call was cancelled or its deadline passed while the handler had not answered. */
  cancelled = false;
  /** The `callback` handed to the handler. */
  readonly callback: sendUnaryData<unknown>;
  private readonly outcome: HandlerOutcome;

  constructor(
    /** The request message, as the interceptors passed it. */
    readonly request: unknown,
    context: ServerCallContext,
    private readonly plan: GrpcJsMethodPlan,
  ) {
    super();
    this[CONTEXT] = context;
    this.outcome = new HandlerOutcome(context, plan, this);
    this.callback = (error, value, trailer) => void this.outcome.respond(error, value, trailer);
  }

  /** Runs the handler; the promise settles with its outcome. */
  run(): Promise<unknown> {
    const plan = this.plan;
    try {
      plan.handler.call(plan.servicer, this, this.callback);
    } catch (error) {
      this.outcome.fail(error);
    }
    return this.outcome.promise();
  }

  /** Fails the call with `error` (grpc-js would hang; the shim does not). */
  destroy(error?: unknown): this {
    if (this.outcome.state === PENDING) {
      this.outcome.fail(
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
      this.outcome.fail(toFailure(args[0], this[CONTEXT]), args[0]);
      return listened;
    }
    return this.emitSafely(event, args);
  }

  /** @internal */
  handlerOutrun(): void {
    this.cancelled = true;
    this.emitSafely("cancelled", ["cancelled"]);
  }

  private emitSafely(event: string | symbol, args: unknown[]): boolean {
    try {
      return super.emit(event, ...args);
    } catch (error) {
      this.outcome.fail(error);
      return true;
    }
  }
}
