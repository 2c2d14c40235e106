// Prometheus and OpenTelemetry metrics side by side: a server whose calls are counted by both, a
// `/metrics` endpoint on a loopback HTTP port next to the gRPC server, and a scrape of it printed.
// Run it with `npx tsx examples/metrics/prometheus.ts` (after `npm run build` in this repository).
import { createServer } from "node:http";
import { once } from "node:events";
import { Registry } from "prom-client";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { NotFound } from "grpc-interceptor/exceptions";
import { OpenTelemetryMetrics } from "grpc-interceptor/opentelemetry";
import { PrometheusMetrics } from "grpc-interceptor/prometheus";
import { dummyClient, raises } from "grpc-interceptor/testing";

async function main(): Promise<void> {
  const registry = new Registry();
  const meterProvider = new MeterProvider(); // add your exporter's reader here
  await using client = await dummyClient({
    specialCases: { missing: raises(new NotFound("no such book")) },
    interceptors: [new PrometheusMetrics({ registry }), new OpenTelemetryMetrics({ meterProvider })],
  });

  const http = createServer((request, response) => {
    if (request.url !== "/metrics") return void response.writeHead(404).end();
    void registry.metrics().then((text) => response.writeHead(200, { "content-type": registry.contentType }).end(text));
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const { port } = http.address() as { port: number };

  await client.execute({ input: "hello" });
  await client.execute({ input: "missing" }).catch(() => {});
  for await (const message of client.executeServerStream({ input: "abc" })) void message;

  const scrape = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  for (const line of scrape.split("\n")) {
    if (/^grpc_server_(started|handled|msg_sent)_total/.test(line)) console.log(line);
  }
  http.close();
}

void main();
