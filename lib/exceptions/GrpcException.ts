import { status, type Metadata } from "@grpc/grpc-js";
import { isErrorCode, statusName } from "../statusCodes.js";

/** Options of {@link GrpcException}'s constructor. */
export interface GrpcExceptionOptions {
  /** Overrides the class's default status code; must be one of the 16 non-OK codes. */
  statusCode?: status;
  /** Sent to the client as trailing metadata with the status. */
  metadata?: Metadata;
  /** The underlying error, kept as `Error.cause` (never sent to the client). */
  cause?: unknown;
}

const inspectCustom = Symbol.for("nodejs.util.inspect.custom");
// Exceptions being inspected right now: a cause chain that loops back is shown once, not forever.
const inspecting = new WeakSet<GrpcException>();

/**
 * An error that ends a gRPC call with a chosen status. Throw it (or one of its 16 subclasses, one per
 * non-OK code) anywhere in a handler or interceptor and the exception-to-status stage sends its
 * `statusCode`, `details` and `metadata` to the client.
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

  /**
   * @param details - status details; the class's default sentence when omitted.
   * @param options - status code override, trailing metadata and cause.
   * @throws RangeError when the status code is `OK` or not a gRPC code.
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
    const text = details ?? type.defaultDetails;
    super(text, "cause" in options ? { cause: options.cause } : undefined);
    this.statusCode = statusCode;
    this.details = text;
    if (options.metadata !== undefined) this.metadata = options.metadata;
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

  /** `util.inspect` output: `toString()`, then the stack frames and the cause (circular causes shown once). */
  [inspectCustom](
    depth: number,
    options: { depth?: number | null },
    inspect: (value: unknown, options: object) => string,
  ): string {
    const stack = this.stack ?? "";
    const frames = stack.includes("\n    at ") ? stack.slice(stack.indexOf("\n    at ")) : "";
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
