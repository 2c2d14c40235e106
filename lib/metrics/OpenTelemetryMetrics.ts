/* eslint-disable @typescript-eslint/no-explicit-any -- requests and responses are user messages of any type */
import { metrics, type Attributes, type Counter, type Histogram, type MeterProvider } from "@opentelemetry/api";
import type { ServerCallContext } from "../server/ServerCallContext.js";
import { ServerInterceptor, type ServerMethod } from "../server/ServerInterceptor.js";
import type { CallContext } from "../server/CallContext.js";
import { countMessageBytes, messageBytes } from "../server/wire.js";
import { LATENCY_BUCKETS, METER_NAME, SIZE_BUCKETS } from "./a66.js";
import { a66Method, a66StatusName } from "./callLabels.js";

/** Options of {@link OpenTelemetryMetrics} and {@link OpenTelemetryClientMetrics}. */
export interface OpenTelemetryOptions {
  /** Where the meters come from; default the global one of `@opentelemetry/api`. */
  meterProvider?: MeterProvider;
}

/**
 * Server metrics for OpenTelemetry with gRFC A66's instruments, units and attributes, as grpc-java,
 * grpc-go and gRPC C++ record them: `grpc.server.call.started` (`{call}`), `grpc.server.call.duration`
 * (`s`), `grpc.server.call.sent_total_compressed_message_size` and
 * `grpc.server.call.rcvd_total_compressed_message_size` (`By`, the serialized size of the call's
 * messages), with `grpc.method` (`"acme.v1.Echo/Execute"`) and `grpc.status` (`"OK"`, `"NOT_FOUND"`…).
 * List it first in `options.interceptors`: every call counts once, with the status the client got.
 */
export class OpenTelemetryMetrics extends ServerInterceptor {
  private readonly started: Counter;
  private readonly duration: Histogram;
  private readonly sentBytes: Histogram;
  private readonly receivedBytes: Histogram;
  private readonly attributes = new Map<string, { method: Attributes; byCode: Map<number, Attributes> }>();

  /** @param options - the meter provider; default the global one. */
  constructor(options: OpenTelemetryOptions = {}) {
    super();
    const meter = meterOf(options, "OpenTelemetryMetrics");
    countMessageBytes();
    this.started = meter.createCounter("grpc.server.call.started", {
      unit: "{call}",
      description: "The total number of RPCs started, including those that have not completed.",
    });
    this.duration = meter.createHistogram("grpc.server.call.duration", {
      unit: "s",
      description: "Time between first byte of request received to last byte of response sent, or terminal error.",
      advice: { explicitBucketBoundaries: [...LATENCY_BUCKETS] },
    });
    this.sentBytes = meter.createHistogram("grpc.server.call.sent_total_compressed_message_size", {
      unit: "By",
      description:
        "Total bytes (compressed but not encrypted) sent across all response messages (metadata excluded) per RPC.",
      advice: { explicitBucketBoundaries: [...SIZE_BUCKETS] },
    });
    this.receivedBytes = meter.createHistogram("grpc.server.call.rcvd_total_compressed_message_size", {
      unit: "By",
      description:
        "Total bytes (compressed but not encrypted) received across all request messages (metadata excluded) per RPC.",
      advice: { explicitBucketBoundaries: [...SIZE_BUCKETS] },
    });
  }

  /** Records the call's start, and its duration and message sizes once it is over. */
  intercept(method: ServerMethod, requestOrIterator: any, context: ServerCallContext, methodName: string): any {
    let attributes = this.attributes.get(methodName);
    if (!attributes) {
      attributes = { method: { "grpc.method": a66Method(methodName) }, byCode: new Map() };
      this.attributes.set(methodName, attributes);
    }
    const { method: methodAttributes, byCode } = attributes;
    this.started.add(1, methodAttributes);
    const { wire } = context as CallContext;
    context.onComplete(({ code, durationMs }) => {
      const bytes = messageBytes(wire);
      let withStatus = byCode.get(code);
      if (!withStatus) {
        withStatus = { ...methodAttributes, "grpc.status": a66StatusName(code) };
        byCode.set(code, withStatus);
      }
      this.duration.record(durationMs / 1000, withStatus);
      this.sentBytes.record(bytes.sent, withStatus);
      this.receivedBytes.record(bytes.received, withStatus);
    });
    return method(requestOrIterator, context);
  }
}

/** The meter of `options.meterProvider`, or of the global provider. @throws TypeError naming the option. */
export function meterOf(options: OpenTelemetryOptions, where: string) {
  const provider = options.meterProvider ?? metrics.getMeterProvider();
  if (typeof provider?.getMeter !== "function") {
    throw new TypeError(`${where}: options.meterProvider is not an OpenTelemetry MeterProvider`);
  }
  return provider.getMeter(METER_NAME);
}
