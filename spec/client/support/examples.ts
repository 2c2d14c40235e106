import { dirname, join } from "node:path";
import type { status } from "@grpc/grpc-js";
import type { ClientInterceptor } from "grpc-interceptor";
import { require as tsxRequire } from "tsx/cjs/api";

// The examples live outside spec/ (its tsconfig's rootDir), so the specs cannot import them; tsx loads
// their TypeScript at run time instead, and they share this process's copy of "grpc-interceptor".
// The types below mirror the examples' exports; examples.spec.ts type-checks the examples themselves.
const root = dirname(require.resolve("grpc-interceptor/package.json"));

/** The directory of the client examples. */
export const examplesDir = join(root, "examples", "client");

/** `examples/client/AuthInterceptor.ts`. */
export interface AuthExample {
  AuthInterceptor: new (
    token: string | (() => string | Promise<string>),
    header?: string,
    scheme?: string,
  ) => ClientInterceptor;
}

/** `examples/client/RetryInterceptor.ts`. */
export interface RetryExample {
  RetryInterceptor: new (options?: {
    maxAttempts?: number;
    retryableCodes?: readonly status[];
    initialBackoffMs?: number;
    maxBackoffMs?: number;
    multiplier?: number;
    jitter?: number;
  }) => ClientInterceptor & { backoffMs(attempt: number): number };
}

/** A record of `examples/client/LoggingInterceptor.ts`. */
export interface CallLog {
  method: string;
  status: string;
  durationMs: number;
  responses: number;
}

/** `examples/client/LoggingInterceptor.ts`. */
export interface LoggingExample {
  LoggingInterceptor: new (sink?: (log: CallLog) => void) => ClientInterceptor;
}

/** Loads `examples/client/<name>.ts`. */
export function loadExample<T>(name: string): T {
  return tsxRequire(join(examplesDir, `${name}.ts`), __filename) as T;
}

/** The three client examples. */
export const { AuthInterceptor } = loadExample<AuthExample>("AuthInterceptor");
export const { RetryInterceptor } = loadExample<RetryExample>("RetryInterceptor");
export const { LoggingInterceptor } = loadExample<LoggingExample>("LoggingInterceptor");
