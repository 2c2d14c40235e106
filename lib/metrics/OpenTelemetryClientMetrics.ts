/* eslint-disable @typescript-eslint/no-explicit-any -- requests and responses are user messages of any type */
import type { Attributes, Counter, Histogram } from "@opentelemetry/api";
import { ClientInterceptor } from "../client/ClientInterceptor.js";
import type { ClientCallDetails, ClientMethod } from "../client/ClientCallDetails.js";
import { measuringBytes, type MessageBytes } from "../client/messageBytes.js";
import { LATENCY_BUCKETS, SIZE_BUCKETS } from "./a66.js";
import { a66Method, a66StatusName } from "./callLabels.js";
import { observeClientCall } from "./clientCall.js";
import { meterOf, type OpenTelemetryOptions } from "./OpenTelemetryMetrics.js";

/** Options of {@link OpenTelemetryClientMetrics}. */
export interface OpenTelemetryClientOptions extends OpenTelemetryOptions {
  /** The client's target (`"dns:///greeter.internal:443"`), recorded as A66's `grpc.target`; omitted when not given. */
  target?: string;
}

/**
 * Client metrics for OpenTelemetry with gRFC A66's instruments, units and attributes:
 * `grpc.client.attempt.started`, `grpc.client.attempt.duration`,
 * `grpc.client.attempt.sent_total_compressed_message_size`,
 * `grpc.client.attempt.rcvd_total_compressed_message_size` and `grpc.client.call.duration`, with
 * `grpc.method`, `grpc.status` and (given `target`) `grpc.target`. An attempt is each time this
 * interceptor's `method` runs: one per call, unless an interceptor inside it retries. Install it first
 * in a grpc-js client's `interceptors`.
 */
export class OpenTelemetryClientMetrics extends ClientInterceptor {
  private readonly attemptStarted: Counter;
  private readonly attemptDuration: Histogram;
  private readonly sentBytes: Histogram;
  private readonly receivedBytes: Histogram;
  private readonly callDuration: Histogram;
  private readonly target: Attributes;

  /** @param options - the meter provider (default the global one) and the client's target. */
  constructor(options: OpenTelemetryClientOptions = {}) {
    super();
    if (options.target !== undefined && typeof options.target !== "string") {
      throw new TypeError("OpenTelemetryClientMetrics: options.target must be a string");
    }
    this.target = options.target === undefined ? {} : { "grpc.target": options.target };
    const meter = meterOf(options, "OpenTelemetryClientMetrics");
    const latency = { unit: "s", advice: { explicitBucketBoundaries: [...LATENCY_BUCKETS] } };
    const size = { unit: "By", advice: { explicitBucketBoundaries: [...SIZE_BUCKETS] } };
    this.attemptStarted = meter.createCounter("grpc.client.attempt.started", {
      unit: "{attempt}",
      description: "The total number of RPC attempts started, including those that have not completed.",
    });
    this.attemptDuration = meter.createHistogram("grpc.client.attempt.duration", {
      ...latency,
      description: "End-to-end time taken to complete an RPC attempt.",
    });
    this.sentBytes = meter.createHistogram("grpc.client.attempt.sent_total_compressed_message_size", {
      ...size,
      description:
        "Total bytes (compressed but not encrypted) sent across all request messages (metadata excluded) per RPC attempt.",
    });
    this.receivedBytes = meter.createHistogram("grpc.client.attempt.rcvd_total_compressed_message_size", {
      ...size,
      description:
        "Total bytes (compressed but not encrypted) received across all response messages (metadata excluded) per RPC attempt.",
    });
    this.callDuration = meter.createHistogram("grpc.client.call.duration", {
      ...latency,
      description: "The end-to-end time the gRPC library takes to complete an RPC from the application's perspective.",
    });
  }

  /** Records the attempt and the call: start, duration, message sizes, status. */
  intercept(method: ClientMethod, requestOrIterator: any, callDetails: ClientCallDetails): any {
    const started = performance.now();
    const attributes: Attributes = { "grpc.method": a66Method(callDetails.method), ...this.target };
    const bytes: MessageBytes = { sent: 0, received: 0 };
    this.attemptStarted.add(1, attributes);
    return observeClientCall(method, requestOrIterator, measuringBytes(callDetails, bytes), () => ({
      sent: () => {},
      received: () => {},
      ended: (code) => {
        const seconds = (performance.now() - started) / 1000;
        const withStatus = { ...attributes, "grpc.status": a66StatusName(code) };
        this.attemptDuration.record(seconds, withStatus);
        this.sentBytes.record(bytes.sent, withStatus);
        this.receivedBytes.record(bytes.received, withStatus);
        this.callDuration.record(seconds, withStatus);
      },
    }));
  }
}
