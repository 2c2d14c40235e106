// Metrics: counts calls per method and final status, and sums their durations. `context.onComplete`
// gives each call's final status (after @MapErrors and the exception-to-status stage), for every kind.
// Run: `npx tsx examples/metrics.ts` (after `npm run build`).
import { status } from "@grpc/grpc-js";
import {
  ExceptionToStatusInterceptor,
  ServerInterceptor,
  type ServerCallContext,
  type ServerMethod,
} from "grpc-interceptor";
import { NotFound } from "grpc-interceptor/exceptions";
import { dummyClient, raises } from "grpc-interceptor/testing";

/** Counts every call by method and final status code name, e.g. `"/DummyService/Execute NOT_FOUND"`. */
export class Metrics extends ServerInterceptor {
  readonly counts = new Map<string, number>();
  readonly totalMs = new Map<string, number>();

  intercept(method: ServerMethod, request: unknown, context: ServerCallContext, methodName: string): unknown {
    context.onComplete(({ code, durationMs }) => {
      const key = `${methodName} ${status[code]}`;
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
      this.totalMs.set(methodName, (this.totalMs.get(methodName) ?? 0) + durationMs);
    });
    return method(request, context);
  }
}

async function main(): Promise<void> {
  const metrics = new Metrics();
  await using client = await dummyClient({
    interceptors: [metrics],
    exceptionToStatus: new ExceptionToStatusInterceptor({ onUnknownException: () => {} }), // quiet for the demo
    specialCases: { missing: raises(new NotFound()), broken: raises(new Error("bug")) },
  });
  for (const input of ["a", "b", "missing", "broken"]) await client.execute({ input }).catch(() => {});
  for await (const _ of client.executeServerStream({ input: "xyz" }));
  for (const [key, value] of [...metrics.counts].sort()) console.log(`${key}: ${value}`);
  for (const [name, ms] of metrics.totalMs) console.log(`${name}: ${ms.toFixed(1)} ms in all`);
  if (metrics.counts.get(`/DummyService/Execute ${status[status.NOT_FOUND]}`) !== 1) process.exit(1);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
