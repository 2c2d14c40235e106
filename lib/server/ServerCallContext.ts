import type { Metadata, status } from "@grpc/grpc-js";
import type { ErrorDetail } from "../errorDetails/ErrorDetail.js";
import { GrpcException } from "../exceptions/GrpcException.js";
import { Cancelled, DeadlineExceeded } from "../exceptions/statusExceptions.js";
import type { ErrorMapper } from "./ErrorMapper.js";

const DEADLINE_SKEW_MS = 20;

/** What every grpc-js server call has, whatever its kind. */
export interface ServerSurfaceCall {
  readonly cancelled: boolean;
  readonly metadata: Metadata;
  getPeer(): string;
  getDeadline(): Date | number;
  sendMetadata(metadata: Metadata): void;
  on(event: string, listener: () => void): unknown;
  once(event: string, listener: () => void): unknown;
  removeListener(event: string, listener: () => void): unknown;
}

/** What a handler and its interceptors know of, and can do to, the call in progress. */
export interface ServerCallContext {
  /** The method path, `"/package.Service/Method"`. */
  readonly methodName: string;
  /** The client's invocation metadata. */
  readonly metadata: Metadata;
  /** The client's address, e.g. `"127.0.0.1:53412"`. */
  readonly peer: string;
  /** The call's deadline, or `undefined` when the client set none. */
  readonly deadline: Date | undefined;
  /**
   * Aborted when the client cancels or the deadline passes (already aborted when first read after that),
   * with `Cancelled` or `DeadlineExceeded` as its reason; never for a call the server completed.
   */
  readonly signal: AbortSignal;
  /** True once the client cancelled or the deadline passed before the server sent the status; then it stays true. */
  readonly cancelled: boolean;
  /** Sends response headers now; at most once, before the first response message. */
  sendInitialMetadata(metadata: Metadata): void;
  /** Sets the trailing metadata sent with the status, on success and on error alike. */
  setTrailingMetadata(metadata: Metadata): void;
  /** Records a status code, used if the call then fails with an error that is not a `GrpcException`. */
  setCode(code: status): void;
  /** Records status details, sent with the code recorded by {@link setCode}. */
  setDetails(details: string): void;
  /** The code recorded by {@link setCode}, if any. */
  readonly code: status | undefined;
  /** The details recorded by {@link setDetails}, if any. */
  readonly details: string | undefined;
  /**
   * Ends the call with this status by throwing a `GrpcException`; `errorDetails` (from
   * `grpc-interceptor/error-details`) are sent with it in the `grpc-status-details-bin` trailer.
   */
  abort(code: status, details?: string, metadata?: Metadata, errorDetails?: readonly ErrorDetail[]): never;
}

// Where a call stands, as the server sees it. Once it leaves RUNNING it never changes again.
const RUNNING = 0;
/** The server decided the call's status (success or error) and sent it. */
const COMPLETED = 1;
/** The client cancelled before the server sent a status. */
const CANCELLED = 2;
/** The deadline passed before the server sent a status. */
const DEADLINE_PASSED = 3;
type CallState = typeof RUNNING | typeof COMPLETED | typeof CANCELLED | typeof DEADLINE_PASSED;

/** The library's {@link ServerCallContext}, built per call over a grpc-js server call. */
export class CallContext implements ServerCallContext {
  code: status | undefined = undefined;
  details: string | undefined = undefined;
  /** Trailing metadata set by {@link setTrailingMetadata}. */
  trailingMetadata: Metadata | undefined = undefined;
  private state: CallState = RUNNING;
  private headersSent = false;
  private controller: AbortController | undefined = undefined;
  private reason: GrpcException | undefined = undefined;
  private onCancelled: (() => void) | undefined = undefined;

  constructor(
    /** The grpc-js call this context wraps. */
    readonly call: ServerSurfaceCall,
    readonly methodName: string,
    /** The method's `@MapErrors` rules, consulted by the exception-to-status stage. */
    readonly errorMapper: ErrorMapper | undefined,
  ) {}

  get metadata(): Metadata {
    return this.call.metadata;
  }

  get peer(): string {
    return this.call.getPeer();
  }

  get deadline(): Date | undefined {
    const deadline = this.call.getDeadline();
    if (deadline instanceof Date) return deadline;
    return Number.isFinite(deadline) ? new Date(deadline) : undefined;
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

  /**
   * The error a cancelled call's pending work sees: `DeadlineExceeded` when the deadline passed, else
   * `Cancelled`. The same object every time, so the signal's reason and every failed read agree.
   */
  cancellationError(): GrpcException {
    if (this.reason) return this.reason;
    const state = this.observe();
    const error =
      state === DEADLINE_PASSED || (state !== CANCELLED && this.deadlinePassed())
        ? new DeadlineExceeded(`Deadline exceeded in ${this.methodName}`)
        : new Cancelled(`Call to ${this.methodName} was cancelled`);
    if (state >= CANCELLED) this.reason = error;
    return error;
  }

  /** True once the server sent the call's status (success or error) before any cancellation. */
  get isCompleted(): boolean {
    return this.state === COMPLETED;
  }

  /**
   * The server is sending the call's status now. A call already cancelled stays cancelled; any other
   * call is completed: it never reads as cancelled, and its signal never aborts.
   */
  settle(): void {
    if (this.observe() !== RUNNING) return;
    this.state = COMPLETED;
    this.unwatchCancellation();
  }

  /** The trailing metadata to send with an error: the context's, merged with the exception's. */
  errorTrailers(error: GrpcException): Metadata | undefined {
    if (!this.trailingMetadata) return error.metadata;
    if (!error.metadata) return this.trailingMetadata;
    const merged = this.trailingMetadata.clone();
    merged.merge(error.metadata);
    return merged;
  }

  // grpc-js flags the call cancelled when the client cancels or the deadline passes, and also once a
  // call ended normally; the server settles before it sends a status, so while RUNNING it is a cancel.
  // A deadline that passed counts at once: grpc-js's timer may not have fired yet, but the client's
  // (never later than the server's) has, so no status the server sends now can reach the client.
  private observe(): CallState {
    if (this.state === RUNNING && (this.call.cancelled || this.pastDeadline())) this.cancelNow();
    return this.state;
  }

  private pastDeadline(): boolean {
    const deadline = this.call.getDeadline();
    return deadline !== Infinity && Number(deadline) <= Date.now();
  }

  private cancelNow(): void {
    this.state = this.deadlinePassed() ? DEADLINE_PASSED : CANCELLED;
    this.unwatchCancellation();
    this.controller?.abort(this.cancellationError());
  }

  // grpc-js's deadline timer and getDeadline() are computed apart; allow for the skew between them.
  private deadlinePassed(): boolean {
    return Number(this.call.getDeadline()) <= Date.now() + DEADLINE_SKEW_MS;
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
