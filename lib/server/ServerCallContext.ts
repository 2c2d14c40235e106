import type { Metadata, status } from "@grpc/grpc-js";
import type { ErrorDetail } from "../errorDetails/ErrorDetail.js";
import type { CallKind, CompletionListener } from "./CallOutcome.js";

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
  /** The kind of method, by grpc-js's names: `"unary"`, `"clientStream"`, `"serverStream"` or `"bidi"`. */
  readonly kind: CallKind;
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
  /**
   * Runs `listener` once, when the call's status is decided (after `@MapErrors` and the exception-to-status
   * stage), whatever the kind and handler style: on success, on every error, and when the client cancels
   * or the deadline passes (then at once, even while the handler still runs). Registered after the call
   * completed, it runs at once. A listener that throws is reported through the exception-to-status
   * stage's `onUnknownException` and changes nothing for the call.
   *
   * @example context.onComplete(({ code, durationMs }) => record(context.methodName, code, durationMs));
   */
  onComplete(listener: CompletionListener): void;
}
