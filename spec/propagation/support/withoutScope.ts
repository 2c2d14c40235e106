// Run in a child process by retention.spec.ts: counts the AsyncLocalStorage instances created while a
// server without CallScope serves calls of every kind made through a client with Propagate, then
// once a CallScope serves one call. Prints one line with the counts.
import asyncHooks from "node:async_hooks";

let created = 0;
const Original = asyncHooks.AsyncLocalStorage;
asyncHooks.AsyncLocalStorage = class Counted<T> extends Original<T> {
  constructor() {
    super();
    created++;
  }
};

async function main(): Promise<void> {
  const { CallScope, currentCall, Propagate } = await import("grpc-interceptor");
  const { dummyClient } = await import("grpc-interceptor/testing");
  let seen = "unset";
  const specialCases = { check: () => ((seen = String(currentCall())), "ok") };
  const client = await dummyClient({ specialCases, clientInterceptors: [new Propagate({ metadata: ["x-id"] })] });
  const one = { input: "check" };
  let calls = 0;
  await client.execute(one).then(() => calls++);
  await client.executeClientStream([one]).then(() => calls++);
  for await (const _ of client.executeServerStream(one)) void _;
  calls++;
  for await (const _ of client.executeClientServerStream([one])) void _;
  calls++;
  await client.close();
  const without = created;
  const scoped = await dummyClient({ interceptors: [CallScope] });
  await scoped.execute({ input: "x" });
  await scoped.close();
  console.log(
    `calls ${calls}, currentCall ${seen}, AsyncLocalStorage created ${without}, then with CallScope ${created}`,
  );
}

void main();
