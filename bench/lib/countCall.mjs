// What a third-party call costs on its own, under the instrument of `--count` (bench/README.md): the
// reference figures next to the policies that make that call once per gRPC call.
//
//   node bench/lib/countCall.mjs [repeats] [operation ids…]
//
// For each operation, `repeats` fresh processes under callgrind (instrumentation off): 5,000 operations
// of warm-up, then a counted window of 1,000, one after the other; the figure is the window's
// instructions per operation. The asynchronous ones are awaited one at a time, as a policy awaits one
// per call; "await only" is what such a loop costs with nothing in it.
import { setImmediate } from "node:timers";
import { median, serveParent } from "./common.mjs";
import { spawnCounted } from "./valgrind.mjs";

const WARMUP = 5_000;
const WINDOW = 1_000;
/** The message the unary scenarios send, as the server decodes it. */
const MESSAGE = { input: "bench-0123456789" };

/** Each operation: a label and a factory of `() => result or promise`, made once per process. */
const OPERATIONS = {
  awaitOnly: ["await only (a loop awaiting `undefined`)", async () => () => undefined],
  consume: [
    "rate-limiter-flexible `RateLimiterMemory.consume(ip)` (points 1e9, duration 1)",
    async () => {
      const { RateLimiterMemory } = await import("rate-limiter-flexible");
      const limiter = new RateLimiterMemory({ points: 1e9, duration: 1 });
      return () => limiter.consume("127.0.0.1");
    },
  ],
  safeParse: [
    "zod `z.object({ input: z.string().min(1) }).safeParse(message)`",
    async () => {
      const { z } = await import("zod");
      const schema = z.object({ input: z.string().min(1) });
      return () => schema.safeParse(MESSAGE);
    },
  ],
  standardValidate: [
    'the same schema\'s `["~standard"].validate(message)` (what Validate calls)',
    async () => {
      const { z } = await import("zod");
      const schema = z.object({ input: z.string().min(1) });
      return () => schema["~standard"].validate(MESSAGE);
    },
  ],
  promClient: [
    "prom-client: what PrometheusMetrics records per unary call (3 counter children `inc()`, one `inc()` of the code's child, one histogram child `observe()`)",
    async () => {
      const { Counter, Histogram, Registry } = await import("prom-client");
      const registers = [new Registry()];
      const labelNames = ["grpc_type", "grpc_service", "grpc_method"];
      const labels = { grpc_type: "unary", grpc_service: "DummyService", grpc_method: "Execute" };
      const counter = (name, extra = []) =>
        new Counter({ name, help: name, labelNames: [...labelNames, ...extra], registers });
      const [started, received, sent] = ["started", "received", "sent"].map((name) => counter(name).labels(labels));
      const handled = counter("handled", ["grpc_code"]).labels({ ...labels, grpc_code: "OK" });
      const handling = new Histogram({ name: "seconds", help: "s", labelNames, registers }).labels(labels);
      return () => {
        started.inc();
        received.inc();
        sent.inc();
        handled.inc();
        handling.observe(0.0004);
      };
    },
  ],
  openTelemetrySdk: [
    "@opentelemetry/sdk-metrics: what OpenTelemetryMetrics records per call (one counter `add`, three histogram `record`s)",
    async () => {
      const { MeterProvider, MetricReader } = await import("@opentelemetry/sdk-metrics");
      class HeldReader extends MetricReader {
        async onForceFlush() {}
        async onShutdown() {}
      }
      const meter = new MeterProvider({ readers: [new HeldReader()] }).getMeter("bench");
      const started = meter.createCounter("started");
      const [duration, sentBytes, receivedBytes] = ["duration", "sent", "received"].map((name) =>
        meter.createHistogram(name),
      );
      const method = { "grpc.method": "DummyService/Execute" };
      const withStatus = { ...method, "grpc.status": "OK" };
      return () => {
        started.add(1, method);
        duration.record(0.0004, withStatus);
        sentBytes.record(18, withStatus);
        receivedBytes.record(18, withStatus);
      };
    },
  ],
};

const only = process.argv.slice(3);

if (process.argv[2] === "--child") {
  const operation = await OPERATIONS[process.argv[3]][1]();
  const run = async (count) => {
    for (let i = 0; i < count; i++) await operation();
    return count;
  };
  serveParent(async (request) => {
    if (request.type === "run") return run(request.count);
    if (request.type === "exit") {
      setImmediate(() => process.exit(0));
      return null;
    }
    throw new Error(`unknown request ${request.type}`);
  });
  process.send({ type: "ready" });
} else {
  const repeats = Number(process.argv[2] ?? 3);
  console.log(`| operation | instructions per operation (median of ${repeats}) | spread |`);
  console.log("| --- | ---: | ---: |");
  for (const [id, [label]] of Object.entries(OPERATIONS).filter(([id]) => only.length === 0 || only.includes(id))) {
    const figures = [];
    for (let i = 0; i < repeats; i++) {
      const counted = spawnCounted("./countCall.mjs", ["--child", id]);
      await counted.first;
      await counted.call({ type: "run", count: WARMUP });
      const { instructions } = await counted.window(() => counted.call({ type: "run", count: WINDOW }));
      await counted.call({ type: "exit" });
      await counted.exited;
      figures.push(instructions / WINDOW);
    }
    const mid = median(figures);
    const spread = (Math.max(...figures) - Math.min(...figures)) / mid;
    console.log(`| ${label} | ${Math.round(mid).toLocaleString("en-US")} | ${(spread * 100).toFixed(1)} % |`);
  }
}
