/**
 * `grpc-interceptor/prometheus`: server and client metrics for Prometheus with go-grpc-prometheus's names,
 * so existing dashboards and alert rules work. Needs the peer dependency `prom-client`.
 * @module grpc-interceptor/prometheus
 */
export { PrometheusMetrics } from "./metrics/PrometheusMetrics.js";
export { PrometheusClientMetrics } from "./metrics/PrometheusClientMetrics.js";
export type { PrometheusOptions } from "./metrics/prometheusMetricSet.js";
