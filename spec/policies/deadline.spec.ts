import { expect } from "chai";
import { credentials, status, type ServerWritableStream } from "@grpc/grpc-js";
import {
  CallScope,
  Deadline,
  Propagate,
  type CallOutcome,
  type ServerCallContext,
  type ServerMethod,
} from "grpc-interceptor";
import { DeadlineExceeded } from "grpc-interceptor/exceptions";
import { DummyServiceClient, dummyClient, type DummyRequest, type SpecialCase } from "grpc-interceptor/testing";
import { collectUntilFailure, eventually, failure, soon } from "../support/calls.js";
import { handlerStyles } from "../support/styles.js";

/** Records each call's deadline (ms from now, at the handler), outcome and signal reason. */
function recorder() {
  const seen: { leftMs: number; outcome?: CallOutcome; reason?: unknown }[] = [];
  const interceptor = (method: ServerMethod, request: unknown, context: ServerCallContext) => {
    const entry: (typeof seen)[number] = { leftMs: (context.deadline?.getTime() ?? Infinity) - Date.now() };
    seen.push(entry);
    context.onComplete((outcome) => (entry.outcome = outcome));
    context.signal.addEventListener("abort", () => (entry.reason = context.signal.reason));
    return method(request, context);
  };
  return { seen, interceptor };
}

// A handler that ignores its signal and answers late: the Deadline policy must end the call without it.
const stubborn: SpecialCase = () => new Promise<string>((resolve) => setTimeout(() => resolve("too late"), 1500));

for (const handlerStyle of handlerStyles) {
  describe(`Deadline (${handlerStyle} style)`, function () {
    this.timeout(10_000);

    it("gives a call without a deadline defaultMs, and ends it DEADLINE_EXCEEDED even if the handler ignores the signal", async () => {
      const { seen, interceptor } = recorder();
      await using client = await dummyClient({
        handlerStyle,
        specialCases: { slow: stubborn },
        interceptors: [interceptor],
        policies: [Deadline({ defaultMs: 200 })],
      });
      const started = Date.now();
      const error = await failure(client.execute({ input: "slow" }));
      expect(error.code).to.equal(status.DEADLINE_EXCEEDED);
      expect(Date.now() - started).to.be.below(1200); // the handler answers at 1,500 ms
      expect(seen[0]!.leftMs).to.be.within(100, 200);
      await eventually(() => seen[0]!.outcome !== undefined, "onComplete ran");
      expect(seen[0]!.outcome!.code).to.equal(status.DEADLINE_EXCEEDED);
      expect(seen[0]!.reason).to.be.instanceOf(DeadlineExceeded);
      // The handler's late answer is not sent, and the next call is served as usual.
      await new Promise((resolve) => setTimeout(resolve, 1400));
      expect(await client.execute({ input: "fine" })).to.deep.include({ output: "fine" });
    });

    it("cuts a later client deadline to maxMs, and keeps an earlier one", async () => {
      const { seen, interceptor } = recorder();
      await using client = await dummyClient({
        handlerStyle,
        interceptors: [interceptor],
        policies: [Deadline({ defaultMs: 1_000, maxMs: 2_000 })],
      });
      await client.execute({ input: "a" }, { deadline: Date.now() + 60_000 });
      await client.execute({ input: "b" }, { deadline: Date.now() + 500 });
      await client.execute({ input: "c" });
      expect(seen.map(({ leftMs }) => Math.round(leftMs / 100) * 100)).to.deep.equal([2000, 500, 1000]);
    });

    it("ends every kind of call at the effective deadline", async () => {
      const { seen, interceptor } = recorder();
      await using client = await dummyClient({
        handlerStyle,
        specialCases: { slow: stubborn },
        interceptors: [interceptor],
        policies: [Deadline({ maxMs: 150 })],
      });
      const soonish = soon(5000);
      expect((await failure(client.executeClientStream([{ input: "slow" }], soonish))).code).to.equal(
        status.DEADLINE_EXCEEDED,
      );
      const server = await collectUntilFailure(client.executeServerStream({ input: "slow" }, soonish));
      expect(server.error.code).to.equal(status.DEADLINE_EXCEEDED);
      const bidi = await collectUntilFailure(client.executeClientServerStream([{ input: "slow" }], soonish));
      expect(bidi.error.code).to.equal(status.DEADLINE_EXCEEDED);
      await eventually(() => seen.length === 3 && seen.every((entry) => entry.outcome), "three calls completed");
      expect(seen.map((entry) => entry.outcome!.code)).to.deep.equal(Array(3).fill(status.DEADLINE_EXCEEDED));
    });
  });
}

describe("Deadline", () => {
  it("shows grpc-js-style handlers the effective deadline in call.getDeadline()", async () => {
    let deadline: number | undefined;
    await using client = await dummyClient({
      handlerStyle: "grpc-js",
      servicer: {
        executeServerStream(call: ServerWritableStream<DummyRequest, { output: string }>) {
          deadline = Number(call.getDeadline());
          call.end();
        },
      },
      policies: [Deadline({ defaultMs: 3_000 })],
    });
    for await (const _ of client.executeServerStream({ input: "x" })) void _;
    expect(deadline! - Date.now()).to.be.within(2_500, 3_000);
  });

  it("is the deadline Propagate passes on to the calls a handler makes", async () => {
    let downstreamLeft = Infinity;
    await using downstream = await dummyClient({
      interceptors: [
        (method: ServerMethod, request: unknown, context: ServerCallContext) => {
          downstreamLeft = context.deadline!.getTime() - Date.now();
          return method(request, context);
        },
      ],
    });
    const relay = new DummyServiceClient(downstream.address, credentials.createInsecure(), {
      interceptors: [new Propagate()],
    });
    await using upstream = await dummyClient({
      interceptors: [CallScope],
      policies: [Deadline({ defaultMs: 800 })],
      specialCases: {
        relay: () =>
          new Promise<string>((resolve, reject) =>
            relay.execute({ input: "x" }, (error) => (error ? reject(error) : resolve("relayed"))),
          ),
      },
    });
    try {
      expect(await upstream.execute({ input: "relay" })).to.deep.include({ output: "relayed" });
    } finally {
      relay.close();
    }
    expect(downstreamLeft).to.be.within(500, 800);
  });

  it("rejects bad options with a TypeError naming the option", () => {
    expect(() => Deadline({})).to.throw(TypeError, /Deadline: give options\.defaultMs, options\.maxMs or both/);
    expect(() => Deadline({ maxMs: 0 })).to.throw(
      TypeError,
      /options\.maxMs is number 0, expected a positive finite number/,
    );
    expect(() => Deadline({ defaultMs: Infinity })).to.throw(TypeError, /options\.defaultMs/);
    expect(() => Deadline({ defaultMs: 5, maxMs: 2 })).to.throw(
      TypeError,
      /options\.defaultMs \(5\) is more than options\.maxMs \(2\)/,
    );
    expect(() => Deadline({ max: 5 } as never)).to.throw(TypeError, /options\.max is not an option/);
  });
});
