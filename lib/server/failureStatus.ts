import type { Metadata, StatusObject } from "@grpc/grpc-js";
import { addStatusDetails, MAX_ERROR_TRAILERS_BYTES } from "../errorDetails/addStatusDetails.js";
import {
  encodedDetailsLength,
  ENTRY_OVERHEAD,
  FIXED_TRAILERS_BYTES,
  trailerSize,
} from "../errorDetails/trailerSize.js";
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
    if (code !== undefined) {
      const metadata = context.trailingMetadata;
      return { code, details: capDetails(messageOf(error), metadata), metadata };
    }
  }
  const exception = error instanceof GrpcException ? error : exceptionFor(plan, context, error);
  const code = exception.statusCode;
  const metadata = errorTrailers(context, exception);
  const details = capDetails(exception.details, metadata);
  if (exception.errorDetails.length === 0) return { code, details, metadata };
  const report = (problem: Error) => plan.exceptionToStatus.reportUnknownException(problem, plan.path, context);
  return { code, details, metadata: addStatusDetails(metadata, code, details, exception.errorDetails, report) };
}

// The trailing metadata to send with an error: the context's, merged with the exception's.
function errorTrailers(context: CallContext, error: GrpcException): Metadata | undefined {
  if (!context.trailingMetadata) return error.metadata;
  if (!error.metadata) return context.trailingMetadata;
  const merged = context.trailingMetadata.clone();
  merged.merge(error.metadata);
  return merged;
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

/**
 * Truncates details so that the trailers, `grpc-message` as it travels (percent-encoded: up to 9
 * characters a UTF-16 unit) and `metadata` included, fit {@link MAX_ERROR_TRAILERS_BYTES}: past it a
 * C-core client (Python, C++) reports RESOURCE_EXHAUSTED instead of the status, and past 64 KiB a
 * grpc-js client loses the connection.
 */
function capDetails(details: string, metadata: Metadata | undefined): string {
  if (details.length <= 512 && metadata === undefined) return details; // 512 × 9 fits
  const budget =
    MAX_ERROR_TRAILERS_BYTES - FIXED_TRAILERS_BYTES - "grpc-message".length - ENTRY_OVERHEAD - trailerSize(metadata);
  if (encodedDetailsLength(details) <= budget) return details;
  const note = ` … [truncated from ${details.length} characters]`;
  let kept = "";
  let size = encodedDetailsLength(note);
  for (const character of details) {
    size += encodedDetailsLength(character);
    if (size > budget) break;
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
