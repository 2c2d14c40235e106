import type { ServerCallContext } from "grpc-interceptor";
import type { Case, Delay } from "./model.js";
import { expectedOutcome, type Expected } from "./oracle.js";

/** How a request-stream read that started after the call was cancelled ended. */
export interface ReadAfterCancel {
  label: string;
  outcome: { resolved: IteratorResult<unknown> } | { rejected: unknown };
}

/** The grpc-js server call, as far as the test watches it. */
interface RawCall {
  readonly cancelled: boolean;
  once(event: "cancelled", listener: () => void): unknown;
}

const PAUSE_LIMIT_MS = 3000;

/**
 * One case in flight: what the oracle expects, and what its server side did. The steps (interceptors,
 * handlers) await through {@link track}, so a step still waiting after the call ended can be named.
 */
export class CaseRun {
  readonly expected: Expected;
  /** Awaits in progress, by label. */
  readonly pending = new Map<string, number>();
  /** Errors the exception-to-status stage reported through `onUnknownException`. */
  readonly reported: unknown[] = [];
  /** Things the server side noticed that the contract rules out. */
  readonly problems: string[] = [];
  readonly readsAfterCancel: ReadAfterCancel[] = [];
  /** The call's context, as the outermost interceptor saw it. */
  context: ServerCallContext | undefined;
  /** Whether a read returned `done` before the call was cancelled. */
  private requestsEnded = false;
  /** Whether a grpc-js-style handler answered a second time (after a first answer). */
  answeredTwice = false;
  /** Whether the server dispatched the call to this case. */
  dispatched = false;
  /** Whether grpc-js's call emitted `"cancelled"` (a cancel, a passed deadline, or, since 1.10, any end). */
  rawCancelled = false;
  /** When grpc-js's call emitted `"cancelled"` (epoch ms). */
  rawCancelledAt: number | undefined;
  private readonly rawCancelledListeners: Array<() => void> = [];
  private pauseWasReached = false;
  private readonly pauseListeners: Array<() => void> = [];

  constructor(
    readonly id: string,
    readonly c: Case,
  ) {
    this.expected = expectedOutcome(c);
  }

  /** Called by the dispatcher with the grpc-js call, before the chain runs. */
  attach(call: RawCall): void {
    this.dispatched = true;
    if (call.cancelled) this.markCancelled();
    else call.once("cancelled", () => this.markCancelled());
  }

  private markCancelled(): void {
    this.rawCancelled = true;
    this.rawCancelledAt = Date.now();
    for (const listener of this.rawCancelledListeners.splice(0)) listener();
  }

  /** Resolves once grpc-js's call emitted `"cancelled"` (or after `ms`, returning false). */
  whenRawCancelled(ms: number): Promise<boolean> {
    if (this.rawCancelled) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.rawCancelledListeners.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Whether a step reached a pause point. */
  get pauseReached(): boolean {
    return this.pauseWasReached;
  }

  /** Calls `listener` when a step reaches a pause point. */
  onPause(listener: () => void): void {
    this.pauseListeners.push(listener);
  }

  /** Awaits `promise`, counted as pending under `label` until it settles. */
  async track<T>(promise: PromiseLike<T>, label: string): Promise<T> {
    this.pending.set(label, (this.pending.get(label) ?? 0) + 1);
    try {
      return await promise;
    } finally {
      const left = this.pending.get(label)! - 1;
      if (left === 0) this.pending.delete(label);
      else this.pending.set(label, left);
    }
  }

  /**
   * One read of a request stream. One started after the call was cancelled is recorded, unless the
   * requests had already ended before (then `done` again is just the iterator protocol).
   */
  async read<T>(iterator: AsyncIterator<T>, label: string): Promise<IteratorResult<T>> {
    const afterCancel = this.rawCancelled && !this.requestsEnded;
    try {
      const result = await this.track(iterator.next(), label);
      if (result.done && this.c.withhold) {
        this.problems.push(
          `${label}: the request stream ended (done) although the client never half-closed` +
            (this.rawCancelled ? " (it cancelled)" : ""),
        );
      }
      if (result.done && !this.rawCancelled) this.requestsEnded = true;
      if (afterCancel) this.readsAfterCancel.push({ label, outcome: { resolved: result } });
      return result;
    } catch (error) {
      if (afterCancel) this.readsAfterCancel.push({ label, outcome: { rejected: error } });
      throw error;
    }
  }

  /** Gives way as `delay` says. */
  delay(delay: Delay): Promise<void> {
    switch (delay) {
      case "none":
        return Promise.resolve();
      case "microtask":
        return this.track(Promise.resolve(), "microtask");
      case "immediate":
        return this.track(new Promise<void>((resolve) => setImmediate(resolve)), "setImmediate");
      case "timer":
        return this.track(new Promise<void>((resolve) => setTimeout(resolve, 1)), "timer");
    }
  }

  /**
   * A pause point: tells the client (which cancels, or lets its deadline pass) and waits until grpc-js
   * reports the call cancelled; then the step carries on as if nothing happened.
   */
  async pause(label: string): Promise<void> {
    if (!this.pauseWasReached) {
      this.pauseWasReached = true;
      for (const listener of this.pauseListeners.splice(0)) listener();
    }
    const released = await this.track(this.whenRawCancelled(PAUSE_LIMIT_MS), `${label} (paused)`);
    if (!released) this.problems.push(`${label}: paused, and grpc-js never reported the call cancelled or ended`);
  }

  /** Number of awaits in progress. */
  get pendingCount(): number {
    let count = 0;
    for (const n of this.pending.values()) count += n;
    return count;
  }
}
