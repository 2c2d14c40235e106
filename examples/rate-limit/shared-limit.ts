// One rate limit for a fleet: two replicas (two gRPC servers, as two processes would be) share a budget
// of 5 calls a minute per client through Redis, and a client that balances over both (round_robin) makes
// 8 calls: 5 succeed, whichever replica serves them, and the rest are refused with a retry delay.
// Needs Debian's `redis-server` on the PATH (it is started on a free port and stopped).
// Run it with `npx tsx examples/rate-limit/shared-limit.ts` (after `npm run build` in this repository).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { credentials, Metadata, Server, ServerCredentials, status, type ServiceError } from "@grpc/grpc-js";
import { Redis } from "ioredis";
import { RateLimiterRedis } from "rate-limiter-flexible";
import { bootstrap, RateLimit } from "grpc-interceptor";
import { RetryInfo, statusDetailsOf } from "grpc-interceptor/error-details";
import { DummyService, DummyServiceClient, DummyServiceService } from "grpc-interceptor/testing";

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

/** A replica: its own server and Redis connection, the fleet's shared budget. */
async function replica(name: string, redisPort: number): Promise<{ port: number; stop(): void }> {
  const redis = new Redis({ port: redisPort, host: "127.0.0.1", enableOfflineQueue: false });
  await once(redis, "ready");
  const limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix: "greeter", points: 5, duration: 60 });
  const server = new Server();
  server.addService(
    DummyServiceService,
    bootstrap(DummyServiceService, new DummyService({ who: () => name }), { policies: [RateLimit({ limiter })] }),
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return { port, stop: () => (server.forceShutdown(), redis.disconnect()) };
}

async function main(): Promise<void> {
  const redisPort = await freePort();
  const redis = spawn("redis-server", ["--port", String(redisPort), "--save", "", "--appendonly", "no"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve) =>
    redis.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("Ready to accept") && resolve()),
  );
  const replicas = [await replica("replica-1", redisPort), await replica("replica-2", redisPort)];
  const client = new DummyServiceClient(
    `ipv4:${replicas.map(({ port }) => `127.0.0.1:${port}`).join(",")}`,
    credentials.createInsecure(),
    { "grpc.service_config": JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }) },
  );
  for (let call = 1; call <= 8; call++) {
    await new Promise<void>((resolve) =>
      client.execute({ input: "who" }, new Metadata(), { deadline: Date.now() + 5_000 }, (error, response) => {
        if (!error) console.log(`call ${call}: served by ${response!.output}`);
        else {
          const retry = statusDetailsOf(error).find((detail): detail is RetryInfo => detail.$type === RetryInfo.$type);
          const delay = retry?.retryDelay ? `${retry.retryDelay.seconds} s` : "?";
          console.log(`call ${call}: ${status[(error as ServiceError).code]} "${error.details}", retry in ${delay}`);
        }
        resolve();
      }),
    );
  }
  client.close();
  for (const { stop } of replicas) stop();
  redis.kill();
}

void main();
