import { ServerInterceptor, type ServerCallContext, type ServerMethod } from "grpc-interceptor";
import { Unauthenticated } from "grpc-interceptor/exceptions";

/** Where the example interceptors write what they saw, so the demo can print it under each call. */
export const serverLog: string[] = [];

function isStream(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

/** Logs every call with its duration and outcome, for all four kinds of RPC. */
export class LoggingInterceptor extends ServerInterceptor {
  intercept(method: ServerMethod, request: unknown, context: ServerCallContext, methodName: string): unknown {
    const started = performance.now();
    const done = (outcome: string) =>
      serverLog.push(`logging: ${methodName} ${outcome} in ${(performance.now() - started).toFixed(1)} ms`);
    const failed = (error: unknown) => `failed with ${error instanceof Error ? error.constructor.name : typeof error}`;
    const result = method(request, context);
    if (!isStream(result)) {
      return (result as Promise<unknown>).then(
        (response) => (done("answered"), response),
        (error: unknown) => {
          done(failed(error));
          throw error;
        },
      );
    }
    return (async function* () {
      let sent = 0;
      try {
        for await (const response of result) {
          sent++;
          yield response;
        }
        done(`streamed ${sent} messages`);
      } catch (error) {
        done(`${failed(error)} after ${sent} messages`);
        throw error;
      }
    })();
  }
}

/** Lets a call through only with `authorization: Bearer let-me-in`. Built by `bootstrap` (class form). */
export class AuthInterceptor extends ServerInterceptor {
  intercept(method: ServerMethod, request: unknown, context: ServerCallContext): unknown {
    if (context.metadata.get("authorization")[0] !== "Bearer let-me-in") {
      serverLog.push("auth: rejected");
      throw new Unauthenticated("A valid token is required to add books");
    }
    serverLog.push("auth: accepted");
    return method(request, context);
  }
}
