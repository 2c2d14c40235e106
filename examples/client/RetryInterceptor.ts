import { status, type Deadline } from "@grpc/grpc-js";
import type { ClientCallDetails, ClientMethod } from "grpc-interceptor";
import { ClientInterceptor } from "grpc-interceptor";

/** Options of {@link RetryInterceptor}. */
export interface RetryOptions {
  /** Attempts in all, the first included; default 3. */
  maxAttempts?: number;
  /** Status codes worth another attempt; default `[UNAVAILABLE]`. */
  retryableCodes?: readonly status[];
  /** Backoff before the second attempt, in ms; default 100. */
  initialBackoffMs?: number;
  /** Upper bound of the backoff, in ms; default 5000. */
  maxBackoffMs?: number;
  /** Growth of the backoff per attempt; default 2. */
  multiplier?: number;
  /** Random spread of each backoff, as a fraction of it (0.2: ±20 %); default 0.2. */
  jitter?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function remainingMs(deadline: Deadline | undefined): number {
  if (deadline === undefined) return Infinity;
  return (deadline instanceof Date ? deadline.getTime() : deadline) - Date.now();
}

function codeOf(error: unknown): unknown {
  return typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
}

/**
 * Retries a call that fails with one of `retryableCodes`, with exponential backoff and jitter, within
 * the call's deadline (it never sleeps past it). A streaming request is buffered so it can be sent
 * again; a streaming response is retried only while no response has been passed on yet.
 */
export class RetryInterceptor extends ClientInterceptor {
  private readonly maxAttempts: number;
  private readonly retryableCodes: ReadonlySet<unknown>;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly multiplier: number;
  private readonly jitter: number;

  constructor(options: RetryOptions = {}) {
    super();
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.retryableCodes = new Set(options.retryableCodes ?? [status.UNAVAILABLE]);
    this.initialBackoffMs = options.initialBackoffMs ?? 100;
    this.maxBackoffMs = options.maxBackoffMs ?? 5000;
    this.multiplier = options.multiplier ?? 2;
    this.jitter = options.jitter ?? 0.2;
  }

  intercept(method: ClientMethod, request: unknown, details: ClientCallDetails): unknown {
    const streamingRequest = typeof request === "object" && request !== null && Symbol.asyncIterator in request;
    const responses = streamingRequest
      ? this.buffered(request as AsyncIterable<unknown>).then((requests) => this.first(method, requests, details))
      : this.first(method, request, details);
    return responses;
  }

  /** The backoff before attempt `attempt + 1` (attempt ≥ 1), jitter included. */
  backoffMs(attempt: number): number {
    const base = Math.min(this.maxBackoffMs, this.initialBackoffMs * this.multiplier ** (attempt - 1));
    return Math.max(0, base * (1 + this.jitter * (2 * Math.random() - 1)));
  }

  /** Whether a failed attempt should be followed by another one after `backoff` ms. */
  private shouldRetry(error: unknown, attempt: number, backoff: number, details: ClientCallDetails): boolean {
    return (
      attempt < this.maxAttempts && this.retryableCodes.has(codeOf(error)) && backoff < remainingMs(details.deadline)
    );
  }

  private async buffered(requests: AsyncIterable<unknown>): Promise<unknown[]> {
    const all: unknown[] = [];
    for await (const request of requests) all.push(request);
    return all;
  }

  /** Unary responses: a promise; streaming responses: an async iterable. */
  private first(method: ClientMethod, request: unknown, details: ClientCallDetails): unknown {
    const result = method(request, details);
    if (typeof result === "object" && result !== null && Symbol.asyncIterator in result) {
      return this.streamWithRetries(method, request, details, result as AsyncIterable<unknown>);
    }
    return this.unaryWithRetries(method, request, details, result as Promise<unknown>);
  }

  private async unaryWithRetries(
    method: ClientMethod,
    request: unknown,
    details: ClientCallDetails,
    first: Promise<unknown>,
  ): Promise<unknown> {
    let pending = first;
    for (let attempt = 1; ; attempt++) {
      try {
        return await pending;
      } catch (error) {
        const backoff = this.backoffMs(attempt);
        if (!this.shouldRetry(error, attempt, backoff, details)) throw error;
        await sleep(backoff);
        pending = method(request, details) as Promise<unknown>;
      }
    }
  }

  private async *streamWithRetries(
    method: ClientMethod,
    request: unknown,
    details: ClientCallDetails,
    first: AsyncIterable<unknown>,
  ): AsyncGenerator<unknown> {
    let responses = first;
    for (let attempt = 1; ; attempt++) {
      let passedOn = false;
      try {
        for await (const response of responses) {
          passedOn = true;
          yield response;
        }
        return;
      } catch (error) {
        const backoff = this.backoffMs(attempt);
        if (passedOn || !this.shouldRetry(error, attempt, backoff, details)) throw error;
        await sleep(backoff);
        responses = method(request, details) as AsyncIterable<unknown>;
      }
    }
  }
}
