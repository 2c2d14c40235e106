import { Metadata, status } from "@grpc/grpc-js";
import { ERROR_DETAIL_TYPES } from "../errorDetails/detailTypeNames.js";
import type { ErrorDetail } from "../errorDetails/ErrorDetail.js";
import { loadStatusCodec } from "../errorDetails/loadStatusCodec.js";
import { malformedReporter, type StatusDetailsOptions } from "../errorDetails/reportMalformed.js";
import { describe, isErrorCode, statusName } from "../statusCodes.js";

/** Options of {@link GrpcException}'s constructor. */
export interface GrpcExceptionOptions {
  /** Overrides the class's default status code; must be one of the 16 non-OK codes. */
  statusCode?: status;
  /** Sent to the client as trailing metadata with the status. */
  metadata?: Metadata;
  /** The underlying error, kept as `Error.cause` (never sent to the client). */
  cause?: unknown;
  /**
   * Detail messages from `grpc-interceptor/error-details` (e.g. `BadRequest.fromPartial({ … })`), sent
   * with the status as a `google.rpc.Status` in the `grpc-status-details-bin` trailer.
   */
  errorDetails?: readonly ErrorDetail[];
}

const NO_DETAILS: readonly ErrorDetail[] = Object.freeze([]);

const inspectCustom = Symbol.for("nodejs.util.inspect.custom");
// Exceptions being inspected right now: a cause chain that loops back is shown once, not forever.
const inspecting = new WeakSet<GrpcException>();

/**
 * An error that ends a gRPC call with a chosen status. Throw it (or one of its 16 subclasses, one per
 * non-OK code) anywhere in a handler or interceptor and the exception-to-status stage sends its
 * `statusCode`, `details`, `metadata` and `errorDetails` to the client.
 */
export class GrpcException extends Error {
  /** The status code instances of this class carry unless `options.statusCode` overrides it. */
  static readonly defaultStatusCode: status = status.UNKNOWN;
  /** The details instances of this class carry unless the constructor is given some. */
  static readonly defaultDetails: string = "The call failed.";

  /** The status code the call ends with: never `OK`. */
  readonly statusCode: status;
  /** The status details sent to the client; also the error's `message`. */
  readonly details: string;
  /** Trailing metadata sent with the status, if any. */
  readonly metadata?: Metadata;
  /** The rich error details sent with the status (`[]` when none: then no details trailer is sent). */
  readonly errorDetails: readonly ErrorDetail[];

  /**
   * @param details - status details; the class's default sentence when omitted.
   * @param options - status code override, trailing metadata, cause and error details.
   * @throws RangeError when the status code is `OK` or not a gRPC code.
   * @throws TypeError when `errorDetails` holds something that is not an error detail message.
   */
  constructor(details?: string, options: GrpcExceptionOptions = {}) {
    const type = new.target as typeof GrpcException;
    const statusCode = options.statusCode ?? type.defaultStatusCode;
    if (!isErrorCode(statusCode)) {
      throw new RangeError(
        `${type.name}: statusCode must be one of the 16 non-OK gRPC status codes, got ${String(statusCode)}` +
          (statusCode === status.OK ? " (OK)" : ""),
      );
    }
    const errorDetails = checkedErrorDetails(type.name, options.errorDetails);
    const text = details ?? type.defaultDetails;
    super(text, "cause" in options ? { cause: options.cause } : undefined);
    this.statusCode = statusCode;
    this.details = text;
    if (options.metadata !== undefined) this.metadata = options.metadata;
    this.errorDetails = errorDetails;
  }

  /**
   * The exception that rethrows a failed call's status: grpc-js's `ServiceError` (or any error with an
   * integer `code`, `details` and `metadata`) becomes the subclass for its code (`NotFound` for
   * `NOT_FOUND`, …) with the same details, its trailers as `metadata`, the error details of its
   * `grpc-status-details-bin` trailer as `errorDetails`, and the error as `cause`. Thrown from a handler,
   * it sends the downstream status on. A code that is not one of the 16 error codes becomes `UNKNOWN`.
   * Never throws: a malformed details trailer yields no error details and is reported (see
   * `options.onMalformed`). A `GrpcException` is returned as it is.
   */
  static fromServiceError(serviceError: unknown, options?: StatusDetailsOptions): GrpcException {
    if (serviceError instanceof GrpcException) return serviceError;
    let code: unknown, details: unknown, message: unknown, metadata: unknown;
    try {
      ({ code, details, message, metadata } = serviceError as Record<string, unknown>);
    } catch {
      // An object whose properties throw has no status: it becomes UNKNOWN, with itself as cause.
    }
    const statusCode = isErrorCode(code) ? code : status.UNKNOWN;
    const text = typeof details === "string" ? details : typeof message === "string" ? message : undefined;
    let trailers: Metadata | undefined;
    let errorDetails: readonly ErrorDetail[] = NO_DETAILS;
    if (metadata instanceof Metadata) {
      errorDetails = loadStatusCodec().readStatusDetails(serviceError, malformedReporter(options));
      trailers = applicationTrailers(metadata);
    }
    const type = exceptionClasses.get(statusCode) ?? GrpcException;
    return new type(text, { statusCode, metadata: trailers, errorDetails, cause: serviceError });
  }

  /** The class name, e.g. `"NotFound"`. */
  override get name(): string {
    return this.constructor.name;
  }

  /** The status code's name, e.g. `"NOT_FOUND"`. */
  get statusString(): string {
    return statusName(this.statusCode);
  }

  /** E.g. `NotFound [NOT_FOUND]: Sorry, your thing is missing`. */
  override toString(): string {
    return `${this.name} [${this.statusString}]: ${this.details}`;
  }

  /**
   * `util.inspect` output: `toString()`, then the stack frames, the error details' types and the cause
   * (circular causes shown once).
   */
  [inspectCustom](
    depth: number,
    options: { depth?: number | null },
    inspect: (value: unknown, options: object) => string,
  ): string {
    const stack = this.stack ?? "";
    let frames = stack.includes("\n    at ") ? stack.slice(stack.indexOf("\n    at ")) : "";
    if (this.errorDetails.length > 0) {
      frames += `\n  [errorDetails]: ${this.errorDetails.map((detail) => detail.$type).join(", ")}`;
    }
    if (this.cause === undefined || depth < 0 || inspecting.has(this)) return this.toString() + frames;
    inspecting.add(this);
    try {
      const nested = { ...options, depth: options.depth == null ? options.depth : options.depth - 1 };
      return `${this.toString()}${frames}\n  [cause]: ${inspect(this.cause, nested).replace(/\n/g, "\n  ")}`;
    } finally {
      inspecting.delete(this);
    }
  }
}

// A trailers-only response's metadata also holds the response headers; the "grpc-" keys are gRPC's own
// (the details travel as errorDetails: a fresh trailer is built from them when this is sent on).
const TRANSPORT_KEYS = new Set(["content-type", "date", "server", "te", "user-agent"]);

function applicationTrailers(metadata: Metadata): Metadata {
  const trailers = new Metadata();
  for (const [key, values] of Object.entries(metadata.toJSON())) {
    if (key.startsWith("grpc-") || TRANSPORT_KEYS.has(key)) continue;
    for (const value of values) trailers.add(key, value);
  }
  return trailers;
}

// Fails fast, at the throw site, on a detail the server could not pack; the list is frozen, as a copy.
function checkedErrorDetails(className: string, errorDetails: unknown): readonly ErrorDetail[] {
  if (errorDetails === undefined) return NO_DETAILS;
  if (!Array.isArray(errorDetails)) {
    throw new TypeError(`${className}: options.errorDetails is ${describe(errorDetails)}, expected an array`);
  }
  errorDetails.forEach((detail: unknown, index) => {
    const type = typeof detail === "object" && detail !== null ? (detail as { $type?: unknown }).$type : undefined;
    if (typeof type !== "string" || !ERROR_DETAIL_TYPES.has(type)) {
      throw new TypeError(
        `${className}: options.errorDetails[${index}] is ${describe(detail)}` +
          (typeof type === "string" ? ` of type ${type}` : "") +
          ", expected an error detail message from grpc-interceptor/error-details " +
          "(e.g. BadRequest.fromPartial({ … })) or a google.protobuf.Any (Any.fromPartial({ typeUrl, value }))",
      );
    }
  });
  return errorDetails.length === 0 ? NO_DETAILS : Object.freeze([...(errorDetails as ErrorDetail[])]);
}

// One subclass per non-OK status code. Meanings follow https://grpc.io/docs/guides/status-codes/.

/** `CANCELLED`: the operation was cancelled, typically by the caller. */
export class Cancelled extends GrpcException {
  static override readonly defaultStatusCode: status = status.CANCELLED;
  static override readonly defaultDetails: string = "The operation was cancelled.";
}

/** `UNKNOWN`: an error with no better-fitting code. */
export class Unknown extends GrpcException {
  static override readonly defaultStatusCode: status = status.UNKNOWN;
  static override readonly defaultDetails: string = "Unknown error.";
}

/** `INVALID_ARGUMENT`: the client gave an argument that is wrong whatever the system's state. */
export class InvalidArgument extends GrpcException {
  static override readonly defaultStatusCode: status = status.INVALID_ARGUMENT;
  static override readonly defaultDetails: string = "The client specified an invalid argument.";
}

/** `DEADLINE_EXCEEDED`: the deadline expired before the operation could complete. */
export class DeadlineExceeded extends GrpcException {
  static override readonly defaultStatusCode: status = status.DEADLINE_EXCEEDED;
  static override readonly defaultDetails: string = "The deadline expired before the operation could complete.";
}

/** `NOT_FOUND`: some requested entity was not found. */
export class NotFound extends GrpcException {
  static override readonly defaultStatusCode: status = status.NOT_FOUND;
  static override readonly defaultDetails: string = "The requested entity was not found.";
}

/** `ALREADY_EXISTS`: the entity the client tried to create already exists. */
export class AlreadyExists extends GrpcException {
  static override readonly defaultStatusCode: status = status.ALREADY_EXISTS;
  static override readonly defaultDetails: string = "The entity the client attempted to create already exists.";
}

/** `PERMISSION_DENIED`: the caller may not execute the operation. */
export class PermissionDenied extends GrpcException {
  static override readonly defaultStatusCode: status = status.PERMISSION_DENIED;
  static override readonly defaultDetails: string = "The caller does not have permission to execute the operation.";
}

/** `RESOURCE_EXHAUSTED`: some resource, such as a quota, has been exhausted. */
export class ResourceExhausted extends GrpcException {
  static override readonly defaultStatusCode: status = status.RESOURCE_EXHAUSTED;
  static override readonly defaultDetails: string = "Some resource has been exhausted.";
}

/** `FAILED_PRECONDITION`: the system is not in a state required for the operation. */
export class FailedPrecondition extends GrpcException {
  static override readonly defaultStatusCode: status = status.FAILED_PRECONDITION;
  static override readonly defaultDetails: string = "The system is not in a state required for the operation.";
}

/** `ABORTED`: the operation was aborted, typically by a concurrency conflict. */
export class Aborted extends GrpcException {
  static override readonly defaultStatusCode: status = status.ABORTED;
  static override readonly defaultDetails: string = "The operation was aborted.";
}

/** `OUT_OF_RANGE`: the operation was attempted past the valid range. */
export class OutOfRange extends GrpcException {
  static override readonly defaultStatusCode: status = status.OUT_OF_RANGE;
  static override readonly defaultDetails: string = "The operation was attempted past the valid range.";
}

/** `UNIMPLEMENTED`: the operation is not implemented, supported or enabled. */
export class Unimplemented extends GrpcException {
  static override readonly defaultStatusCode: status = status.UNIMPLEMENTED;
  static override readonly defaultDetails: string = "The operation is not implemented or not supported.";
}

/** `INTERNAL`: an invariant of the underlying system is broken. */
export class Internal extends GrpcException {
  static override readonly defaultStatusCode: status = status.INTERNAL;
  static override readonly defaultDetails: string = "Internal error.";
}

/** `UNAVAILABLE`: the service is currently unavailable; retrying with backoff may help. */
export class Unavailable extends GrpcException {
  static override readonly defaultStatusCode: status = status.UNAVAILABLE;
  static override readonly defaultDetails: string = "The service is currently unavailable.";
}

/** `DATA_LOSS`: unrecoverable data loss or corruption. */
export class DataLoss extends GrpcException {
  static override readonly defaultStatusCode: status = status.DATA_LOSS;
  static override readonly defaultDetails: string = "Unrecoverable data loss or corruption.";
}

/** `UNAUTHENTICATED`: the request lacks valid authentication credentials. */
export class Unauthenticated extends GrpcException {
  static override readonly defaultStatusCode: status = status.UNAUTHENTICATED;
  static override readonly defaultDetails: string = "The request does not have valid authentication credentials.";
}

// The subclass of each non-OK code, for `GrpcException.fromServiceError`.
const exceptionClasses = new Map<status, typeof GrpcException>(
  [
    Cancelled,
    Unknown,
    InvalidArgument,
    DeadlineExceeded,
    NotFound,
    AlreadyExists,
    PermissionDenied,
    ResourceExhausted,
    FailedPrecondition,
    Aborted,
    OutOfRange,
    Unimplemented,
    Internal,
    Unavailable,
    DataLoss,
    Unauthenticated,
  ].map((type) => [type.defaultStatusCode, type]),
);
