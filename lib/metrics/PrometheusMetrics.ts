/* eslint-disable @typescript-eslint/no-explicit-any -- requests and responses are user messages of any type */
import type { Counter, Histogram } from "prom-client";
import type { ServerCallContext } from "../server/ServerCallContext.js";
import { ServerInterceptor, type ServerMethod } from "../server/ServerInterceptor.js";
import { goCodeName, methodLabels } from "./callLabels.js";
import { countMessages } from "./countMessages.js";
import { prometheusMetricSet, type PrometheusMetricSet, type PrometheusOptions } from "./prometheusMetricSet.js";

/** One method's label children, made on its first call. */
interface MethodMeters {
  readonly started: Counter.Internal;
  readonly received: Counter.Internal;
  readonly sent: Counter.Internal;
  readonly handling: Histogram.Internal<string>;
  readonly labels: Record<string, string>;
  readonly handled: Map<number, Counter.Internal>;
}

/**
 * Server metrics for Prometheus with go-grpc-prometheus's names, labels and code spellings, so existing
 * Grafana dashboards and alert rules work: `grpc_server_started_total`, `grpc_server_handled_total`
 * (`grpc_code`: `OK`, `NotFound`, …), `grpc_server_msg_received_total`, `grpc_server_msg_sent_total` and
 * `grpc_server_handling_seconds` (always on), labelled `grpc_type`, `grpc_service`, `grpc_method`. List it
 * first in `options.interceptors`: every call counts once, with the status the client got, policy
 * refusals, cancels and deadlines included. Messages count as go-grpc-prometheus counts them: a request
 * when the handler takes it, a response when the handler gives it.
 *
 * @example bootstrap(GreeterService, new Greeter(), { interceptors: [new PrometheusMetrics({ registry })] });
 */
export class PrometheusMetrics extends ServerInterceptor {
  private readonly metrics: PrometheusMetricSet;
  private readonly methods = new Map<string, MethodMeters>();

  /** @param options - the registry (default prom-client's) and the histogram's buckets. */
  constructor(options: PrometheusOptions = {}) {
    super();
    this.metrics = prometheusMetricSet("server", options, "PrometheusMetrics");
  }

  /** Counts the call, its messages and its outcome. */
  intercept(method: ServerMethod, requestOrIterator: any, context: ServerCallContext, methodName: string): any {
    const meters = this.meters(methodName, context);
    meters.started.inc();
    context.onComplete(({ code, durationMs }) => {
      let handled = meters.handled.get(code);
      if (!handled) {
        handled = this.metrics.handled.labels({ ...meters.labels, grpc_code: goCodeName(code) });
        meters.handled.set(code, handled);
      }
      handled.inc();
      meters.handling.observe(durationMs / 1000);
    });
    const count = (): void => meters.received.inc();
    const sent = (): void => meters.sent.inc();
    if (context.kind === "clientStream" || context.kind === "bidi") {
      requestOrIterator = countMessages(requestOrIterator as AsyncIterable<unknown>, count);
    } else count();
    if (context.kind === "unary" || context.kind === "clientStream") {
      return Promise.resolve(method(requestOrIterator, context)).then((response: unknown) => (sent(), response));
    }
    return countMessages(method(requestOrIterator, context) as AsyncIterable<unknown>, sent);
  }

  private meters(methodName: string, context: ServerCallContext): MethodMeters {
    let meters = this.methods.get(methodName);
    if (!meters) {
      const labels = { ...methodLabels(methodName, context.kind) };
      meters = {
        labels,
        started: this.metrics.started.labels(labels),
        received: this.metrics.received.labels(labels),
        sent: this.metrics.sent.labels(labels),
        handling: this.metrics.handling.labels(labels),
        handled: new Map(),
      };
      this.methods.set(methodName, meters);
    }
    return meters;
  }
}
