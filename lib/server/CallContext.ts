import { status, type Metadata } from "@grpc/grpc-js";
import type { ErrorDetail } from "../errorDetails/ErrorDetail.js";
import { GrpcException } from "../exceptions/GrpcException.js";
import { Cancelled, DeadlineExceeded } from "../exceptions/GrpcException.js";
import { describe } from "../statusCodes.js";
import { CallCompletion } from "./CallCompletion.js";
import type { CallKind, CompletionListener } from "./CallOutcome.js";
import { messageOf, type ErrorMapper } from "./ErrorMapper.js";
import type { ServerCallContext, ServerSurfaceCall } from "./ServerCallContext.js";
import { deadlineDue, effectiveDeadline, pastDeadline, resetByDeadline } from "./callDeadline.js";
import { wireFailure, wireFailureError, wireOf, type WireCall } from "./wire.js";
import type { DeadlineBounds } from "./policyPlan.js";

// Where a call stands, as the server sees it. Once it leaves RUNNING it never changes again.
const RUNNING = 0;
/** The server decided the call's status (success or error) and sent it. */
const COMPLETED = 1;
/** The client cancelled before the server sent a status. */
const CANCELLED = 2;
/** The deadline passed before the server sent a status. */
const DEADLINE_PASSED = 3;
type CallState = typeof RUNNING | typeof COMPLETED | typeof CANCELLED | typeof DEADLINE_PASSED;

/** What a context knows of its method, resolved once at `bootstrap` and shared by its calls. */
export interface ContextPlan {
  /** `"/package.Service/Method"`. */
  readonly path: string;
  readonly kind: CallKind;
  /** The method's error rules, consulted by the exception-to-status stage. */
  readonly errorMapper: ErrorMapper | undefined;
  /** Where a throwing `onComplete` listener is reported. */
  readonly exceptionToStatus:
    { reportUnknownException(error: unknown, methodName: string, context: ServerCallContext): void } | undefined;
  /** A `Deadline` policy's bounds: the call's deadline is the effective one, enforced here. */
  readonly deadline?: DeadlineBounds | undefined;
}

/** The library's {@link ServerCallContext}, built per call over a grpc-js server call. */
export class CallContext extends CallCompletion implements ServerCallContext {
  code: status | undefined = undefined;
  details: string | undefined = undefined;
  /** Trailing metadata set by {@link setTrailingMetadata}. */
  trailingMetadata: Metadata | undefined = undefined;
  private state: CallState = RUNNING;
  private headersSent = false;
  private controller: AbortController | undefined = undefined;
  private reason: GrpcException | undefined = undefined;
  private onCancelled: (() => void) | undefined = undefined;
  /** Set while the status waits behind messages grpc-js has yet to serialize: grpc-js's end is no cancel. */
  sending = false;
  ended = false; // left RUNNING (settled or cancelled): a plain field, read for every streamed message
  /** What the exception-to-status stage was handed, before any mapping: the error `onComplete` reports. */
  raised: { readonly error: unknown } | undefined = undefined;
  /** grpc-js's own call under {@link call}, where it notes a response it could not send (see `wire.ts`). */
  readonly wire: WireCall | undefined;
  private readonly bounded: number | undefined; // a Deadline policy's deadline (else the client's, read when needed)
  private deadlineTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** Set by the handler glue (`callback`, or a stream's `emit("error", …)`): how {@link terminate} sends. */
  sendStatus: ((failed: { code: status; details: string; metadata: Metadata | undefined }) => void) | undefined;
  /** True once {@link terminate} sent the call's status (the handler's later outcome is not sent). */
  terminated = false;

  constructor(
    /** The grpc-js call this context wraps. */
    readonly call: ServerSurfaceCall,
    private readonly plan: ContextPlan,
  ) {
    super();
    this.wire = wireOf(call);
    if (!plan.deadline) return;
    // A Deadline policy's deadline before the client's (which grpc-js enforces) needs a timer.
    const requested = Number(call.getDeadline());
    const deadline = (this.bounded = effectiveDeadline(plan.deadline, requested));
    const expire = () => this.terminate(new DeadlineExceeded("Deadline exceeded"));
    if (deadline < requested) this.deadlineTimer = setTimeout(expire, Math.max(0, deadline - Date.now()));
  }

  /**
   * Ends the call now with `exception`'s status, whatever its handler does (its later outcome is not
   * sent): the signal aborts, pending reads throw, `onComplete` runs. For `Deadline` and shutdowns.
   */
  terminate(exception: GrpcException): void {
    if (this.state !== RUNNING || this.sending || !this.sendStatus) return;
    if (this.call.cancelled) return void this.observe(); // the client's cancel came first
    const { statusCode: code, details } = exception;
    this.state = code === status.DEADLINE_EXCEEDED ? DEADLINE_PASSED : CANCELLED;
    this.reason = exception;
    this.terminated = this.ended = true;
    this.unwatchCancellation();
    this.controller?.abort(exception);
    this.sendStatus({ code, details, metadata: exception.metadata });
    this.end(code, details, undefined);
  }

  get methodName(): string {
    return this.plan.path;
  }

  get kind(): CallKind {
    return this.plan.kind;
  }

  /** The method's error rules, consulted by the exception-to-status stage. */
  get errorMapper(): ErrorMapper | undefined {
    return this.plan.errorMapper;
  }

  get metadata(): Metadata {
    return this.call.metadata;
  }

  get peer(): string {
    return this.call.getPeer();
  }

  private get deadlineAt(): number {
    return this.bounded ?? Number(this.call.getDeadline()); // epoch milliseconds, Infinity for none
  }

  get deadline(): Date | undefined {
    return Number.isFinite(this.deadlineAt) ? new Date(this.deadlineAt) : undefined;
  }

  get cancelled(): boolean {
    return this.observe() >= CANCELLED;
  }

  // Created on first use only: most calls never look at their signal. Read after the call ended, it is
  // already aborted if the call was cancelled, and never aborts if the call completed.
  get signal(): AbortSignal {
    if (!this.controller) {
      const controller = new AbortController();
      this.controller = controller;
      const state = this.observe();
      if (state >= CANCELLED) controller.abort(this.cancellationError());
      else if (state === RUNNING) this.watchCancellation();
    }
    return this.controller.signal;
  }

  sendInitialMetadata(metadata: Metadata): void {
    if (this.headersSent) throw new Error(`${this.methodName}: initial metadata was already sent`);
    this.headersSent = true;
    this.call.sendMetadata(metadata);
  }

  setTrailingMetadata(metadata: Metadata): void {
    this.trailingMetadata = metadata;
  }

  setCode(code: status): void {
    this.code = code;
  }

  setDetails(details: string): void {
    this.details = details;
  }

  abort(code: status, details?: string, metadata?: Metadata, errorDetails?: readonly ErrorDetail[]): never {
    throw new GrpcException(details, { statusCode: code, metadata, errorDetails });
  }

  onComplete(listener: CompletionListener): void {
    if (typeof listener !== "function") {
      throw new TypeError(`${this.methodName}: onComplete expects a function, got ${describe(listener)}`);
    }
    if (this.observe() !== RUNNING) return this.notifyLate(listener);
    this.addListener(listener);
    this.watchCancellation(); // a cancellation completes the call at once, even while the handler runs
  }

  /**
   * The error a cancelled call's pending work sees: `DeadlineExceeded` when the deadline passed, else
   * `Cancelled`. The same object every time, so the signal's reason and every failed read agree.
   */
  cancellationError(): GrpcException {
    if (this.reason) return this.reason;
    const state = this.observe();
    const error =
      state === DEADLINE_PASSED || (state !== CANCELLED && deadlineDue(this.deadlineAt))
        ? new DeadlineExceeded(`Deadline exceeded in ${this.methodName}`)
        : new Cancelled(`Call to ${this.methodName} was cancelled`);
    if (state >= CANCELLED) this.reason = error;
    return error;
  }

  /**
   * The client ended its requests; returns the error a pending read gets instead, if any. A cancelling
   * client (grpc-js's `cancel()`, or its deadline passing) sends the end of its requests just before the
   * reset, and its deadline falls a little before the server's: an end that close to the deadline is
   * taken as the deadline passing.
   */
  requestsEnded(): GrpcException | undefined {
    if (this.state === RUNNING && !this.call.cancelled && deadlineDue(this.deadlineAt)) this.cancelNow();
    return this.cancelled ? this.cancellationError() : undefined;
  }

  /** True once the server sent the call's status (success or error) before any cancellation. */
  get isCompleted(): boolean {
    return this.state === COMPLETED;
  }

  /**
   * True once nothing more may be sent: the call was settled, cancelled (its deadline passing included),
   * or grpc-js failed to send a response. Reads no clock; cheap enough for every streamed message.
   */
  get over(): boolean {
    return this.state !== RUNNING || this.sending || this.call.cancelled || wireFailure(this.wire) !== undefined;
  }

  /**
   * The server has sent the call's status: records it and runs the `onComplete` listeners. A call
   * already cancelled stays cancelled (its listeners ran then); any other call is completed: it never
   * reads as cancelled, and its signal never aborts.
   */
  complete(code: status, details: string, error: unknown): void {
    if (this.observe() === RUNNING) this.settle(code, details, error);
  }

  // The call's status is sent: grpc-js's own when it could not send a response, else the one given.
  private settle(code: status, details: string, error: unknown): void {
    this.state = COMPLETED;
    this.ended = true;
    this.unwatchCancellation();
    const failed = wireFailure(this.wire);
    if (failed) {
      // grpc-js answered the client itself (nothing reached the handler): reported as an unknown exception.
      const failure = wireFailureError(this.methodName, failed);
      this.report(failure);
      this.end(failed.code, failed.details, failure);
    } else this.end(code, details, this.raised ? this.raised.error : error);
  }

  // grpc-js flags the call cancelled when the client cancels or the deadline passes, and also once a
  // call ended normally; the server completes before it sends a status, so while RUNNING it is a cancel.
  // A deadline that passed counts at once: grpc-js's timer may not have fired yet, but the client's
  // (never later than the server's) has, so no status the server sends now can reach the client.
  private observe(): CallState {
    if (this.state === RUNNING && !this.sending && (this.call.cancelled || pastDeadline(this.deadlineAt)))
      this.cancelNow();
    return this.state;
  }

  private cancelNow(): void {
    // The Deadline policy's deadline (before the client's) passed: nobody else sends its status.
    if (this.deadlineTimer !== undefined && !this.call.cancelled && this.sendStatus) {
      return this.terminate(new DeadlineExceeded("Deadline exceeded"));
    }
    // grpc-js ended the call itself because it could not send a response: that is the status sent.
    if (wireFailure(this.wire)) {
      this.settle(status.INTERNAL, "", undefined);
      return;
    }
    const deadline = this.call.cancelled
      ? resetByDeadline(this.deadlineAt, this.startedAt)
      : deadlineDue(this.deadlineAt);
    this.state = deadline ? DEADLINE_PASSED : CANCELLED;
    this.ended = true;
    this.unwatchCancellation();
    this.controller?.abort(this.cancellationError());
    // As the client reports them: grpc-js sends "Deadline exceeded"; a cancelled client sent nothing.
    if (deadline) this.end(status.DEADLINE_EXCEEDED, "Deadline exceeded", undefined);
    else this.end(status.CANCELLED, "Cancelled on client", undefined);
  }

  private end(code: status, details: string, error: unknown): void {
    if (this.deadlineTimer) {
      clearTimeout(this.deadlineTimer);
      this.deadlineTimer = undefined;
    }
    this.recordOutcome(code, details, error);
  }

  protected reportListenerFailure(error: unknown): void {
    const failure = new Error(`${this.methodName}: an onComplete listener failed: ${messageOf(error)}`, {
      cause: error,
    });
    failure.name = "CompletionListenerFailure";
    this.report(failure);
  }

  private report(failure: Error): void {
    const stage = this.plan.exceptionToStatus;
    if (stage) stage.reportUnknownException(failure, this.methodName, this);
    else console.error("grpc-interceptor:", failure);
  }

  private watchCancellation(): void {
    if (this.onCancelled) return;
    this.onCancelled = () => void this.observe();
    this.call.on("cancelled", this.onCancelled);
  }

  private unwatchCancellation(): void {
    if (!this.onCancelled) return;
    this.call.removeListener("cancelled", this.onCancelled);
    this.onCancelled = undefined;
  }
}
