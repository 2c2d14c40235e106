import type { StatusObject } from "@grpc/grpc-js";
import { addStatusDetails } from "../errorDetails/addStatusDetails.js";
import { GrpcException } from "../exceptions/GrpcException.js";
import { describe } from "../statusCodes.js";
import type { CallContext } from "./CallContext.js";
import { messageOf } from "./ErrorMapper.js";
import { UNKNOWN_EXCEPTION_DETAILS, type ExceptionToStatusInterceptor } from "./ExceptionToStatusInterceptor.js";

// Which status a failure gets, for every kind and both handler styles, in this order: a GrpcException's
// own; a @MapErrors (or options.errors) rule's; then the exception-to-status stage's `toGrpcException`
// (which also applies `context.setCode`, and answers the rest as unknown).

/** What {@link failureStatus} needs of a method. */
export interface FailurePlan {
  readonly path: string;
  readonly exceptionToStatus: ExceptionToStatusInterceptor;
  /** True when the stage's `toGrpcException` is its own, so a status rule needs no exception object. */
  readonly statusRulesDirect: boolean;
}

/** The status a failed call is sent. */
export type FailedStatus = Pick<StatusObject, "code" | "details"> & { metadata: StatusObject["metadata"] | undefined };

/** The status object a failed call ends with: never `OK`, never the raw error's message unless mapped. */
export function failureStatus(plan: FailurePlan, context: CallContext, error: unknown): FailedStatus {
  if (!(error instanceof GrpcException) && plan.statusRulesDirect) {
    const code = context.errorMapper?.statusRuleFor(error);
    if (code !== undefined) return { code, details: capDetails(messageOf(error)), metadata: context.trailingMetadata };
  }
  const exception = error instanceof GrpcException ? error : exceptionFor(plan, context, error);
  const code = exception.statusCode;
  const details = capDetails(exception.details);
  const metadata = context.errorTrailers(exception);
  if (exception.errorDetails.length === 0) return { code, details, metadata };
  const report = (problem: Error) => plan.exceptionToStatus.reportUnknownException(problem, plan.path, context);
  return { code, details, metadata: addStatusDetails(metadata, code, details, exception.errorDetails, report) };
}

// toGrpcException can be overridden; an override that fails must not leave the call unanswered.
function exceptionFor(plan: FailurePlan, context: CallContext, error: unknown): GrpcException {
  const stage = plan.exceptionToStatus;
  try {
    const exception: unknown = stage.toGrpcException(error, context, plan.path);
    if (exception instanceof GrpcException) return exception;
    throw new TypeError(
      `${stage.constructor.name}.toGrpcException returned ${describe(exception)} instead of a GrpcException (in ${plan.path})`,
    );
  } catch (stageError) {
    stage.reportUnknownException(stageError, plan.path, context);
    return new GrpcException(UNKNOWN_EXCEPTION_DETAILS, {
      statusCode: stage.statusOnUnknownException,
      cause: stageError,
    });
  }
}

/** Status details longer than this many UTF-8 bytes are truncated; see {@link capDetails}. */
const MAX_DETAILS_BYTES = 8192;

/**
 * Truncates details to {@link MAX_DETAILS_BYTES}. Details travel percent-encoded in an HTTP/2 trailer,
 * and trailers past the client's header-list limit (64 KiB in Node) break the connection: a grpc-js
 * client then waits for its deadline instead of seeing the status.
 */
function capDetails(details: string): string {
  if (details.length <= MAX_DETAILS_BYTES / 4 || Buffer.byteLength(details) <= MAX_DETAILS_BYTES) return details;
  const note = ` … [truncated from ${details.length} characters]`;
  let kept = "";
  let bytes = Buffer.byteLength(note);
  for (const character of details) {
    bytes += Buffer.byteLength(character);
    if (bytes > MAX_DETAILS_BYTES) break;
    kept += character;
  }
  return kept + note;
}

// A call the context counts cancelled (a cancel, or a deadline that passed while grpc-js's own timer, late
// under load, has not fired yet) ends with that status whatever the chain answered: a late client would
// otherwise take an OK the server never meant to be in time.
export function cancellationStatus(context: CallContext): FailedStatus {
  const cancellation = context.cancellationError();
  return { code: cancellation.statusCode, details: cancellation.details, metadata: undefined };
}
