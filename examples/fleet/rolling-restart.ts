// A rolling restart of three replicas (examples/fleet/replica.ts) behind one grpc-js client that
// balances over them (round_robin) while it makes calls and keeps a subscription open. Each replica in
// turn gets SIGTERM, drains, exits and is replaced; the script prints what each one reported.
// Run it with `npx tsx examples/fleet/rolling-restart.ts` (after `npm run build` in this repository).
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { join } from "node:path";
import { credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { DummyServiceClient } from "grpc-interceptor/testing";

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

async function start(name: string, port: number): Promise<{ child: ChildProcess; report: Promise<string> }> {
  const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, "replica.ts"), name, String(port)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  let ready: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const report = new Promise<string>((resolve) =>
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("ready")) ready();
      const line = output.split("\n").find((text) => text.startsWith("report "));
      if (line) resolve(line.slice(7));
    }),
  );
  await isReady;
  return { child, report };
}

async function main(): Promise<void> {
  const ports = [await freePort(), await freePort(), await freePort()];
  const replicas = await Promise.all(ports.map((port, i) => start(`r${i}`, port)));
  // Client-side load balancing over the replicas; a call that meets a replica going away waits for
  // another one (waitForReady) or is retried on UNAVAILABLE.
  const client = new DummyServiceClient(
    `ipv4:${ports.map((port) => `127.0.0.1:${port}`).join(",")}`,
    credentials.createInsecure(),
    {
      "grpc.service_config": JSON.stringify({
        loadBalancingConfig: [{ round_robin: {} }],
        methodConfig: [
          {
            name: [{ service: "DummyService" }],
            waitForReady: true,
            retryPolicy: {
              maxAttempts: 3,
              initialBackoff: "0.05s",
              maxBackoff: "0.2s",
              backoffMultiplier: 2,
              retryableStatusCodes: ["UNAVAILABLE"],
            },
          },
        ],
      }),
    },
  );
  let running = true;
  let ok = 0;
  let failed = 0;
  const load = (async () => {
    while (running) {
      await new Promise<void>((resolve) =>
        client.execute({ input: "x" }, new Metadata(), { deadline: Date.now() + 5_000 }, (error) => {
          if (error) failed++;
          else ok++;
          resolve();
        }),
      );
    }
  })();
  const subscription = (async () => {
    while (running) {
      await new Promise<void>((resolve) => {
        const call = client.executeServerStream({ input: "subscribe" }, new Metadata());
        let from = "";
        call.on("data", ({ output }: { output: string }) => {
          if (from !== output) console.log(`subscription: served by ${(from = output)}`);
          if (!running) call.cancel();
        });
        call.on("error", (error: ServiceError) => {
          if (running) console.log(`subscription: ${status[error.code]} "${error.details}", resubscribing`);
          resolve();
        });
        call.on("end", resolve);
      });
    }
  })();

  await new Promise((resolve) => setTimeout(resolve, 300));
  for (const [i, replica] of replicas.entries()) {
    replica.child.kill("SIGTERM");
    console.log(`r${i} reported ${await replica.report}`);
    await once(replica.child, "exit");
    replicas[i] = await start(`r${i}'`, ports[i]!);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  running = false;
  await Promise.all([load, subscription]);
  client.close();
  for (const replica of replicas) replica.child.kill("SIGTERM");
  console.log(`unary calls during the restart: ${ok} succeeded, ${failed} failed`);
}

void main();
