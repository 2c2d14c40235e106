// The grpc-js side of the interop run: the dummy service, bootstrapped with decorators and interceptors,
// whose special inputs let a foreign client (Python grpcio, i.e. gRPC C-core) check statuses, details,
// trailing metadata, errors mid-stream, deadlines and cancellation. py_client.py knows these inputs.
import { Metadata, Server, ServerCredentials, status } from "@grpc/grpc-js";
import {
  ExceptionToStatusInterceptor,
  Intercept,
  MapErrors,
  ServerInterceptor,
  bootstrap,
  type ServerCallContext,
  type ServerMethod,
} from "grpc-interceptor";
import * as exceptions from "grpc-interceptor/exceptions";
import { DebugInfo, type ErrorDetail } from "grpc-interceptor/error-details";
import { DummyService, DummyServiceService, type DummyRequest, type DummyResponse } from "grpc-interceptor/testing";
import { interopErrorDetails } from "./richDetails.js";

/** The details sent with a chosen status code; must match `details_for` in dummy_codec.py. */
export function detailsFor(code: number): string {
  return `interop détails ✓ 状态 ${code} 100% 😀 "quoted"`;
}

/** The binary trailing metadata sent with a chosen status code; must match `trace_bin` in dummy_codec.py. */
export function traceBin(code: number): Buffer {
  return Buffer.from([0, 1, 2, 0xfe, 0xff, code]);
}

/** A domain error: `@MapErrors` turns it into NOT_FOUND (OUT_OF_RANGE in the server stream). */
export class DomainNotFound extends Error {}
/** A domain error that a function rule turns into RESOURCE_EXHAUSTED with trailing metadata. */
export class QuotaExceeded extends Error {}

type ExceptionClass = new (details?: string, options?: exceptions.GrpcExceptionOptions) => exceptions.GrpcException;

/** The `GrpcException` subclass of each non-OK code, found among the exports of `grpc-interceptor/exceptions`. */
function exceptionClassFor(code: number): ExceptionClass {
  for (const value of Object.values(exceptions)) {
    if (typeof value !== "function" || !(value.prototype instanceof exceptions.GrpcException)) continue;
    const candidate = value as unknown as ExceptionClass;
    if (new candidate().statusCode === code) return candidate;
  }
  throw new Error(`no GrpcException subclass for code ${code}`);
}

/**
 * The exception a chosen code fails with: its subclass, the shared details, `x-code` and `x-trace-bin`,
 * and the given rich error details.
 */
export function chosenFailure(code: number, errorDetails: ErrorDetail[] = []): exceptions.GrpcException {
  const metadata = new Metadata();
  metadata.set("x-code", String(code));
  metadata.set("x-trace-bin", traceBin(code));
  return new (exceptionClassFor(code))(detailsFor(code), { metadata, errorDetails });
}

/** Adds `x-tag` to the trailing metadata of calls whose client sent `x-want-tag`. */
class TagInterceptor extends ServerInterceptor {
  intercept(method: ServerMethod, request: unknown, context: ServerCallContext, methodName: string): unknown {
    const wanted = context.metadata.get("x-want-tag")[0];
    if (wanted !== undefined) {
      const trailers = new Metadata();
      trailers.set("x-tag", `${String(wanted)} via ${methodName}`);
      context.setTrailingMetadata(trailers);
    }
    return method(request, context);
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

/** What the server saw of the calls watched for cancellation, by id; read back with the input `status:<id>`. */
const watched = new Map<string, string>();

/** Waits (at most 10 s) for the call's signal to abort and records how it ended under `id`. */
async function watch(id: string, context: ServerCallContext): Promise<string> {
  watched.set(id, "started");
  const signal = context.signal;
  const outcome = await new Promise<string>((resolve) => {
    const report = () => {
      clearTimeout(timer);
      const reason: unknown = signal.reason;
      resolve(`aborted: ${reason instanceof Error ? reason.name : String(reason)}`);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", report);
      resolve("not aborted");
    }, 10_000);
    if (signal.aborted) report();
    else signal.addEventListener("abort", report, { once: true });
  });
  watched.set(id, outcome);
  return outcome;
}

const unknownErrors: unknown[] = [];

function specialCases(): Record<string, (input: string, context: ServerCallContext) => string | Promise<string>> {
  const cases: Record<string, (input: string, context: ServerCallContext) => string | Promise<string>> = {
    domain: () => {
      throw new DomainNotFound("no such thing (domain error)");
    },
    quota: () => {
      throw new QuotaExceeded("quota of 3 calls used up");
    },
    boom: () => {
      throw new Error("secret internal detail that must not leak");
    },
    "abort:10": (_input, context) => context.abort(status.ABORTED, "aborted via context.abort"),
    setcode: (_input, context) => {
      context.setCode(status.FAILED_PRECONDITION);
      context.setDetails("code set via context.setCode");
      throw new Error("hidden");
    },
    sleep: async (_input, context) => {
      await sleep(3000, context.signal);
      return "slept";
    },
    deadline: (_input, context) => (context.deadline ? String(context.deadline.getTime() - Date.now()) : "no deadline"),
    metadata: (_input, context) => {
      const seen: Record<string, string> = {};
      for (const [key, values] of Object.entries(context.metadata.getMap())) {
        seen[key] = Buffer.isBuffer(values) ? `hex:${values.toString("hex")}` : String(values);
      }
      return JSON.stringify(seen);
    },
    "status:unknown-errors": () => String(unknownErrors.length),
  };
  // 20 details of 1 KB: more than C-core accepts in trailers (8 KiB), so the server leaves some out.
  cases["rich-large"] = () => {
    throw new exceptions.InvalidArgument("large details", {
      errorDetails: Array.from({ length: 20 }, (_, i) => DebugInfo.fromPartial({ detail: `${i}`.padEnd(1000, "x") })),
    });
  };
  for (let code = 1; code <= 16; code++) {
    cases[`code:${code}`] = () => {
      throw chosenFailure(code);
    };
    cases[`rich:${code}`] = () => {
      throw chosenFailure(code, interopErrorDetails());
    };
  }
  for (const id of ["unary", "deadline", "bidi", "stream"]) {
    cases[`watch:${id}`] = (_input, context) => watch(id, context);
    cases[`status:${id}`] = () => watched.get(id) ?? "unknown";
  }
  return cases;
}

/**
 * The decorated servicer: a class-level interceptor and error rules, and a server stream that can fail
 * after some messages (`after:<n>:<code>`, `after-domain:<n>`, with rich error details `rich-after:<n>:<code>`) or wait for cancellation after one
 * (`stream-watch:<id>`).
 */
@Intercept(TagInterceptor)
@MapErrors(
  [DomainNotFound, status.NOT_FOUND],
  [
    QuotaExceeded,
    (error: QuotaExceeded) => {
      const metadata = new Metadata();
      metadata.set("retry-after-ms", "250");
      return new exceptions.ResourceExhausted(`quota: ${error.message}`, { metadata });
    },
  ],
)
export class InteropService extends DummyService {
  constructor() {
    super(specialCases());
  }

  @MapErrors([DomainNotFound, status.OUT_OF_RANGE])
  override async *executeServerStream(
    request: DummyRequest,
    context: ServerCallContext,
  ): AsyncGenerator<DummyResponse> {
    const after = /^after(?:-domain)?:(\d+)(?::(\d+))?$/.exec(request.input);
    if (after) {
      for (let i = 0; i < Number(after[1]); i++) yield { output: `m${i}` };
      if (request.input.startsWith("after-domain:")) throw new DomainNotFound("ran out (domain error mid-stream)");
      throw chosenFailure(Number(after[2]));
    }
    const rich = /^rich-after:(\d+):(\d+)$/.exec(request.input);
    if (rich) {
      for (let i = 0; i < Number(rich[1]); i++) yield { output: `m${i}` };
      throw chosenFailure(Number(rich[2]), interopErrorDetails());
    }
    const watchId = /^stream-watch:(.+)$/.exec(request.input)?.[1];
    if (watchId) {
      yield { output: "started" };
      yield { output: await watch(watchId, context) };
      return;
    }
    yield* super.executeServerStream(request, context);
  }
}

/** Starts the decorated dummy service on 127.0.0.1, port 0. */
export async function startOurServer(): Promise<{ port: number; close(): Promise<void> }> {
  const server = new Server();
  const exceptionToStatus = new ExceptionToStatusInterceptor({
    onUnknownException: (error) => unknownErrors.push(error),
  });
  server.addService(DummyServiceService, bootstrap(DummyServiceService, new InteropService(), { exceptionToStatus }));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  const close = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 2000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  return { port, close };
}
