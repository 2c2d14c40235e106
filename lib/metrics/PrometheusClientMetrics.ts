/* eslint-disable @typescript-eslint/no-explicit-any -- requests and responses are user messages of any type */
import { ClientInterceptor } from "../client/ClientInterceptor.js";
import type { ClientCallDetails, ClientMethod } from "../client/ClientCallDetails.js";
import { goCodeName, methodLabels } from "./callLabels.js";
import { observeClientCall } from "./clientCall.js";
import { prometheusMetricSet, type PrometheusMetricSet, type PrometheusOptions } from "./prometheusMetricSet.js";

/**
 * Client metrics for Prometheus with go-grpc-prometheus's names and labels: `grpc_client_started_total`,
 * `grpc_client_handled_total` (`grpc_code`), `grpc_client_msg_received_total`, `grpc_client_msg_sent_total`
 * and `grpc_client_handling_seconds`. Install it first in a grpc-js client's `interceptors`. A stream the
 * caller stops reading counts as `Canceled`.
 *
 * @example new GreeterClient(address, credentials.createInsecure(), { interceptors: [new PrometheusClientMetrics()] });
 */
export class PrometheusClientMetrics extends ClientInterceptor {
  private readonly metrics: PrometheusMetricSet;

  /** @param options - the registry (default prom-client's) and the histogram's buckets. */
  constructor(options: PrometheusOptions = {}) {
    super();
    this.metrics = prometheusMetricSet("client", options, "PrometheusClientMetrics");
  }

  /** Counts the call, its messages and its outcome. */
  intercept(method: ClientMethod, requestOrIterator: any, callDetails: ClientCallDetails): any {
    const started = performance.now();
    return observeClientCall(method, requestOrIterator, callDetails, (kind) => {
      const labels = { ...methodLabels(callDetails.method, kind) };
      this.metrics.started.inc(labels);
      return {
        sent: () => this.metrics.sent.inc(labels),
        received: () => this.metrics.received.inc(labels),
        ended: (code) => {
          this.metrics.handled.inc({ ...labels, grpc_code: goCodeName(code) });
          this.metrics.handling.observe(labels, (performance.now() - started) / 1000);
        },
      };
    });
  }
}
