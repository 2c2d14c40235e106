import type { DeadlineBounds } from "./policyPlan.js";

// When a call's deadline counts as passed, as the server sees it. `deadline` is the call's effective
// deadline in epoch milliseconds (`Infinity` for none): the client's, or a Deadline policy's.

/** grpc-js's deadline timer and `getDeadline()` are computed apart: the skew allowed between them. */
const DEADLINE_SKEW_MS = 20;

/** The deadline is past: no status the server sends now can reach the client in time. */
export function pastDeadline(deadline: number): boolean {
  return deadline !== Infinity && deadline <= Date.now();
}

/** The deadline is past, or due within the skew between grpc-js's timer and `getDeadline()`. */
export function deadlineDue(deadline: number): boolean {
  return deadline <= Date.now() + DEADLINE_SKEW_MS;
}

/**
 * A reset from the client (`call.cancelled`) is its deadline passing. The client's deadline falls before
 * the server's by the time the server took to read the headers, tens of milliseconds on a busy server: a
 * reset in the last quarter of the call's time (at least the skew) counts, as the client reports it.
 * @param startedAt - when the call started, `performance.now()` milliseconds.
 */
export function resetByDeadline(deadline: number, startedAt: number): boolean {
  if (deadline === Infinity) return false;
  const started = performance.timeOrigin + startedAt;
  return deadline <= Date.now() + Math.max(DEADLINE_SKEW_MS, (deadline - started) / 4);
}

/**
 * A call's deadline under a `Deadline` policy: `defaultMs` from now when the client sent none, never
 * later than `maxMs` from now. `requested` is the client's (epoch milliseconds, `Infinity` for none).
 */
export function effectiveDeadline({ defaultMs, maxMs }: DeadlineBounds, requested: number): number {
  const now = Date.now();
  const deadline = requested === Infinity && defaultMs !== undefined ? now + defaultMs : requested;
  return maxMs === undefined ? deadline : Math.min(deadline, now + maxMs);
}
