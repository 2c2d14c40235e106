import { AsyncLocalStorage } from "node:async_hooks";
import type { ServerCallContext } from "../server/ServerCallContext.js";

/** Called when the server call of a scope is cancelled or passes its deadline, with the reason. */
export type CancelListener = (reason: unknown) => void;

/**
 * What {@link CallScope} stores in its `AsyncLocalStorage` for one server call. Every async resource
 * created inside the call (timers, sockets of a pooled connection opened by its first outgoing call…)
 * keeps a reference to its frame for as long as it lives, so the frame drops the call's context when the
 * call ends: what outlives the call retains this small object, never the context.
 */
export class ScopeFrame {
  private call: ServerCallContext | undefined;
  private listeners: Set<CancelListener> | undefined = undefined;
  private signal: AbortSignal | undefined = undefined;

  constructor(
    context: ServerCallContext,
    /** The innermost scope still in progress when this one was entered, if any. */
    readonly parent: ScopeFrame | undefined,
  ) {
    this.call = context;
  }

  /** The call's context while the call is in progress; `undefined` once it has ended. */
  get context(): ServerCallContext | undefined {
    return this.call;
  }

  /**
   * Runs `listener` once if the call is cancelled or passes its deadline before it ends (at once if that
   * already happened). One listener on the call's signal serves all of them, so a handler may start any
   * number of calls without piling listeners on the signal. Returns the function that unregisters it.
   */
  onCancel(listener: CancelListener): () => void {
    const context = this.call;
    if (context === undefined) return noop;
    const signal = (this.signal ??= context.signal);
    if (signal.aborted) {
      listener(signal.reason);
      return noop;
    }
    if (this.listeners === undefined) {
      this.listeners = new Set();
      signal.addEventListener("abort", this.onAbort, { once: true });
    }
    const listeners = this.listeners;
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /** The call has ended: forget its context and the listeners of calls it started. */
  end(): void {
    this.call = undefined;
    if (this.listeners !== undefined) {
      this.signal?.removeEventListener("abort", this.onAbort);
      this.listeners = undefined;
    }
    this.signal = undefined;
  }

  private readonly onAbort = (): void => {
    const listeners = this.listeners;
    const reason: unknown = this.signal?.reason;
    this.listeners = undefined;
    if (listeners !== undefined) for (const listener of listeners) listener(reason);
  };
}

function noop(): void {}

// Created by the first CallScope that runs a call: until then no AsyncLocalStorage exists, so a process
// that never uses CallScope never turns on async context tracking.
let storage: AsyncLocalStorage<ScopeFrame> | undefined;

/** The storage of the scopes, created on first use. */
export function scopeStorage(): AsyncLocalStorage<ScopeFrame> {
  return (storage ??= new AsyncLocalStorage<ScopeFrame>());
}

/** The innermost scope whose call is still in progress in the current async flow, if any. */
export function activeFrame(): ScopeFrame | undefined {
  let frame = storage?.getStore();
  while (frame !== undefined && frame.context === undefined) frame = frame.parent;
  return frame;
}
