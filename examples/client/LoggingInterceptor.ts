import { status } from "@grpc/grpc-js";
import type { ClientCallDetails, ClientMethod } from "grpc-interceptor";
import { ClientInterceptor } from "grpc-interceptor";

/** One finished call, as {@link LoggingInterceptor} reports it. */
export interface CallLog {
  /** The method path, `"/package.Service/Method"`. */
  method: string;
  /** The status code name the call ended with, e.g. `"OK"` or `"UNAVAILABLE"`. */
  status: string;
  /** Wall-clock duration of the call in milliseconds, from start to last response or failure. */
  durationMs: number;
  /** Responses received (streaming responses), or 1 for a successful unary response. */
  responses: number;
}

function statusOf(error: unknown): string {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === "number" ? (status[code] ?? String(code)) : "UNKNOWN";
}

/**
 * Logs every call when it ends: method, status and duration (and the number of streamed responses).
 * The default sink writes one line to the console; pass your own to collect or forward the records.
 */
export class LoggingInterceptor extends ClientInterceptor {
  constructor(
    private readonly sink: (log: CallLog) => void = (log) =>
      console.log(`${log.method} ${log.status} ${log.durationMs.toFixed(1)} ms (${log.responses} responses)`),
  ) {
    super();
  }

  intercept(method: ClientMethod, request: unknown, details: ClientCallDetails): unknown {
    const started = performance.now();
    const done = (code: string, responses: number) =>
      this.sink({ method: details.method, status: code, durationMs: performance.now() - started, responses });
    const result = method(request, details);
    if (typeof result === "object" && result !== null && Symbol.asyncIterator in result) {
      return this.logStream(result as AsyncIterable<unknown>, done);
    }
    return (result as Promise<unknown>).then(
      (response) => {
        done("OK", 1);
        return response;
      },
      (error: unknown) => {
        done(statusOf(error), 0);
        throw error;
      },
    );
  }

  private async *logStream(
    responses: AsyncIterable<unknown>,
    done: (code: string, responses: number) => void,
  ): AsyncGenerator<unknown> {
    let count = 0;
    let outcome: string | undefined;
    try {
      for await (const response of responses) {
        count++;
        yield response;
      }
      outcome = "OK";
    } catch (error) {
      outcome = statusOf(error);
      throw error;
    } finally {
      // A consumer that stops early (or a cancelled call) ends the call as CANCELLED.
      done(outcome ?? "CANCELLED", count);
    }
  }
}
