import { status } from "@grpc/grpc-js";
import { GrpcException } from "grpc-interceptor/exceptions";
import type { CaseRun } from "./CaseRun.js";
import { HEADER_KEY, SET_TRAILER_KEY, type Observed } from "./ContractServer.js";
import { errorFor, TRAILER_KEY } from "./errors.js";
import { codeName, describeCase } from "./model.js";
import type { ExpectedStatus } from "./oracle.js";

const SETTLE_LIMIT_MS = 2000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function isPrefix(prefix: string[], of: string[]): boolean {
  return prefix.length <= of.length && prefix.every((item, index) => item === of[index]);
}

function sameValue(reported: unknown, thrown: unknown): boolean {
  if (reported instanceof Error && thrown instanceof Error) {
    return reported.constructor === thrown.constructor && reported.message === thrown.message;
  }
  return reported === thrown;
}

/**
 * Waits until the case's server side is done (grpc-js ended the call, no step still awaiting) and
 * returns every way the case broke the contract; empty when it kept it.
 */
export async function contractViolations(run: CaseRun, observed: Observed): Promise<string[]> {
  const c = run.c;
  const expected = run.expected;
  const violations: string[] = [];

  // 1. What the client saw.
  const matchesStatus = (s: ExpectedStatus) =>
    observed.code === s.code &&
    (s.details === undefined || s.code === status.OK || observed.details === s.details) &&
    JSON.stringify(observed.messages) === JSON.stringify(expected.messages);
  let outcome: "as expected" | "cancelled" | "wrong" = "wrong";
  if (expected.stop === undefined && expected.status && matchesStatus(expected.status)) outcome = "as expected";
  else if (c.client === "cancelAtStart") {
    if (observed.code === status.CANCELLED && observed.messages.length === 0) outcome = "cancelled";
  } else if (c.client === "cancel" && expected.stop) {
    if (observed.code === status.CANCELLED && JSON.stringify(observed.messages) === JSON.stringify(expected.messages)) {
      outcome = "cancelled";
    }
  } else if (c.client === "deadline") {
    // A short deadline may pass before the call gets as far as its stop on a loaded machine, or even
    // before a call without a stop completes: then the client has seen a prefix of the messages.
    if (observed.code === status.DEADLINE_EXCEEDED && isPrefix(observed.messages, expected.messages)) {
      outcome = "cancelled";
    }
  }
  if (outcome === "wrong") {
    const want = expected.stop
      ? `${c.client === "deadline" ? "DEADLINE_EXCEEDED" : "CANCELLED"} after ${JSON.stringify(expected.messages)} (the call stops at a ${expected.stop})`
      : `${codeName(expected.status!.code)}${expected.status!.details !== undefined && expected.status!.code !== status.OK ? ` ${JSON.stringify(expected.status!.details)}` : ""} with ${JSON.stringify(expected.messages)}`;
    violations.push(
      `client saw ${codeName(observed.code)} ${JSON.stringify(observed.details)} with ${JSON.stringify(observed.messages)}; expected ${want}`,
    );
  }
  if (outcome === "as expected") {
    const s = expected.status!;
    const exceptionTrailer = observed.metadata.get(TRAILER_KEY);
    const wantTrailer = s.exceptionTrailer === undefined ? [] : [s.exceptionTrailer];
    if (JSON.stringify(exceptionTrailer) !== JSON.stringify(wantTrailer)) {
      violations.push(
        `trailing metadata ${TRAILER_KEY} is ${JSON.stringify(exceptionTrailer)}, expected ${JSON.stringify(wantTrailer)}`,
      );
    }
    if (c.sendHeaders && observed.headers?.get(HEADER_KEY)[0] !== run.id) {
      violations.push(
        `response headers sent with sendInitialMetadata: ${HEADER_KEY} is ${JSON.stringify(observed.headers?.get(HEADER_KEY))}`,
      );
    }
    if (c.setTrailer && s.exceptionTrailer === undefined) {
      const set = observed.metadata.get(SET_TRAILER_KEY);
      if (JSON.stringify(set) !== JSON.stringify([run.id])) {
        violations.push(
          `trailing metadata set with setTrailingMetadata is ${JSON.stringify(set)}, expected ["${run.id}"]`,
        );
      }
    }
  }

  // 2. The server side finishes: grpc-js ends the call, and no interceptor or handler is left waiting.
  if (run.dispatched) {
    if (!(await run.whenRawCancelled(SETTLE_LIMIT_MS))) violations.push("grpc-js never ended the server call");
    for (let waited = 0; run.pendingCount > 0 && waited < SETTLE_LIMIT_MS; waited += 5) await sleep(5);
    if (run.pendingCount > 0) {
      violations.push(
        `server side still waiting ${SETTLE_LIMIT_MS} ms after the call ended: ${[...run.pending.keys()].join("; ")}`,
      );
    }
  }
  violations.push(...run.problems);

  // (Known once grpc-js has ended the call.) The status a cancelled call's reads and signal report. A client whose deadline passes resets the
  // stream just as a cancelling one does: a server that gets the reset before its own deadline (its
  // clock starts when the headers arrive, later than the client's) can only call it a cancel.
  const deadline = run.context?.deadline?.getTime();
  const resetBeforeDeadline =
    c.client === "deadline" &&
    run.rawCancelledAt !== undefined &&
    deadline !== undefined &&
    run.rawCancelledAt < deadline;
  const cancelCodes =
    c.client !== "deadline"
      ? [status.CANCELLED]
      : resetBeforeDeadline
        ? [status.DEADLINE_EXCEEDED, status.CANCELLED]
        : [status.DEADLINE_EXCEEDED];
  const cancelName = cancelCodes.map(codeName).join(" or ");

  // 3. Reads of a cancelled call's request stream throw Cancelled / DeadlineExceeded.
  if (c.client !== "normal") {
    for (const read of run.readsAfterCancel) {
      const ok =
        "rejected" in read.outcome &&
        read.outcome.rejected instanceof GrpcException &&
        cancelCodes.includes(read.outcome.rejected.statusCode);
      if (!ok) {
        violations.push(
          `${read.label}, started after the call was cancelled, ${"resolved" in read.outcome ? `resolved with ${JSON.stringify(read.outcome.resolved)}` : `rejected with ${String(read.outcome.rejected)}`}; expected a ${cancelName} GrpcException`,
        );
      }
    }
  }

  // 4. context.cancelled and context.signal (read now, after the call, for the first time unless the
  //    case read the signal early): a cancelled call stays cancelled, a completed one never is.
  const context = run.context;
  if (context) {
    let cancelled: boolean | undefined; // undefined: either, as long as cancelled and signal agree
    if (c.client === "normal") cancelled = false;
    else if (c.client === "cancel") cancelled = expected.stop !== undefined;
    // Without a stop, a deadline may pass on the client just as the server completes the call.
    else if (c.client === "deadline") cancelled = expected.stop !== undefined ? true : undefined;
    const signal = context.signal;
    if (cancelled !== undefined && context.cancelled !== cancelled) {
      violations.push(`context.cancelled is ${context.cancelled} after the call, expected ${cancelled}`);
    }
    if (signal.aborted !== (cancelled ?? context.cancelled)) {
      violations.push(
        `context.signal.aborted is ${signal.aborted} after the call, with context.cancelled ${context.cancelled}` +
          (cancelled === undefined ? "" : `; expected ${cancelled}`),
      );
    }
    if (signal.aborted) {
      const reason: unknown = signal.reason;
      if (!(reason instanceof GrpcException) || !cancelCodes.includes(reason.statusCode)) {
        const timing =
          c.client === "deadline" && deadline !== undefined && run.rawCancelledAt !== undefined
            ? ` (grpc-js reported the call cancelled ${run.rawCancelledAt - deadline} ms after the server's deadline)`
            : "";
        violations.push(`context.signal.reason is ${String(reason)}, expected a ${cancelName} GrpcException${timing}`);
      }
    }
  } else if (run.dispatched) {
    violations.push("the call was dispatched but the outermost interceptor never ran");
  }

  // 5. An unknown exception that decides the status is reported on the server.
  const s = expected.status;
  if (outcome === "as expected" && s?.cause === "unknown" && s.error !== undefined && s.error !== "bare") {
    const thrown = errorFor(s.error);
    if (!run.reported.some((reported) => sameValue(reported, thrown))) {
      violations.push(`the unknown exception ${String(thrown)} was not reported through onUnknownException`);
    }
  }
  // 6. A second answer of a grpc-js-style handler is reported; the first outcome stands (checked above).
  if (c.client === "normal" && run.answeredTwice && run.reported.length === 0) {
    violations.push("the handler answered a second time and nothing was reported through onUnknownException");
  }
  return violations;
}

/** A failure message: the case, what the oracle expected, and what broke. */
export function failureReport(run: CaseRun, violations: string[]): string {
  return [
    "the server contract was broken by this case:",
    describeCase(run.c),
    ...violations.map((violation) => `  ✗ ${violation}`),
  ].join("\n");
}
