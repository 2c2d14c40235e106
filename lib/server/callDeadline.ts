import type { ServerSurfaceCall } from "./ServerCallContext.js";

// When a call's deadline counts as passed, as the server sees it.

/** grpc-js's deadline timer and `getDeadline()` are computed apart: the skew allowed between them. */
const DEADLINE_SKEW_MS = 20;

/** The deadline is past: no status the server sends now can reach the client in time. */
export function pastDeadline(call: ServerSurfaceCall): boolean {
  const deadline = call.getDeadline();
  return deadline !== Infinity && Number(deadline) <= Date.now();
}

/** The deadline is past, or due within the skew between grpc-js's timer and `getDeadline()`. */
export function deadlineDue(call: ServerSurfaceCall): boolean {
  return Number(call.getDeadline()) <= Date.now() + DEADLINE_SKEW_MS;
}

/**
 * A reset from the client (`call.cancelled`) is its deadline passing. The client's deadline falls before
 * the server's by the time the server took to read the headers, tens of milliseconds on a busy server: a
 * reset in the last quarter of the call's time (at least the skew) counts, as the client reports it.
 * @param startedAt - when the call started, `performance.now()` milliseconds.
 */
export function resetByDeadline(call: ServerSurfaceCall, startedAt: number): boolean {
  const deadline = Number(call.getDeadline());
  if (deadline === Infinity) return false;
  const started = performance.timeOrigin + startedAt;
  return deadline <= Date.now() + Math.max(DEADLINE_SKEW_MS, (deadline - started) / 4);
}
