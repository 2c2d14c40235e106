// Client retry: the RetryInterceptor of examples/client retries UNAVAILABLE with exponential backoff and
// jitter, here against a server that fails the first two attempts.
// Run: `npx tsx examples/client-retry.ts` (after `npm run build`).
import { status } from "@grpc/grpc-js";
import { Unavailable } from "grpc-interceptor/exceptions";
import { dummyClient } from "grpc-interceptor/testing";
import { LoggingInterceptor } from "./client/LoggingInterceptor.js";
import { RetryInterceptor } from "./client/RetryInterceptor.js";

async function main(): Promise<void> {
  let attempts = 0;
  await using client = await dummyClient({
    clientInterceptors: [
      new RetryInterceptor({ retryableCodes: [status.UNAVAILABLE], maxAttempts: 4, initialBackoffMs: 20 }),
      new LoggingInterceptor((log) =>
        console.log(`  attempt: ${log.method} ${log.status} ${log.durationMs.toFixed(1)} ms`),
      ),
    ],
    specialCases: {
      flaky: (input) => {
        attempts++;
        if (attempts <= 2) throw new Unavailable(`attempt ${attempts} failed`);
        return `${input} after ${attempts} attempts`;
      },
    },
  });
  const response = await client.execute({ input: "flaky" }, { deadline: Date.now() + 5000 });
  console.log(`response: ${response.output}`);
  if (attempts !== 3) process.exit(1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
