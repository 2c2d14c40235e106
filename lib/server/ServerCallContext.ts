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
  /** Aborted when the client cancels or the deadline passes; never after the call completed normally. */
  readonly signal: AbortSignal;
  /** True once the client cancelled or the deadline passed, while the call had not completed. */
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

/** The library's {@link ServerCallContext}, built per call over a grpc-js server call. */
export class CallContext implements ServerCallContext {
  code: status | undefined = undefined;
  details: string | undefined = undefined;
  /** Trailing metadata set by {@link setTrailingMetadata}. */
  trailingMetadata: Metadata | undefined = undefined;
  private settled = false;
  private headersSent = false;
  private controller: AbortController | undefined = undefined;
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
    return !this.settled && this.call.cancelled;
  }

  // Created on first use only: most calls never look at their signal, and grpc-js fires "cancelled" at
  // the end of every call, so the listener is removed when the call settles.
  get signal(): AbortSignal {
    if (!this.controller) {
      const controller = new AbortController();
      this.controller = controller;
      if (this.cancelled) controller.abort(this.cancellationError());
      else if (!this.settled) {
        this.onCancelled = () => {
          if (!this.settled) controller.abort(this.cancellationError());
        };
        this.call.once("cancelled", this.onCancelled);
      }
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

  /** The error a cancelled call's pending work sees: `DeadlineExceeded` when the deadline passed. */
  cancellationError(): GrpcException {
    // grpc-js's deadline timer and getDeadline() are computed apart; allow for the skew between them.
    const deadline = this.call.getDeadline();
    return Number(deadline) <= Date.now() + DEADLINE_SKEW_MS
      ? new DeadlineExceeded(`Deadline exceeded in ${this.methodName}`)
      : new Cancelled(`Call to ${this.methodName} was cancelled`);
  }

  /** True once the server has finished the call (see {@link settle}). */
  get isSettled(): boolean {
    return this.settled;
  }

  /** Marks the call as finished by the server; after this the signal never aborts. */
  settle(): void {
    this.settled = true;
    if (this.onCancelled) this.call.removeListener("cancelled", this.onCancelled);
  }

  /** The trailing metadata to send with an error: the context's, merged with the exception's. */
  errorTrailers(error: GrpcException): Metadata | undefined {
    if (!this.trailingMetadata) return error.metadata;
    if (!error.metadata) return this.trailingMetadata;
    const merged = this.trailingMetadata.clone();
    merged.merge(error.metadata);
    return merged;
  }
}
