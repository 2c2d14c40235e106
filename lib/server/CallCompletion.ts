import { status } from "@grpc/grpc-js";
import { isPromiseLike } from "../typeGuards.js";
import type { CallOutcome, CompletionListener } from "./CallOutcome.js";

/**
 * A call's `onComplete` listeners and its outcome, the base of `CallContext`: each listener runs once,
 * when the outcome is recorded, or at once when it is added later. Unused, it allocates nothing.
 */
export abstract class CallCompletion {
  /** When the call started, `performance.now()` milliseconds. */
  protected readonly startedAt = performance.now();
  // The listeners (one without an array), and the parts of the outcome once decided.
  private listeners: CompletionListener | CompletionListener[] | undefined = undefined;
  private endedAt = 0;
  private endCode: status = status.OK;
  private endDetails = "";
  private endError: unknown = undefined;
  private outcome: CallOutcome | undefined = undefined;

  /** Reports a listener that threw or rejected; the call is not changed by it. */
  protected abstract reportListenerFailure(error: unknown): void;

  /** Adds a listener of a call still running. */
  protected addListener(listener: CompletionListener): void {
    const listeners = this.listeners;
    if (listeners === undefined) this.listeners = listener;
    else if (typeof listeners === "function") this.listeners = [listeners, listener];
    else listeners.push(listener);
  }

  /** Runs a listener added after the outcome was recorded. */
  protected notifyLate(listener: CompletionListener): void {
    this.notifyOne(listener, this.finalOutcome());
  }

  /** Records the call's outcome and runs its listeners. */
  protected recordOutcome(code: status, details: string, error: unknown): void {
    this.endCode = code;
    this.endDetails = details;
    this.endError = error;
    this.endedAt = performance.now();
    const listeners = this.listeners;
    if (listeners === undefined) return;
    this.listeners = undefined;
    const outcome = this.finalOutcome();
    if (typeof listeners === "function") this.notifyOne(listeners, outcome);
    else for (const listener of listeners) this.notifyOne(listener, outcome);
  }

  private finalOutcome(): CallOutcome {
    if (!this.outcome) {
      const durationMs = this.endedAt - this.startedAt;
      this.outcome =
        this.endError === undefined
          ? { code: this.endCode, details: this.endDetails, durationMs }
          : { code: this.endCode, details: this.endDetails, error: this.endError, durationMs };
    }
    return this.outcome;
  }

  // A listener's failure (a throw, or a rejected promise) is reported and changes nothing for the call.
  private notifyOne(listener: CompletionListener, outcome: CallOutcome): void {
    try {
      const result: unknown = listener(outcome);
      if (isPromiseLike(result)) result.then(undefined, (error: unknown) => this.reportListenerFailure(error));
    } catch (error) {
      this.reportListenerFailure(error);
    }
  }
}
