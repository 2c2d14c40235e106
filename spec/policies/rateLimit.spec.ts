import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis } from "rate-limiter-flexible";
import { peerAddress, RateLimit, type RateLimiterLike, type ServerCallContext } from "grpc-interceptor";
import { RetryInfo, statusDetailsOf } from "grpc-interceptor/error-details";
import { DummyServiceClient, dummyClient } from "grpc-interceptor/testing";
import { collectUntilFailure, failure, recordingExceptionToStatus, soon } from "../support/calls.js";
import { startRedis, type RedisServer } from "../support/redisServer.js";
import { handlerStyles } from "../support/styles.js";

function retryDelayMs(error: ServiceError): number {
  const [detail] = statusDetailsOf(error);
  expect(detail?.$type).to.equal(RetryInfo.$type);
  const { seconds, nanos } = (detail as RetryInfo).retryDelay!;
  return seconds * 1000 + nanos / 1e6;
}

for (const handlerStyle of handlerStyles) {
  describe(`RateLimit (${handlerStyle} style)`, () => {
    it("refuses a call over the limit RESOURCE_EXHAUSTED, with RetryInfo and grpc-retry-pushback-ms; the handler does not run", async () => {
      let handled = 0;
      const limiter = new RateLimiterMemory({ points: 2, duration: 60 });
      await using client = await dummyClient({
        handlerStyle,
        specialCases: { x: () => (handled++, "x") },
        policies: [RateLimit({ limiter })],
      });
      await client.execute({ input: "x" }, soon());
      await client.execute({ input: "x" }, soon());
      const error = await failure(client.execute({ input: "x" }, soon()));
      expect(error.code).to.equal(status.RESOURCE_EXHAUSTED);
      expect(error.details).to.equal("rate limit exceeded");
      const delay = retryDelayMs(error);
      expect(delay).to.be.within(58_000, 60_000).and.satisfy(Number.isInteger);
      expect(error.metadata.get("grpc-retry-pushback-ms")).to.deep.equal([String(delay)]);
      expect(handled).to.equal(2);
      const stream = await collectUntilFailure(client.executeServerStream({ input: "ab" }, soon()));
      expect(stream.items).to.deep.equal([]);
      expect(stream.error.code).to.equal(status.RESOURCE_EXHAUSTED);
    });

    it("takes cost points per call, from the budget of the key it is given", async () => {
      const limiter = new RateLimiterMemory({ points: 4, duration: 60 });
      const key = (context: ServerCallContext) => String(context.metadata.get("tenant")[0]);
      await using client = await dummyClient({ handlerStyle, policies: [RateLimit({ limiter, key, cost: 2 })] });
      const as = (tenant: string) => {
        const metadata = new Metadata();
        metadata.set("tenant", tenant);
        return { ...soon(), metadata };
      };
      await client.execute({ input: "1" }, as("a"));
      await client.execute({ input: "2" }, as("a"));
      expect((await failure(client.execute({ input: "3" }, as("a")))).code).to.equal(status.RESOURCE_EXHAUSTED);
      await client.execute({ input: "4" }, as("b"));
      expect((await limiter.get("a"))?.consumedPoints).to.equal(6);
    });
  });
}

describe("RateLimit", () => {
  it("keys calls by the client's IP address by default", async () => {
    const keys: string[] = [];
    const limiter: RateLimiterLike = { consume: async (key) => void keys.push(key) };
    await using client = await dummyClient({ policies: [RateLimit({ limiter })] });
    await client.execute({ input: "x" }, soon());
    expect(keys).to.deep.equal(["127.0.0.1"]);
  });

  it("reads the IP address of every peer form grpc-js gives", () => {
    const of = (peer: string) => peerAddress({ peer } as ServerCallContext);
    expect(of("ipv4:10.0.3.7:5123")).to.equal("10.0.3.7");
    expect(of("10.0.3.7:5123")).to.equal("10.0.3.7");
    expect(of("ipv6:[::1]:5123")).to.equal("::1");
    expect(of("[2001:db8::7]:443")).to.equal("2001:db8::7");
    expect(of("ipv6:[::ffff:10.0.0.1]:80")).to.equal("::ffff:10.0.0.1");
    expect(of("unix:/run/app.sock")).to.equal("unix:/run/app.sock");
  });

  it("makes a grpc-js client with a retry policy wait for the pushback, then succeed (a trailers-only refusal)", async () => {
    const limiter = new RateLimiterMemory({ points: 1, duration: 1 });
    await using client = await dummyClient({ policies: [RateLimit({ limiter })] });
    const serviceConfig = {
      methodConfig: [
        {
          name: [{ service: "DummyService" }],
          retryPolicy: {
            maxAttempts: 3,
            initialBackoff: "0.01s",
            maxBackoff: "0.01s",
            backoffMultiplier: 1,
            retryableStatusCodes: ["RESOURCE_EXHAUSTED"],
          },
        },
      ],
    };
    const retrying = new DummyServiceClient(client.address, credentials.createInsecure(), {
      "grpc.service_config": JSON.stringify(serviceConfig),
    });
    try {
      const call = () =>
        new Promise<number>((resolve, reject) => {
          const started = Date.now();
          retrying.execute({ input: "x" }, new Metadata(), { deadline: Date.now() + 5000 }, (error) =>
            error ? reject(error) : resolve(Date.now() - started),
          );
        });
      await call();
      // Without the pushback the retries (10 ms apart) would all be refused within the same second.
      expect(await call()).to.be.within(200, 1500);
    } finally {
      retrying.close();
    }
  });

  describe("over a real Redis", function () {
    this.timeout(30_000);
    let redis: RedisServer;
    beforeEach(async () => (redis = await startRedis()));
    afterEach(async () => redis.stop());

    const redisLimiter = (points: number) =>
      new RateLimiterRedis({
        storeClient: new Redis({ port: redis.port, host: "127.0.0.1", enableOfflineQueue: false, lazyConnect: false }),
        keyPrefix: `spec-${Math.random()}`,
        points,
        duration: 60,
      });
    const ready = async (limiter: RateLimiterRedis) => {
      const store = (limiter as unknown as { client: Redis }).client;
      if (store.status !== "ready") await once(store, "ready");
      return () => store.disconnect();
    };

    it("holds one budget for a fleet: two server processes share it, exactly `points` calls succeed", async () => {
      const replicaScript = join(__dirname, "fixtures", "replica.js");
      const replicas: ChildProcess[] = [];
      try {
        const ports = await Promise.all(
          ["one", "two"].map(async (name) => {
            const child = spawn(process.execPath, [replicaScript, name, String(redis.port), "7"], {
              stdio: ["ignore", "pipe", "inherit"],
            });
            replicas.push(child);
            const [chunk] = (await once(child.stdout!, "data")) as [Buffer];
            return Number(chunk.toString().trim());
          }),
        );
        const fleet = new DummyServiceClient(
          `ipv4:${ports.map((port) => `127.0.0.1:${port}`).join(",")}`,
          credentials.createInsecure(),
          { "grpc.service_config": JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }) },
        );
        try {
          const results = [];
          for (let i = 0; i < 12; i++) {
            results.push(
              await new Promise<string>((resolve) =>
                fleet.execute({ input: "who" }, new Metadata(), { deadline: Date.now() + 5000 }, (error, response) =>
                  resolve(error ? status[error.code] : response!.output),
                ),
              ),
            );
          }
          const ok = results.filter((result) => result === "one" || result === "two");
          expect(ok).to.have.length(7);
          expect(new Set(ok)).to.deep.equal(new Set(["one", "two"]));
          expect(results.filter((result) => result === "RESOURCE_EXHAUSTED")).to.have.length(5);
        } finally {
          fleet.close();
        }
      } finally {
        for (const child of replicas) child.kill("SIGTERM");
        await Promise.all(replicas.map((child) => (child.exitCode === null ? once(child, "exit") : undefined)));
      }
    });

    it('runs calls when the store is down with onLimiterError "allow", reporting the failure', async () => {
      const limiter = redisLimiter(100);
      const disconnect = await ready(limiter);
      const exceptionToStatus = recordingExceptionToStatus();
      await using client = await dummyClient({ exceptionToStatus, policies: [RateLimit({ limiter })] });
      await client.execute({ input: "up" }, soon());
      await redis.stop();
      expect(await client.execute({ input: "down" }, soon())).to.deep.include({ output: "down" });
      expect(exceptionToStatus.reported).to.have.length(1);
      expect(exceptionToStatus.reported[0]).to.be.instanceOf(Error);
      disconnect();
    });

    it('refuses calls UNAVAILABLE when the store is down with onLimiterError "reject"', async () => {
      const limiter = redisLimiter(100);
      const disconnect = await ready(limiter);
      const exceptionToStatus = recordingExceptionToStatus();
      await using client = await dummyClient({
        exceptionToStatus,
        policies: [RateLimit({ limiter, onLimiterError: "reject" })],
      });
      await client.execute({ input: "up" }, soon());
      await redis.stop();
      const error = await failure(client.execute({ input: "down" }, soon()));
      expect(error.code).to.equal(status.UNAVAILABLE);
      expect(error.details).to.equal("rate limiter unavailable");
      expect(exceptionToStatus.reported).to.have.length(1);
      disconnect();
    });
  });

  it("rejects bad options with a TypeError naming the option", () => {
    const limiter = new RateLimiterMemory({ points: 1, duration: 1 });
    expect(() => RateLimit({} as never)).to.throw(
      TypeError,
      /RateLimit: options\.limiter is undefined, expected an object with consume/,
    );
    expect(() => RateLimit({ limiter, cost: 0 })).to.throw(
      TypeError,
      /options\.cost is number 0, expected a positive integer/,
    );
    expect(() => RateLimit({ limiter, cost: 1.5 })).to.throw(TypeError, /options\.cost/);
    expect(() => RateLimit({ limiter, key: "ip" as never })).to.throw(
      TypeError,
      /options\.key is .*expected a function/,
    );
    expect(() => RateLimit({ limiter, onLimiterError: "ignore" as never })).to.throw(
      TypeError,
      /options\.onLimiterError/,
    );
    expect(() => RateLimit({ limiter, points: 3 } as never)).to.throw(TypeError, /options\.points is not an option/);
  });
});
