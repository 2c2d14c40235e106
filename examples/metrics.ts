// Metrics: counts calls per method and final status. The exception-to-status stage is the one place
// that knows each call's final status (after @MapErrors), so the counter extends it.
// Run: `npx tsx examples/metrics.ts` (after `npm run build`).
import { status } from "@grpc/grpc-js";
import { ExceptionToStatusInterceptor, type ServerCallContext, type ServerMethod } from "grpc-interceptor";
import { GrpcException, NotFound } from "grpc-interceptor/exceptions";
import { dummyClient, raises } from "grpc-interceptor/testing";

/** Counts every call by method and final status code name, e.g. `"/DummyService/Execute NOT_FOUND"`. */
export class MetricsExceptionToStatus extends ExceptionToStatusInterceptor {
  readonly counts = new Map<string, number>();

  override intercept(method: ServerMethod, request: unknown, context: ServerCallContext, methodName: string): unknown {
    const result = super.intercept(method, request, context, methodName);
    const count = (outcome: string) => {
      const key = `${methodName} ${outcome}`;
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    };
    const failed = (error: unknown): never => {
      count(error instanceof GrpcException ? error.statusString : "UNKNOWN");
      throw error;
    };
    if (result instanceof Promise) {
      return result.then((response: unknown) => (count("OK"), response), failed);
    }
    return (async function* () {
      try {
        yield* result as AsyncIterable<unknown>;
        count("OK");
      } catch (error) {
        failed(error);
      }
    })();
  }
}

async function main(): Promise<void> {
  const metrics = new MetricsExceptionToStatus({ onUnknownException: () => {} });
  await using client = await dummyClient({
    exceptionToStatus: metrics,
    specialCases: { missing: raises(new NotFound()), broken: raises(new Error("bug")) },
  });
  for (const input of ["a", "b", "missing", "broken"]) await client.execute({ input }).catch(() => {});
  for await (const _ of client.executeServerStream({ input: "xyz" }));
  for (const [key, value] of [...metrics.counts].sort()) console.log(`${key}: ${value}`);
  if (metrics.counts.get(`/DummyService/Execute ${status[status.NOT_FOUND]}`) !== 1) process.exit(1);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
