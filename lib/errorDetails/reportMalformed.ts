import type { MalformedReporter } from "./statusCodec.js";

/** Options of `statusDetailsOf` and `GrpcException.fromServiceError`. */
export interface StatusDetailsOptions {
  /**
   * Receives each problem with a `grpc-status-details-bin` trailer that was ignored (not a
   * `google.rpc.Status`, or a code other than the call's) or partly kept packed (a detail whose bytes do
   * not decode). Default: one process warning (`MalformedStatusDetailsWarning`) for the first problem in
   * the process, so that a misbehaving peer cannot flood the log.
   */
  onMalformed?: (problem: Error) => void;
}

let warned = false;

function warnOnce(problem: Error): void {
  if (warned) return;
  warned = true;
  process.emitWarning(
    `${problem.message} (later problems of this kind are not reported: pass onMalformed to see each)`,
    {
      type: "MalformedStatusDetailsWarning",
      code: "GRPC_INTERCEPTOR_MALFORMED_STATUS_DETAILS",
    },
  );
}

/** The reporter `options` ask for; one that throws is replaced by the default, so reading never throws. */
export function malformedReporter(options: StatusDetailsOptions | undefined): MalformedReporter {
  const onMalformed = options?.onMalformed;
  if (typeof onMalformed !== "function") return warnOnce;
  return (problem) => {
    try {
      onMalformed(problem);
    } catch {
      warnOnce(problem);
    }
  };
}
