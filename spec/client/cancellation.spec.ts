import { expect } from "chai";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import type { ClientCallDetails, ClientMethod, ServerCallContext } from "grpc-interceptor";
import { ClientInterceptor } from "grpc-interceptor";
import { Unavailable } from "grpc-interceptor/exceptions";
import { dummyClient } from "grpc-interceptor/testing";
import { collectUntilFailure, failure, sleep } from "../support/calls.js";
import { CountingInterceptor, passThrough } from "./support/interceptors.js";
import { kinds } from "./support/kinds.js";

/** A server special case that waits until the client goes away (or 3 s) and records that it did. */
function hanging() {
  const seen = { started: 0, cancelled: 0 };
  const special = async (_input: string, context: ServerCallContext) => {
    seen.started++;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 3000);
      context.signal.addEventListener("abort", () => {
        seen.cancelled++;
        clearTimeout(timer);
        resolve();
      });
    });
    return "late";
  };
  return { special, seen };
}

/**
 * Retries every failure forever after `backoffMs` (streaming requests buffered, streaming responses
 * retried until a message arrived): only the deadline or a cancellation stops it, after which `method`
 * fails at once with DEADLINE_EXCEEDED or CANCELLED and the loop ends (so no timer outlives the test).
 */
class StubbornRetry extends ClientInterceptor {
  attempts = 0;
  lastError: unknown;
  constructor(private readonly backoffMs: number) {
    super();
  }
  async intercept(method: ClientMethod, request: unknown, details: ClientCallDetails) {
    let message = request;
    if (typeof request === "object" && request !== null && Symbol.asyncIterator in request) {
      const all: unknown[] = [];
      for await (const item of request as AsyncIterable<unknown>) all.push(item);
      message = all;
    }
    const first = this.attempt(method, message, details);
    return typeof first === "object" && first !== null && Symbol.asyncIterator in first
      ? this.stream(method, message, details, first as AsyncIterable<unknown>)
      : this.unary(method, message, details, first as Promise<unknown>);
  }
  private attempt(method: ClientMethod, request: unknown, details: ClientCallDetails): unknown {
    this.attempts++;
    return method(request, details);
  }
  private async unary(method: ClientMethod, request: unknown, details: ClientCallDetails, first: Promise<unknown>) {
    for (let pending = first; ; pending = this.attempt(method, request, details) as Promise<unknown>) {
      try {
        return await pending;
      } catch (error) {
        this.lastError = error;
        if (callIsOver(error)) throw error;
        await sleep(this.backoffMs);
      }
    }
  }
  private async *stream(
    method: ClientMethod,
    request: unknown,
    details: ClientCallDetails,
    first: AsyncIterable<unknown>,
  ) {
    for (let responses = first; ; responses = this.attempt(method, request, details) as AsyncIterable<unknown>) {
      try {
        yield* responses;
        return;
      } catch (error) {
        this.lastError = error;
        if (callIsOver(error)) throw error;
        await sleep(this.backoffMs);
      }
    }
  }
}

function callIsOver(error: unknown): boolean {
  const code = (error as Partial<ServiceError>).code;
  return code === status.DEADLINE_EXCEEDED || code === status.CANCELLED;
}

/** Awaits `ms` before calling the method. */
class Dawdle extends ClientInterceptor {
  called = 0;
  constructor(private readonly ms: number) {
    super();
  }
  async intercept(method: ClientMethod, request: unknown, details: ClientCallDetails) {
    await sleep(this.ms);
    this.called++;
    return method(request, details);
  }
}

for (const kind of kinds) {
  describe(`client interceptors: cancellation and deadlines (${kind.name})`, () => {
    it("cancels the running attempt when the caller cancels", async () => {
      const { special, seen } = hanging();
      await using client = await dummyClient({
        clientInterceptors: [new CountingInterceptor(), passThrough],
        specialCases: { hang: special },
      });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const started = Date.now();
      const error = await failure(kind.call(client, ["hang"], { signal: controller.signal }));
      expect(error.code).to.equal(status.CANCELLED);
      expect(Date.now() - started).to.be.below(1000);
      await sleep(50);
      expect(seen).to.deep.equal({ started: 1, cancelled: 1 });
    });

    it("ends the call at once when the caller cancels while the interceptor awaits", async () => {
      const dawdle = new Dawdle(400);
      const { special, seen } = hanging();
      await using client = await dummyClient({ clientInterceptors: [dawdle], specialCases: { hang: special } });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const started = Date.now();
      expect((await failure(kind.call(client, ["hang"], { signal: controller.signal }))).code).to.equal(
        status.CANCELLED,
      );
      expect(Date.now() - started).to.be.below(300);
      await sleep(450); // The interceptor wakes up; its `method` call must not reach the server.
      expect(dawdle.called).to.equal(1);
      expect(seen.started).to.equal(0);
    });

    it("fails with DEADLINE_EXCEEDED when the server is too slow, and the server sees it", async () => {
      const { special, seen } = hanging();
      await using client = await dummyClient({ clientInterceptors: [passThrough], specialCases: { hang: special } });
      const started = Date.now();
      const error = await failure(kind.call(client, ["hang"], { deadline: Date.now() + 150 }));
      expect(error.code).to.equal(status.DEADLINE_EXCEEDED);
      expect(Date.now() - started).to.be.below(1000);
      await sleep(50);
      expect(seen.cancelled).to.equal(1);
    });

    it("applies the deadline to the whole call, waits between retries included", async () => {
      const retry = new StubbornRetry(100);
      await using client = await dummyClient({
        clientInterceptors: [retry],
        specialCases: {
          down: () => {
            throw new Unavailable();
          },
        },
      });
      const started = Date.now();
      const error = await failure(kind.call(client, ["down"], { deadline: Date.now() + 250 }));
      const elapsed = Date.now() - started;
      expect(error.code).to.equal(status.DEADLINE_EXCEEDED);
      expect(elapsed).to.be.within(200, 800);
      expect(retry.attempts).to.be.within(2, 4);
      await sleep(150); // The retry loop wakes up once more; `method` now fails at once.
      expect((retry.lastError as ServiceError).code).to.be.oneOf([status.DEADLINE_EXCEEDED, status.CANCELLED]);
    });

    it("applies the deadline while the interceptor awaits before calling the method", async () => {
      const dawdle = new Dawdle(1000);
      await using client = await dummyClient({ clientInterceptors: [dawdle] });
      const started = Date.now();
      expect((await failure(kind.call(client, ["x"], { deadline: Date.now() + 100 }))).code).to.equal(
        status.DEADLINE_EXCEEDED,
      );
      expect(Date.now() - started).to.be.below(600);
    });
  });
}

describe("client interceptors: cancellation through the raw grpc-js API", () => {
  it("cancels a server stream read through the stream API", async () => {
    const { special, seen } = hanging();
    await using client = await dummyClient({ clientInterceptors: [passThrough], specialCases: { hang: special } });
    const call = client.raw.executeServerStream({ input: "hang" }, new Metadata(), { deadline: Date.now() + 5000 });
    setTimeout(() => call.cancel(), 100);
    const { error } = await collectUntilFailure(call);
    expect([error.code, error.details]).to.deep.equal([status.CANCELLED, "Cancelled on client"]);
    await sleep(50);
    expect(seen.cancelled).to.equal(1);
  });
});
