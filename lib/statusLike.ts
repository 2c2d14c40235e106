import { Metadata, type status } from "@grpc/grpc-js";
import { isErrorCode } from "./statusCodes.js";

/** The status an object carries, as grpc-js reads a `ServiceError` or a status passed to `callback`. */
export interface StatusLike {
  readonly code: status;
  /** `details` when it is a string. */
  readonly details: string | undefined;
  /** `message` when it is a string. */
  readonly message: string | undefined;
  /** `metadata` when it is a `Metadata`. */
  readonly metadata: Metadata | undefined;
}

/**
 * The status of `value` when it is status-like: an object with an integer non-OK `code`; `undefined`
 * otherwise, and for an object whose properties throw. Shared by the server (a grpc-js-style handler's
 * error) and the client (an interceptor's error), so both recognise the same objects.
 */
export function statusLike(value: unknown): StatusLike | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  try {
    const { code, details, message, metadata } = value as Record<string, unknown>;
    if (!isErrorCode(code)) return undefined;
    return {
      code,
      details: typeof details === "string" ? details : undefined,
      message: typeof message === "string" ? message : undefined,
      metadata: metadata instanceof Metadata ? metadata : undefined,
    };
  } catch {
    return undefined; // An object whose properties throw is no status.
  }
}
