// The soak test's server process (started by soak/run.ts): a decorated servicer of the dummy service on
// 127.0.0.1, port 0. Prints "PORT <n>" and exits when its stdin closes. Run it with --expose-gc so the
// "__stats" input can report the heap after a full collection.
//
// Inputs ("actions"), for every method (each input, for client streams and bidi; "<n>|<action>" for the
// server stream, which first sends n messages s0..s<n-1>):
//   ok            -> "ok"
//   grpc:<code>   -> a GrpcException subclass of that code (odd codes via context.abort)
//   nf | inv      -> domain errors mapped by @MapErrors to NOT_FOUND | INVALID_ARGUMENT
//   quota         -> a domain error mapped by a function rule to RESOURCE_EXHAUSTED
//   setcode       -> context.setCode(FAILED_PRECONDITION), then an unknown error
//   unknown       -> an unknown error: UNKNOWN
//   flaky:<id>    -> UNAVAILABLE the first time <id> is seen, "ok" the second (then forgotten)
//   sleep:<ms>    -> sleeps, or less if the call's signal aborts (deadline, cancellation)
//   __stats       -> JSON: memory after gc, calls seen, unknown errors reported, pending flaky ids
import { Metadata, Server, ServerCredentials, status } from "@grpc/grpc-js";
import {
  ExceptionToStatusInterceptor,
  Intercept,
  MapErrors,
  ServerInterceptor,
  bootstrap,
  type AsyncServicer,
  type ServerCallContext,
  type ServerMethod,
} from "grpc-interceptor";
import * as exceptions from "grpc-interceptor/exceptions";
import { DummyServiceService, type DummyRequest, type DummyResponse } from "grpc-interceptor/testing";

class DomainNotFound extends Error {}
class DomainInvalid extends Error {}
class QuotaError extends Error {}

type ExceptionClass = new (details?: string, options?: { metadata?: Metadata }) => exceptions.GrpcException;
const exceptionClasses = new Map<number, ExceptionClass>();
for (const value of Object.values(exceptions)) {
  if (typeof value === "function" && value.prototype instanceof exceptions.GrpcException) {
    const candidate = value as unknown as ExceptionClass;
    exceptionClasses.set(new candidate().statusCode, candidate);
  }
}

const stats = { calls: 0, unknownErrors: 0 };
const flaky = new Set<string>();

/** Rejects calls without the token the client's AuthInterceptor injects. */
class RequireToken extends ServerInterceptor {
  intercept(method: ServerMethod, request: unknown, context: ServerCallContext): unknown {
    if (context.metadata.get("authorization")[0] !== "Bearer soak-token") {
      throw new exceptions.Unauthenticated("no token");
    }
    return method(request, context);
  }
}

/** A plain-function interceptor: counts calls. */
function countCalls(method: ServerMethod, request: unknown, context: ServerCallContext): unknown {
  stats.calls++;
  return method(request, context);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    if (signal.aborted) done();
    else signal.addEventListener("abort", done, { once: true });
  });
}

async function act(action: string, context: ServerCallContext): Promise<string> {
  const [verb, arg = ""] = action.split(":", 2) as [string, string?];
  switch (verb) {
    case "ok":
      return "ok";
    case "grpc": {
      const code = Number(arg);
      if (code % 2) context.abort(code, `aborted with ${code}`);
      const metadata = new Metadata();
      metadata.set("x-code-bin", Buffer.from([code]));
      throw new (exceptionClasses.get(code) as ExceptionClass)(`thrown with ${code}`, { metadata });
    }
    case "nf":
      throw new DomainNotFound("not found");
    case "inv":
      throw new DomainInvalid("invalid");
    case "quota":
      throw new QuotaError("quota");
    case "setcode":
      context.setCode(status.FAILED_PRECONDITION);
      context.setDetails("precondition");
      throw new Error("hidden");
    case "unknown":
      throw new TypeError("boom");
    case "flaky":
      if (flaky.delete(arg)) return "ok";
      flaky.add(arg);
      throw new exceptions.Unavailable("flaky, try again");
    case "sleep":
      await sleep(Number(arg), context.signal);
      return "slept";
    case "__stats": {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      gc?.();
      const { heapUsed, rss } = process.memoryUsage();
      return JSON.stringify({ heapUsed, rss, gc: Boolean(gc), ...stats, pendingFlaky: flaky.size });
    }
    default:
      throw new exceptions.InvalidArgument(`unknown action ${JSON.stringify(action)}`);
  }
}

@Intercept(RequireToken, countCalls)
@MapErrors(
  [DomainNotFound, status.NOT_FOUND],
  [DomainInvalid, status.INVALID_ARGUMENT],
  [QuotaError, (error: QuotaError) => new exceptions.ResourceExhausted(error.message)],
)
class SoakServicer implements AsyncServicer<typeof DummyServiceService> {
  async execute(request: DummyRequest, context: ServerCallContext): Promise<DummyResponse> {
    return { output: await act(request.input, context) };
  }

  async executeClientStream(requests: AsyncIterable<DummyRequest>, context: ServerCallContext): Promise<DummyResponse> {
    let output = "";
    for await (const request of requests) output += await act(request.input, context);
    return { output };
  }

  async *executeServerStream(request: DummyRequest, context: ServerCallContext): AsyncGenerator<DummyResponse> {
    const bar = request.input.indexOf("|");
    const count = Number(request.input.slice(0, bar));
    for (let i = 0; i < count; i++) yield { output: `s${i}` };
    yield { output: await act(request.input.slice(bar + 1), context) };
  }

  async *executeClientServerStream(
    requests: AsyncIterable<DummyRequest>,
    context: ServerCallContext,
  ): AsyncGenerator<DummyResponse> {
    for await (const request of requests) yield { output: await act(request.input, context) };
  }
}

async function main(): Promise<void> {
  const server = new Server();
  const exceptionToStatus = new ExceptionToStatusInterceptor({ onUnknownException: () => stats.unknownErrors++ });
  server.addService(DummyServiceService, bootstrap(DummyServiceService, new SoakServicer(), { exceptionToStatus }));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  console.log(`PORT ${port}`);
  process.stdin.resume();
  process.stdin.on("end", () => {
    server.forceShutdown();
    process.exit(0);
  });
}

void main();
