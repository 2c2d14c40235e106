/**
 * `grpc-interceptor/opentelemetry`: server and client metrics with gRFC A66's instruments and attributes,
 * as grpc-java, grpc-go and gRPC C++ record them. Needs the peer dependency `@opentelemetry/api`.
 * @module grpc-interceptor/opentelemetry
 */
export { OpenTelemetryMetrics, type OpenTelemetryOptions } from "./metrics/OpenTelemetryMetrics.js";
export { OpenTelemetryClientMetrics, type OpenTelemetryClientOptions } from "./metrics/OpenTelemetryClientMetrics.js";
