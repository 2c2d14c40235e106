import { Counter, Histogram, register, type Registry } from "prom-client";

/** Options of the Prometheus interceptors. */
export interface PrometheusOptions {
  /** Where the metrics are registered; default prom-client's default registry. Two interceptors on one registry count into the same metrics. */
  registry?: Registry;
  /** The latency histogram's buckets in seconds; default prom-client's (Prometheus's usual defaults). */
  buckets?: number[];
}

const LABELS = ["grpc_type", "grpc_service", "grpc_method"] as const;

/** go-grpc-prometheus's five metrics of one side (`"server"` or `"client"`), registered once per registry. */
export interface PrometheusMetricSet {
  readonly started: Counter<string>;
  readonly handled: Counter<string>;
  readonly received: Counter<string>;
  readonly sent: Counter<string>;
  readonly handling: Histogram<string>;
}

// go-grpc-prometheus's names and help texts (server_metrics.go, client_metrics.go).
const HELP = {
  server: {
    started: "Total number of RPCs started on the server.",
    handled: "Total number of RPCs completed on the server, regardless of success or failure.",
    received: "Total number of RPC stream messages received on the server.",
    sent: "Total number of gRPC stream messages sent by the server.",
    handling: "Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.",
  },
  client: {
    started: "Total number of RPCs started on the client.",
    handled: "Total number of RPCs completed by the client, regardless of success or failure.",
    received: "Total number of RPC stream messages received by the client.",
    sent: "Total number of gRPC stream messages sent by the client.",
    handling: "Histogram of response latency (seconds) of the gRPC until it is finished by the application.",
  },
};

/**
 * The metrics of `side` on `options.registry`: the ones already there (another interceptor's), or new.
 * @throws TypeError naming the option for a bad registry or buckets.
 */
export function prometheusMetricSet(
  side: "server" | "client",
  options: PrometheusOptions,
  where: string,
): PrometheusMetricSet {
  const { registry = register, buckets } = options;
  if (typeof registry?.getSingleMetric !== "function") {
    throw new TypeError(`${where}: options.registry is not a prom-client Registry`);
  }
  if (buckets !== undefined && !(Array.isArray(buckets) && buckets.every((bucket) => Number.isFinite(bucket)))) {
    throw new TypeError(`${where}: options.buckets must be an array of finite numbers (seconds)`);
  }
  const help = HELP[side];
  const name = (metric: string) => `grpc_${side}_${metric}`;
  const counter = (metric: string, text: string, labels: readonly string[] = LABELS) =>
    (registry.getSingleMetric(name(metric)) as Counter<string> | undefined) ??
    new Counter({ name: name(metric), help: text, labelNames: labels, registers: [registry] });
  return {
    started: counter("started_total", help.started),
    handled: counter("handled_total", help.handled, [...LABELS, "grpc_code"]),
    received: counter("msg_received_total", help.received),
    sent: counter("msg_sent_total", help.sent),
    handling:
      (registry.getSingleMetric(name("handling_seconds")) as Histogram<string> | undefined) ??
      new Histogram({
        name: name("handling_seconds"),
        help: help.handling,
        labelNames: LABELS,
        registers: [registry],
        ...(buckets ? { buckets } : {}),
      }),
  };
}
