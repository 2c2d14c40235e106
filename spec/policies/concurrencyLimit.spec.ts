import { expect } from "chai";
import { status } from "@grpc/grpc-js";
import { ConcurrencyLimit, type ServerCallContext, type ServerMethod } from "grpc-interceptor";
import { dummyClient, type DummyRequest, type SpecialCase } from "grpc-interceptor/testing";
import { collect, eventually, failure, soon } from "../support/calls.js";
import { handlerStyles } from "../support/styles.js";

/** Special cases whose calls wait until the test lets them go, recording the order they started in. */
function gate() {
  const started: string[] = [];
  const waiting: Array<() => void> = [];
  const hold: SpecialCase = (input) => {
    started.push(input);
    return new Promise<string>((resolve) => waiting.push(() => resolve(input)));
  };
  return {
    started,
    specialCases: { a: hold, b: hold, c: hold, d: hold },
    /** Lets the oldest held call finish. */
    release: () => waiting.shift()!(),
  };
}

for (const handlerStyle of handlerStyles) {
  describe(`ConcurrencyLimit (${handlerStyle} style)`, () => {
    it("runs at most max at once, queues up to queue in order, and refuses the rest UNAVAILABLE at once", async () => {
      const { started, specialCases, release } = gate();
      await using client = await dummyClient({
        handlerStyle,
        specialCases,
        policies: [ConcurrencyLimit({ max: 1, queue: 2 })],
      });
      const a = client.execute({ input: "a" }, soon());
      await eventually(() => started.length === 1, "a runs");
      const b = client.execute({ input: "b" }, soon());
      const c = client.execute({ input: "c" }, soon());
      await new Promise((resolve) => setTimeout(resolve, 50));
      const refused = await failure(client.execute({ input: "d" }, soon()));
      expect(refused.code).to.equal(status.UNAVAILABLE);
      expect(refused.details).to.equal("server overloaded");
      expect(started).to.deep.equal(["a"]);
      release();
      await a;
      await eventually(() => started.length === 2, "b runs");
      release();
      await b;
      await eventually(() => started.length === 3, "c runs");
      release();
      await c;
      expect(started).to.deep.equal(["a", "b", "c"]);
    });

    it("takes a waiting call out of the queue when its client cancels or its deadline passes; it never runs", async () => {
      const { started, specialCases, release } = gate();
      const ended: string[] = [];
      await using client = await dummyClient({
        handlerStyle,
        specialCases,
        // The client sees its deadline pass a moment before the server does: wait for the server's end.
        interceptors: [
          (method: ServerMethod, request: DummyRequest, context: ServerCallContext) => {
            context.onComplete(() => ended.push(request.input));
            return method(request, context);
          },
        ],
        policies: [ConcurrencyLimit({ max: 1, queue: 1 })],
      });
      const a = client.execute({ input: "a" }, soon());
      await eventually(() => started.length === 1, "a runs");
      const cancel = new AbortController();
      const cancelled = failure(client.execute({ input: "b" }, { ...soon(), signal: cancel.signal }));
      await new Promise((resolve) => setTimeout(resolve, 50));
      cancel.abort();
      expect((await cancelled).code).to.equal(status.CANCELLED);
      const late = await failure(client.execute({ input: "c" }, { deadline: Date.now() + 100 }));
      expect(late.code).to.equal(status.DEADLINE_EXCEEDED);
      await eventually(() => ended.includes("c"), "the server ends c");
      const d = client.execute({ input: "d" }, soon()); // the queue has room again
      release();
      await a;
      await eventually(() => started.length === 2, "d runs");
      release();
      await d;
      expect(started).to.deep.equal(["a", "d"]);
    });

    it("holds a slot until a response stream is done, and shares one value's slots between methods", async () => {
      const { started, specialCases, release } = gate();
      await using client = await dummyClient({
        handlerStyle,
        specialCases,
        policies: [ConcurrencyLimit({ max: 1 })],
      });
      const stream = collect(client.executeServerStream({ input: "a" }, soon()));
      await eventually(() => started.length === 1, "the stream runs");
      expect((await failure(client.execute({ input: "x" }, soon()))).code).to.equal(status.UNAVAILABLE);
      release();
      expect(await stream).to.have.length(1);
      expect(await client.execute({ input: "x" }, soon())).to.deep.include({ output: "x" });
    });
  });
}

describe("ConcurrencyLimit options", () => {
  it("rejects bad options with a TypeError naming the option", () => {
    expect(() => ConcurrencyLimit({ max: 0 })).to.throw(
      TypeError,
      /ConcurrencyLimit: options\.max is number 0, expected a positive integer/,
    );
    expect(() => ConcurrencyLimit({ max: 1.5 })).to.throw(TypeError, /options\.max/);
    expect(() => ConcurrencyLimit({ max: 1, queue: -1 })).to.throw(TypeError, /options\.queue is number -1/);
    expect(() => ConcurrencyLimit({ max: 1, limit: 3 } as never)).to.throw(
      TypeError,
      /options\.limit is not an option/,
    );
    expect(() => ConcurrencyLimit(undefined as never)).to.throw(TypeError, /ConcurrencyLimit: options is undefined/);
  });
});
