import type { status } from "@grpc/grpc-js";

/** The four kinds of method, by grpc-js's names. */
export type CallKind = "unary" | "clientStream" | "serverStream" | "bidi";

/** How a call ended: what `context.onComplete` listeners receive, once per call. */
export interface CallOutcome {
  /** The status the call ended with: `OK`, or the final (mapped) code. */
  readonly code: status;
  /** The status details as sent to the client (`""` on success). */
  readonly details: string;
  /** What the call failed with, before any mapping, when it failed with an error. */
  readonly error?: unknown;
  /** Milliseconds from the start of the call to its status. */
  readonly durationMs: number;
}

/** A listener of `context.onComplete`. */
export type CompletionListener = (outcome: CallOutcome) => void;

/** The kind of a method with these stream flags. */
export function callKind(requestStream: boolean, responseStream: boolean): CallKind {
  if (requestStream) return responseStream ? "bidi" : "clientStream";
  return responseStream ? "serverStream" : "unary";
}
