/* eslint-disable @typescript-eslint/no-explicit-any -- requests are user messages of any type */
import { inspect } from "node:util";
import { status } from "@grpc/grpc-js";
import { GrpcException } from "../exceptions/GrpcException.js";
import { withoutStackTrace } from "../exceptions/withoutStackTrace.js";
import { isErrorCode, statusName } from "../statusCodes.js";
import { CallContext } from "./CallContext.js";
import type { ServerCallContext } from "./ServerCallContext.js";
import { ServerInterceptor, type ServerMethod } from "./ServerInterceptor.js";
import { isAsyncIterable, isPromiseLike } from "../typeGuards.js";
import { guardStream } from "./responseStreams.js";

/** Receives every error that ends a call as an unknown exception, with its stack, on the server side. */
export type UnknownExceptionReporter = (error: unknown, methodName: string, context: ServerCallContext) => void;

/** Options of {@link ExceptionToStatusInterceptor}. */
export interface ExceptionToStatusOptions {
  /** The status for errors that are neither `GrpcException`s nor mapped; default `UNKNOWN`. Never `OK`. */
  statusOnUnknownException?: status;
  /**
   * The details sent for such errors. The default is a fixed sentence that reveals nothing of the error;
   * `(e) => String(e)` gives the Python package's behaviour (`"Error: oops"`).
   */
  detailsOnUnknownException?: (error: unknown) => string;
  /** Where unknown exceptions are reported; default: `console.error` with the stack. */
  onUnknownException?: UnknownExceptionReporter;
}

/** The details sent for an unknown exception by default: nothing of the error leaks to the client. */
export const UNKNOWN_EXCEPTION_DETAILS = "Internal server error";

const reportToConsole: UnknownExceptionReporter = (error, methodName) => {
  console.error(`grpc-interceptor: unknown exception in ${methodName}:`, inspect(error));
};

/**
 * The exception-to-status stage: turns whatever a call throws into its status. In this order:
 * 1. a `GrpcException` (including one thrown by `context.abort`): its code, details and metadata;
 * 2. an error a `@MapErrors` rule of the method matches: the rule's status;
 * 3. a code set with `context.setCode`: that code and the context's details;
 * 4. otherwise `statusOnUnknownException` with `detailsOnUnknownException(error)`, after reporting the error.
 *
 * `bootstrap` puts one outside every method's chain. Extend it and override {@link handleException} to
 * treat some errors differently. (Unless `intercept` or `handleException` is overridden, it is not a step
 * of the chain: the grpc-js handler passes whatever escapes the chain to {@link toGrpcException}, with
 * the same result and one promise fewer per call.)
 */
export class ExceptionToStatusInterceptor extends ServerInterceptor {
  /** The status sent for unknown exceptions. */
  readonly statusOnUnknownException: status;
  private readonly detailsOnUnknownException: (error: unknown) => string;
  private readonly onUnknownException: UnknownExceptionReporter;

  /** @throws RangeError when `statusOnUnknownException` is `OK` or not a gRPC status code. */
  constructor(options: ExceptionToStatusOptions = {}) {
    super();
    const code = options.statusOnUnknownException ?? status.UNKNOWN;
    if (!isErrorCode(code)) {
      throw new RangeError(
        `ExceptionToStatusInterceptor: statusOnUnknownException must be a non-OK gRPC status code, got ${String(code)}` +
          (code === status.OK ? " (OK)" : ""),
      );
    }
    this.statusOnUnknownException = code;
    this.detailsOnUnknownException = options.detailsOnUnknownException ?? (() => UNKNOWN_EXCEPTION_DETAILS);
    this.onUnknownException = options.onUnknownException ?? reportToConsole;
  }

  /** Runs the rest of the call, sending every error it raises (now, later, or mid-stream) through {@link handleException}. */
  intercept(method: ServerMethod, requestOrIterator: any, context: ServerCallContext, methodName: string): any {
    const fail = (error: unknown): never | PromiseLike<never> => {
      if (context instanceof CallContext) context.raised = { error }; // what onComplete reports
      return this.mustThrow(this.handleException(error, requestOrIterator, context, methodName), methodName);
    };
    let result: unknown;
    try {
      result = method(requestOrIterator, context);
    } catch (error) {
      return fail(error);
    }
    if (isPromiseLike(result)) return result.then(undefined, fail);
    if (isAsyncIterable(result)) return guardStream(result, fail);
    return result;
  }

  /**
   * Called with every error the call raises; must throw (or return a rejected promise). The default
   * throws {@link toGrpcException}'s answer. Override it to treat some errors differently, and call
   * `super.handleException` for the rest.
   */
  handleException(
    error: unknown,
    _requestOrIterator: any,
    context: ServerCallContext,
    methodName: string,
  ): never | Promise<never> {
    throw this.toGrpcException(error, context, methodName);
  }

  /** The `GrpcException` an error ends the call with, following the order in the class description. */
  toGrpcException(error: unknown, context: ServerCallContext, methodName: string): GrpcException {
    if (error instanceof GrpcException) return error;
    try {
      const mapped = context instanceof CallContext ? context.errorMapper?.map(error) : undefined;
      if (mapped) return mapped;
    } catch (ruleError) {
      return this.toGrpcException(ruleError, context, methodName);
    }
    const code = context.code;
    if (isErrorCode(code)) {
      const details = context.details ?? statusName(code);
      return withoutStackTrace(() => new GrpcException(details, { statusCode: code, cause: error }));
    }
    this.reportUnknownException(error, methodName, context);
    const details = this.unknownDetails(error);
    return withoutStackTrace(
      () => new GrpcException(details, { statusCode: this.statusOnUnknownException, cause: error }),
    );
  }

  /** Hands an unknown exception to the `onUnknownException` reporter; a failing reporter is reported to the console. */
  reportUnknownException(error: unknown, methodName: string, context: ServerCallContext): void {
    try {
      this.onUnknownException(error, methodName, context);
    } catch (reporterError) {
      reportToConsole(reporterError, `the onUnknownException reporter of ${methodName}`, context);
    }
  }

  private unknownDetails(error: unknown): string {
    try {
      const details = this.detailsOnUnknownException(error);
      if (typeof details === "string") return details;
    } catch {
      // A throwing formatter must not change the status; fall back to the safe sentence.
    }
    return UNKNOWN_EXCEPTION_DETAILS;
  }

  // handleException returned instead of throwing: that is a bug in an override, and the call must still fail.
  private mustThrow(outcome: unknown, methodName: string): never | PromiseLike<never> {
    const broken = () =>
      new TypeError(`${this.constructor.name}.handleException returned instead of throwing (in ${methodName})`);
    if (isPromiseLike(outcome)) {
      return outcome.then(() => {
        throw broken();
      });
    }
    throw broken();
  }
}

/** True when `stage` overrides `intercept` or `handleException`, so it must run as a step of the chain. */
export function overridesInterception(stage: ExceptionToStatusInterceptor): boolean {
  const base = ExceptionToStatusInterceptor.prototype;
  return stage.intercept !== base.intercept || stage.handleException !== base.handleException;
}
