import { status } from "@grpc/grpc-js";
import { ServerInterceptor, type ServerCallContext, type ServerMethod } from "grpc-interceptor";
import { Unauthenticated } from "grpc-interceptor/exceptions";

/** Where the example interceptors write what they saw, so the demo can print it under each call. */
export const serverLog: string[] = [];

/**
 * Logs every call with its final status (after @MapErrors and the exception-to-status stage) and its
 * duration, for all four kinds of RPC: `onComplete` runs once the call's status is decided.
 */
export class LoggingInterceptor extends ServerInterceptor {
  intercept(method: ServerMethod, request: unknown, context: ServerCallContext, methodName: string): unknown {
    context.onComplete(({ code, durationMs }) =>
      serverLog.push(`logging: ${methodName} (${context.kind}) ${status[code]} in ${durationMs.toFixed(1)} ms`),
    );
    return method(request, context);
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
