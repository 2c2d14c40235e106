// A service in the middle of the chain (A, B): every call is forwarded as the same kind of call to the
// next service, through a client with Propagate; what it saw is recorded.
import { once } from "node:events";
import { Metadata, type ClientWritableStream, type ServiceError } from "@grpc/grpc-js";
import { currentCall, type ServerCallContext } from "grpc-interceptor";
import { GrpcException } from "grpc-interceptor/exceptions";
import type { DummyRequest, DummyResponse, DummyServiceClient } from "grpc-interceptor/testing";

/** Options of a {@link Relay}: what it adds to the calls it makes. */
export interface RelayOptions {
  /** Its own deadline for each downstream call, in ms from the start of the call. */
  deadlineMs?: number;
  /** Its own x-request-id on each downstream call. */
  requestId?: string;
}

/** What a relay saw of one server call and of the downstream call it made. */
export interface RelayRecord {
  /** When the server call's signal aborted (epoch ms), if it did. */
  abortedAt?: number;
  /** The status code of the signal's reason: CANCELLED, or DEADLINE_EXCEEDED when the deadline passed. */
  abortCode?: number;
  /** The code the downstream call failed with, if it failed. */
  downstreamCode?: number;
  /** Whether currentCall() was this call's context in the handler. */
  inScope: boolean;
}

export class Relay {
  readonly records: RelayRecord[] = [];

  constructor(
    private readonly next: () => DummyServiceClient,
    private readonly options: RelayOptions = {},
  ) {}

  execute(request: DummyRequest, context: ServerCallContext): Promise<DummyResponse> {
    const record = this.record(context);
    return this.watch(
      record,
      new Promise((resolve, reject) =>
        this.next().execute(request, this.metadata(), this.callOptions(), (error, response) =>
          error ? reject(error) : resolve(response!),
        ),
      ),
    );
  }

  executeClientStream(requests: AsyncIterable<DummyRequest>, context: ServerCallContext): Promise<DummyResponse> {
    const record = this.record(context);
    let call!: ReturnType<DummyServiceClient["executeClientStream"]>;
    const response = new Promise<DummyResponse>((resolve, reject) => {
      call = this.next().executeClientStream(this.metadata(), this.callOptions(), (error, reply) =>
        error ? reject(error) : resolve(reply!),
      );
    });
    void pump(requests, call);
    return this.watch(record, response);
  }

  async *executeServerStream(request: DummyRequest, context: ServerCallContext): AsyncGenerator<DummyResponse> {
    const record = this.record(context);
    const call = this.next().executeServerStream(request, this.metadata(), this.callOptions());
    yield* this.forward(record, call);
  }

  async *executeClientServerStream(
    requests: AsyncIterable<DummyRequest>,
    context: ServerCallContext,
  ): AsyncGenerator<DummyResponse> {
    const record = this.record(context);
    const call = this.next().executeClientServerStream(this.metadata(), this.callOptions());
    void pump(requests, call);
    yield* this.forward(record, call);
  }

  private record(context: ServerCallContext): RelayRecord {
    const record: RelayRecord = { inScope: currentCall() === context };
    context.signal.addEventListener(
      "abort",
      () => {
        record.abortedAt = Date.now();
        record.abortCode = (context.signal.reason as GrpcException).statusCode;
      },
      { once: true },
    );
    this.records.push(record);
    return record;
  }

  private async watch<T>(record: RelayRecord, call: Promise<T>): Promise<T> {
    try {
      return await call;
    } catch (error) {
      throw this.failed(record, error);
    }
  }

  private async *forward(record: RelayRecord, responses: AsyncIterable<DummyResponse>): AsyncGenerator<DummyResponse> {
    try {
      for await (const response of responses) yield response;
    } catch (error) {
      throw this.failed(record, error);
    }
  }

  // Rethrown as the downstream status, so the exception-to-status stage does not report it as unknown.
  private failed(record: RelayRecord, error: unknown): unknown {
    const { code, details } = error as ServiceError;
    record.downstreamCode = code;
    return typeof code === "number" && code !== 0 ? new GrpcException(details, { statusCode: code }) : error;
  }

  private metadata(): Metadata {
    const metadata = new Metadata();
    if (this.options.requestId !== undefined) metadata.set("x-request-id", this.options.requestId);
    return metadata;
  }

  private callOptions(): { deadline?: number } {
    return this.options.deadlineMs === undefined ? {} : { deadline: Date.now() + this.options.deadlineMs };
  }
}

/**
 * Writes the server call's requests on the downstream call. If they fail (the server call was
 * cancelled or passed its deadline), it leaves the downstream call alone: Propagate cancels it with the
 * server call's reason, which is what the specs check (a cancel here would race it with CANCELLED).
 */
async function pump(requests: AsyncIterable<DummyRequest>, call: ClientWritableStream<DummyRequest>): Promise<void> {
  try {
    for await (const request of requests) if (!call.write(request)) await once(call, "drain");
    call.end();
  } catch {
    // See above.
  }
}
