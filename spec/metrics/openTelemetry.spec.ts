import { expect } from "chai";
import { status } from "@grpc/grpc-js";
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  MetricReader,
  type HistogramMetricData,
  type MetricData,
} from "@opentelemetry/sdk-metrics";
import { RateLimiterMemory } from "rate-limiter-flexible";
import { RateLimit } from "grpc-interceptor";
import { NotFound } from "grpc-interceptor/exceptions";
import { OpenTelemetryClientMetrics, OpenTelemetryMetrics } from "grpc-interceptor/opentelemetry";
import { PrometheusMetrics } from "grpc-interceptor/prometheus";
import { DummyRequest, DummyResponse, dummyClient, raises } from "grpc-interceptor/testing";
import { Registry } from "prom-client";
import { collect, collectUntilFailure, failure, sleep, soon } from "../support/calls.js";
import { handlerStyles } from "../support/styles.js";

/** A reader the test pulls from: the OpenTelemetry SDK's own aggregation, read back after the calls. */
class PullReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** `name{attributes}` → a counter's value or a histogram's { count, sum }. */
async function readMetrics(reader: PullReader) {
  const { resourceMetrics } = await reader.collect();
  const found = new Map<string, number | { count: number; sum: number }>();
  const units = new Map<string, string>();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics as MetricData[]) {
      units.set(metric.descriptor.name, metric.descriptor.unit);
      for (const point of metric.dataPoints) {
        const attributes = Object.entries(point.attributes)
          .map(([key, value]) => `${key}=${String(value)}`)
          .sort()
          .join(",");
        const key = `${metric.descriptor.name}{${attributes}}`;
        if (metric.dataPointType === DataPointType.HISTOGRAM) {
          const { count, sum } = (point as HistogramMetricData["dataPoints"][number]).value;
          found.set(key, { count, sum: sum ?? 0 });
        } else found.set(key, point.value as number);
      }
    }
  }
  return { found, units };
}

const requestBytes = (input: string) => DummyRequest.encode({ input }).finish().length;
const responseBytes = (output: string) => DummyResponse.encode({ output }).finish().length;

for (const handlerStyle of handlerStyles) {
  describe(`OpenTelemetryMetrics (${handlerStyle} style)`, () => {
    it("records gRFC A66's server instruments: every kind and outcome once, sizes as serialized", async () => {
      const reader = new PullReader();
      const meterProvider = new MeterProvider({ readers: [reader] });
      await using client = await dummyClient({
        handlerStyle,
        specialCases: { missing: raises(new NotFound("no")) },
        interceptors: [new OpenTelemetryMetrics({ meterProvider })],
        methods: {
          executeClientStream: {
            policies: [RateLimit({ limiter: new RateLimiterMemory({ points: 1, duration: 60 }) })],
          },
        },
      });
      await client.execute({ input: "hello" }, soon());
      await failure(client.execute({ input: "missing" }, soon()));
      await client.executeClientStream([{ input: "ab" }, { input: "cde" }], soon());
      expect((await failure(client.executeClientStream([{ input: "x" }], soon()))).code).to.equal(
        status.RESOURCE_EXHAUSTED,
      );
      expect(await collect(client.executeServerStream({ input: "xyz" }, soon()))).to.have.length(3);
      const bidi = await collectUntilFailure(
        client.executeClientServerStream([{ input: "q" }, { input: "missing" }], soon()),
      );
      expect(bidi.items).to.have.length(1);
      await sleep(50);
      const { found, units } = await readMetrics(reader);
      const m = (name: string) => `grpc.method=DummyService/${name}`;
      expect(found.get(`grpc.server.call.started{${m("Execute")}}`)).to.equal(2);
      expect(found.get(`grpc.server.call.started{${m("ExecuteClientStream")}}`)).to.equal(2);
      expect(found.get(`grpc.server.call.duration{${m("Execute")},grpc.status=OK}`)).to.include({ count: 1 });
      expect(found.get(`grpc.server.call.duration{${m("Execute")},grpc.status=NOT_FOUND}`)).to.include({ count: 1 });
      expect(
        found.get(`grpc.server.call.duration{${m("ExecuteClientStream")},grpc.status=RESOURCE_EXHAUSTED}`),
      ).to.include({ count: 1 });
      expect(
        found.get(`grpc.server.call.rcvd_total_compressed_message_size{${m("Execute")},grpc.status=OK}`),
      ).to.deep.equal({
        count: 1,
        sum: requestBytes("hello"),
      });
      expect(
        found.get(`grpc.server.call.sent_total_compressed_message_size{${m("Execute")},grpc.status=OK}`),
      ).to.deep.equal({
        count: 1,
        sum: responseBytes("hello"),
      });
      expect(
        found.get(`grpc.server.call.sent_total_compressed_message_size{${m("Execute")},grpc.status=NOT_FOUND}`),
      ).to.deep.equal({
        count: 1,
        sum: 0,
      });
      expect(
        found.get(`grpc.server.call.rcvd_total_compressed_message_size{${m("ExecuteClientStream")},grpc.status=OK}`),
      ).to.deep.equal({
        count: 1,
        sum: requestBytes("ab") + requestBytes("cde"),
      });
      expect(
        found.get(`grpc.server.call.sent_total_compressed_message_size{${m("ExecuteServerStream")},grpc.status=OK}`),
      ).to.deep.equal({
        count: 1,
        sum: 3 * responseBytes("x"),
      });
      expect(
        found.get(`grpc.server.call.duration{${m("ExecuteClientServerStream")},grpc.status=NOT_FOUND}`),
      ).to.include({ count: 1 });
      expect(Object.fromEntries(units)).to.deep.equal({
        "grpc.server.call.started": "{call}",
        "grpc.server.call.duration": "s",
        "grpc.server.call.sent_total_compressed_message_size": "By",
        "grpc.server.call.rcvd_total_compressed_message_size": "By",
      });
    });
  });
}

describe("OpenTelemetryClientMetrics", () => {
  it("records gRFC A66's client instruments, attempt and call, with grpc.target when given", async () => {
    const reader = new PullReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    await using client = await dummyClient({
      specialCases: { missing: raises(new NotFound("no")) },
      clientInterceptors: [new OpenTelemetryClientMetrics({ meterProvider, target: "dns:///echo.internal:443" })],
    });
    await client.execute({ input: "hello" }, soon());
    await failure(client.execute({ input: "missing" }, soon()));
    expect(await collect(client.executeServerStream({ input: "ab" }, soon()))).to.have.length(2);
    const { found } = await readMetrics(reader);
    const attributes = (method: string, code?: string) =>
      [
        `grpc.method=DummyService/${method}`,
        ...(code ? [`grpc.status=${code}`] : []),
        "grpc.target=dns:///echo.internal:443",
      ]
        .sort()
        .join(",");
    expect(found.get(`grpc.client.attempt.started{${attributes("Execute")}}`)).to.equal(2);
    expect(found.get(`grpc.client.attempt.duration{${attributes("Execute", "OK")}}`)).to.include({ count: 1 });
    expect(found.get(`grpc.client.call.duration{${attributes("Execute", "NOT_FOUND")}}`)).to.include({ count: 1 });
    expect(
      found.get(`grpc.client.attempt.sent_total_compressed_message_size{${attributes("Execute", "OK")}}`),
    ).to.deep.equal({
      count: 1,
      sum: requestBytes("hello"),
    });
    expect(
      found.get(`grpc.client.attempt.rcvd_total_compressed_message_size{${attributes("Execute", "OK")}}`),
    ).to.deep.equal({
      count: 1,
      sum: responseBytes("hello"),
    });
    expect(
      found.get(`grpc.client.attempt.rcvd_total_compressed_message_size{${attributes("ExecuteServerStream", "OK")}}`),
    ).to.deep.equal({ count: 1, sum: 2 * responseBytes("a") });
  });
});

describe("metrics: both systems at once", () => {
  it("counts the same calls in Prometheus and OpenTelemetry", async () => {
    const reader = new PullReader();
    const registry = new Registry();
    await using client = await dummyClient({
      interceptors: [
        new PrometheusMetrics({ registry }),
        new OpenTelemetryMetrics({ meterProvider: new MeterProvider({ readers: [reader] }) }),
      ],
    });
    await client.execute({ input: "a" }, soon());
    await client.execute({ input: "b" }, soon());
    expect((await registry.getSingleMetricAsString("grpc_server_started_total")).split("\n").at(-1)).to.match(/ 2$/);
    expect(
      (await readMetrics(reader)).found.get("grpc.server.call.started{grpc.method=DummyService/Execute}"),
    ).to.equal(2);
  });

  it("rejects a bad meter provider or target, naming the option", () => {
    expect(() => new OpenTelemetryMetrics({ meterProvider: {} as never })).to.throw(
      TypeError,
      /OpenTelemetryMetrics: options\.meterProvider/,
    );
    expect(() => new OpenTelemetryClientMetrics({ target: 42 as never })).to.throw(TypeError, /options\.target/);
  });
});
