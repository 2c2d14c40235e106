import { expect } from "chai";
import { status } from "@grpc/grpc-js";
import { Registry } from "prom-client";
import { RateLimiterMemory } from "rate-limiter-flexible";
import { RateLimit } from "grpc-interceptor";
import { NotFound } from "grpc-interceptor/exceptions";
import { PrometheusClientMetrics, PrometheusMetrics } from "grpc-interceptor/prometheus";
import { dummyClient, raises } from "grpc-interceptor/testing";
import { collect, collectUntilFailure, failure, sleep, soon } from "../support/calls.js";
import { handlerStyles } from "../support/styles.js";

/** The registry's text exposition, parsed back: `name{a="x",b="y"}` → value. */
async function scrape(registry: Registry): Promise<Map<string, number>> {
  const samples = new Map<string, number>();
  for (const line of (await registry.metrics()).split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    expect(match, line).to.not.equal(null);
    const labels = [...(match![2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => `${key}=${value}`);
    samples.set(`${match![1]}{${labels.sort().join(",")}}`, Number(match![3]));
  }
  return samples;
}

/** Scrapes until `ready` holds of the samples (for counts made just after the client saw the end), at most 2 s. */
async function scrapeUntil(registry: Registry, ready: (samples: Map<string, number>) => boolean) {
  let samples = await scrape(registry);
  for (let tries = 0; !ready(samples) && tries < 100; tries++) {
    await sleep(20);
    samples = await scrape(registry);
  }
  return samples;
}

const specialCases = {
  missing: raises(new NotFound("no such thing")),
  slow: () => new Promise<string>((resolve) => setTimeout(() => resolve("late"), 2000)),
};
const labels = (type: string, method: string) => `grpc_method=${method},grpc_service=DummyService,grpc_type=${type}`;

for (const handlerStyle of handlerStyles) {
  describe(`PrometheusMetrics (${handlerStyle} style)`, () => {
    it("counts every kind and outcome once, with go-grpc-prometheus's names, labels and code spellings", async () => {
      const registry = new Registry();
      await using client = await dummyClient({
        handlerStyle,
        specialCases,
        interceptors: [new PrometheusMetrics({ registry })],
        methods: {
          executeClientStream: {
            policies: [RateLimit({ limiter: new RateLimiterMemory({ points: 1, duration: 60 }) })],
          },
        },
      });
      await client.execute({ input: "a" }, soon());
      expect((await failure(client.execute({ input: "missing" }, soon()))).code).to.equal(status.NOT_FOUND);
      expect((await failure(client.execute({ input: "slow" }, { deadline: Date.now() + 100 }))).code).to.equal(
        status.DEADLINE_EXCEEDED,
      );
      const cancel = new AbortController();
      const cancelled = failure(client.execute({ input: "slow" }, { ...soon(), signal: cancel.signal }));
      setTimeout(() => cancel.abort(), 50);
      expect((await cancelled).code).to.equal(status.CANCELLED);
      await client.executeClientStream([{ input: "x" }, { input: "y" }, { input: "z" }], soon());
      expect((await failure(client.executeClientStream([{ input: "x" }], soon()))).code).to.equal(
        status.RESOURCE_EXHAUSTED,
      );
      expect(await collect(client.executeServerStream({ input: "abcd" }, soon()))).to.have.length(4);
      const bidi = await collectUntilFailure(
        client.executeClientServerStream([{ input: "1" }, { input: "missing" }], soon()),
      );
      expect(bidi.items).to.have.length(1);

      const unary = labels("unary", "Execute");
      const clientStream = labels("client_stream", "ExecuteClientStream");
      const serverStream = labels("server_stream", "ExecuteServerStream");
      const bidiStream = labels("bidi_stream", "ExecuteClientServerStream");
      // The server counts a cancel or a deadline when it sees it, which may be just after the client does.
      const samples = await scrapeUntil(
        registry,
        (got) => got.get(`grpc_server_handling_seconds_count{${unary}}`) === 4,
      );
      expect(
        Object.fromEntries([...samples].filter(([name]) => !name.includes("_bucket") && !name.includes("_sum"))),
      ).to.deep.equal({
        [`grpc_server_started_total{${unary}}`]: 4,
        [`grpc_server_started_total{${clientStream}}`]: 2,
        [`grpc_server_started_total{${serverStream}}`]: 1,
        [`grpc_server_started_total{${bidiStream}}`]: 1,
        [`grpc_server_handled_total{grpc_code=OK,${unary}}`]: 1,
        [`grpc_server_handled_total{grpc_code=NotFound,${unary}}`]: 1,
        [`grpc_server_handled_total{grpc_code=DeadlineExceeded,${unary}}`]: 1,
        [`grpc_server_handled_total{grpc_code=Canceled,${unary}}`]: 1,
        [`grpc_server_handled_total{grpc_code=OK,${clientStream}}`]: 1,
        [`grpc_server_handled_total{grpc_code=ResourceExhausted,${clientStream}}`]: 1,
        [`grpc_server_handled_total{grpc_code=OK,${serverStream}}`]: 1,
        [`grpc_server_handled_total{grpc_code=NotFound,${bidiStream}}`]: 1,
        [`grpc_server_msg_received_total{${unary}}`]: 4,
        [`grpc_server_msg_received_total{${clientStream}}`]: 3,
        [`grpc_server_msg_received_total{${serverStream}}`]: 1,
        [`grpc_server_msg_received_total{${bidiStream}}`]: 2,
        [`grpc_server_msg_sent_total{${unary}}`]: 1,
        [`grpc_server_msg_sent_total{${clientStream}}`]: 1,
        [`grpc_server_msg_sent_total{${serverStream}}`]: 4,
        [`grpc_server_msg_sent_total{${bidiStream}}`]: 1,
        [`grpc_server_handling_seconds_count{${unary}}`]: 4,
        [`grpc_server_handling_seconds_count{${clientStream}}`]: 2,
        [`grpc_server_handling_seconds_count{${serverStream}}`]: 1,
        [`grpc_server_handling_seconds_count{${bidiStream}}`]: 1,
      });
      expect(samples.get(`grpc_server_handling_seconds_bucket{${unary},le=+Inf}`)).to.equal(4);
    });
  });
}

describe("PrometheusMetrics", () => {
  it("keeps two servers' registries apart, and counts two instances on one registry together", async () => {
    const [first, second] = [new Registry(), new Registry()];
    await using one = await dummyClient({ interceptors: [new PrometheusMetrics({ registry: first })] });
    await using two = await dummyClient({
      interceptors: [new PrometheusMetrics({ registry: second }), new PrometheusMetrics({ registry: second })],
    });
    await one.execute({ input: "a" }, soon());
    await two.execute({ input: "a" }, soon());
    const started = `grpc_server_started_total{${labels("unary", "Execute")}}`;
    expect((await scrape(first)).get(started)).to.equal(1);
    expect((await scrape(second)).get(started)).to.equal(2);
  });

  it("uses the buckets it is given", async () => {
    const registry = new Registry();
    await using client = await dummyClient({ interceptors: [new PrometheusMetrics({ registry, buckets: [0.5, 1] })] });
    await client.execute({ input: "a" }, soon());
    const buckets = [...(await scrape(registry)).keys()].filter((name) =>
      name.startsWith("grpc_server_handling_seconds_bucket"),
    );
    expect(buckets.map((name) => /le=([^,}]+)/.exec(name)![1])).to.deep.equal(["0.5", "1", "+Inf"]);
  });

  it("rejects a bad registry or buckets, naming the option", () => {
    expect(() => new PrometheusMetrics({ registry: {} as Registry })).to.throw(
      TypeError,
      /PrometheusMetrics: options\.registry/,
    );
    expect(() => new PrometheusClientMetrics({ buckets: ["1"] as never })).to.throw(
      TypeError,
      /PrometheusClientMetrics: options\.buckets/,
    );
  });
});

describe("PrometheusClientMetrics", () => {
  it("counts the client's calls, messages and outcomes with grpc_client_* names", async () => {
    const registry = new Registry();
    await using client = await dummyClient({
      specialCases,
      clientInterceptors: [new PrometheusClientMetrics({ registry })],
    });
    await client.execute({ input: "a" }, soon());
    await failure(client.execute({ input: "missing" }, soon()));
    await client.executeClientStream([{ input: "x" }, { input: "y" }], soon());
    expect(await collect(client.executeServerStream({ input: "abc" }, soon()))).to.have.length(3);
    for await (const message of client.executeClientServerStream([{ input: "1" }, { input: "2" }], soon())) {
      expect(message.output).to.equal("1");
      break; // the caller stops reading: Canceled
    }
    // Cancelling the call after the caller's break reaches this interceptor a moment later.
    const cancelled = `grpc_client_handled_total{grpc_code=Canceled,${labels("bidi_stream", "ExecuteClientServerStream")}}`;
    const samples = await scrapeUntil(registry, (got) => got.has(cancelled));
    const get = (name: string) => samples.get(name);
    expect(get(`grpc_client_started_total{${labels("unary", "Execute")}}`)).to.equal(2);
    expect(get(`grpc_client_handled_total{grpc_code=OK,${labels("unary", "Execute")}}`)).to.equal(1);
    expect(get(`grpc_client_handled_total{grpc_code=NotFound,${labels("unary", "Execute")}}`)).to.equal(1);
    expect(get(`grpc_client_msg_sent_total{${labels("client_stream", "ExecuteClientStream")}}`)).to.equal(2);
    expect(get(`grpc_client_msg_received_total{${labels("server_stream", "ExecuteServerStream")}}`)).to.equal(3);
    expect(
      get(`grpc_client_handled_total{grpc_code=Canceled,${labels("bidi_stream", "ExecuteClientServerStream")}}`),
    ).to.equal(1);
    expect(get(`grpc_client_handling_seconds_count{${labels("unary", "Execute")}}`)).to.equal(2);
  });
});
