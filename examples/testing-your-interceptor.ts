// Testing your own interceptor with dummyClient: a real server and client, no mocks. This one tests the
// Metrics interceptor of examples/metrics.ts with node:assert; with mocha or node:test it is the same.
// Run: `npx tsx examples/testing-your-interceptor.ts` (after `npm run build`).
import assert from "node:assert/strict";
import { status, type ServiceError } from "@grpc/grpc-js";
import { MapErrors } from "grpc-interceptor";
import { DummyService, dummyClient, raises } from "grpc-interceptor/testing";
import { Metrics } from "./metrics.js";

class QuotaError extends Error {}

@MapErrors([QuotaError, status.RESOURCE_EXHAUSTED])
class Service extends DummyService {}

async function main(): Promise<void> {
  const metrics = new Metrics();
  await using client = await dummyClient({
    interceptors: [metrics],
    servicer: new Service({ quota: raises(new QuotaError("slow down")) }),
  });

  assert.deepEqual(await client.execute({ input: "hi" }), { output: "hi" });
  const error = (await client.execute({ input: "quota" }).catch((e: unknown) => e)) as ServiceError;
  assert.equal(error.code, status.RESOURCE_EXHAUSTED);
  assert.equal(metrics.counts.get("/DummyService/Execute OK"), 1);
  assert.equal(
    metrics.counts.get("/DummyService/Execute RESOURCE_EXHAUSTED"),
    1,
    "mapped errors counted by final status",
  );
  console.log("ok: the metrics interceptor counts successes and mapped errors by their final status");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
