import { expect } from "chai";
import { setTimeout as delay } from "node:timers/promises";
import { status, type ServiceError } from "@grpc/grpc-js";
import {
  CallScope,
  currentCall,
  type InterceptFunction,
  type ServerCallContext,
  type ServerMethod,
} from "grpc-interceptor";
import { dummyClient, type DummyClient, type SpecialCase } from "grpc-interceptor/testing";
import { collect, eventually, soon } from "../support/calls.js";
import { start } from "./support/calls.js";
import { clientOf, serve } from "./support/chain.js";
import { Leaf } from "./support/Leaf.js";

/** Answers whether currentCall() is the call's own context: at once, after an await, in a timer and an immediate. */
const checkScope: SpecialCase = async (_input, context) => {
  const seen = [currentCall() === context];
  await delay(1);
  seen.push(currentCall() === context);
  seen.push(await new Promise<boolean>((resolve) => setTimeout(() => resolve(currentCall() === context), 1)));
  seen.push(await new Promise<boolean>((resolve) => setImmediate(() => resolve(currentCall() === context))));
  return seen.join(",");
};

async function allKinds(client: DummyClient, input: string): Promise<string[]> {
  const one = { input };
  return [
    (await client.execute(one, soon())).output,
    (await client.executeClientStream([one], soon())).output,
    (await collect(client.executeServerStream(one, soon()))).map((response) => response.output).join(""),
    (await collect(client.executeClientServerStream([one, one], soon()))).map((response) => response.output).join("|"),
  ];
}

describe("currentCall() and CallScope", () => {
  it("is undefined outside a server call", () => {
    expect(currentCall()).to.equal(undefined);
  });

  for (const handlerStyle of ["async", "grpc-js"] as const) {
    it(`without CallScope it is undefined in a handler (${handlerStyle} style, every kind)`, async () => {
      await using client = await dummyClient({
        handlerStyle,
        specialCases: { check: async () => String(currentCall()) },
      });
      expect(await allKinds(client, "check")).to.deep.equal([
        "undefined",
        "undefined",
        "undefined",
        "undefined|undefined",
      ]);
    });

    it(`with CallScope it is the call's context through awaits, timers and immediates (${handlerStyle} style, every kind)`, async () => {
      await using client = await dummyClient({
        handlerStyle,
        interceptors: [CallScope],
        specialCases: { check: checkScope },
      });
      const all = "true,true,true,true";
      expect(await allKinds(client, "check")).to.deep.equal([all, all, all, `${all}|${all}`]);
    });
  }

  it("an async * handler is in scope between its yields; interceptors inside CallScope see it, those outside do not", async () => {
    const seenBy: Record<string, boolean> = {};
    const watch =
      (name: string): InterceptFunction =>
      (method, request, context) => {
        seenBy[name] = currentCall() === context;
        return method(request, context);
      };
    const servicer = {
      async *executeServerStream(_request: unknown, context: ServerCallContext) {
        for (let i = 0; i < 3; i++) {
          await delay(1);
          yield { output: String(currentCall() === context) };
        }
      },
    };
    const started = await serve(servicer, [watch("outside"), CallScope, watch("inside")]);
    const client = clientOf(started.address, false);
    try {
      const outcome = await start(client, "server streaming", "x", soon()).outcome;
      expect(outcome.messages).to.deep.equal(["true", "true", "true"]);
      expect(seenBy).to.deep.equal({ outside: false, inside: true });
    } finally {
      client.close();
      await started.close();
    }
  });

  it("concurrent calls each see their own context", async () => {
    await using client = await dummyClient({
      interceptors: [CallScope],
      specialCases: {
        mine: async (_input, context) => {
          await delay(5);
          return currentCall()!.metadata.get("x-id")[0] === context.metadata.get("x-id")[0] ? "mine" : "someone else's";
        },
      },
    });
    const { Metadata } = await import("@grpc/grpc-js");
    const calls = Array.from({ length: 20 }, (_, i) => {
      const metadata = new Metadata();
      metadata.set("x-id", String(i));
      return client.execute({ input: "mine" }, { ...soon(), metadata });
    });
    expect((await Promise.all(calls)).map((response) => response.output)).to.deep.equal(Array(20).fill("mine"));
  });

  it("CallScope listed twice for one call changes nothing", async () => {
    await using client = await dummyClient({
      interceptors: [CallScope, new CallScope()],
      specialCases: { check: checkScope },
    });
    expect((await client.execute({ input: "check" }, soon())).output).to.equal("true,true,true,true");
  });

  it("nested scopes: the innermost call in progress; once it ends, the enclosing one", async () => {
    // Two real calls: "inner" waits until released; "outer" runs a step in inner's scope, from its own.
    let innerContext: ServerCallContext | undefined;
    let releaseInner!: () => void;
    const innerReleased = new Promise<void>((resolve) => (releaseInner = resolve));
    const observed: Record<string, unknown> = {};
    await using client = await dummyClient({
      interceptors: [CallScope],
      specialCases: {
        inner: async (_input, context) => {
          innerContext = context;
          await innerReleased;
          return "inner";
        },
        outer: async (_input, outer) => {
          await eventually(() => innerContext !== undefined, "the inner call started");
          const inner = innerContext!;
          let leftBehind: Promise<ServerCallContext | undefined> | undefined;
          const step: ServerMethod = async () => {
            observed.inStep = currentCall() === inner;
            await delay(1);
            observed.inStepAfterAwait = currentCall() === inner;
            // Work the inner scope leaves behind, running after the step is over.
            leftBehind = new Promise((resolve) => setTimeout(() => resolve(currentCall()), 20));
            return "done";
          };
          await new CallScope().intercept(step, undefined, inner);
          observed.afterStep = currentCall() === outer;
          observed.leftBehindSeesOuter = (await leftBehind) === outer;
          releaseInner();
          return "outer";
        },
      },
    });
    const [outer, inner] = await Promise.all([
      client.execute({ input: "outer" }, soon()),
      client.execute({ input: "inner" }, soon()),
    ]);
    expect([outer.output, inner.output]).to.deep.equal(["outer", "inner"]);
    expect(observed).to.deep.equal({
      inStep: true,
      inStepAfterAwait: true,
      afterStep: true,
      leftBehindSeesOuter: true,
    });
  });

  it("a call a handler starts after its server call was cancelled fails at once with CANCELLED, reaching no server", async () => {
    const leaf = new Leaf();
    const servedLeaf = await serve(leaf);
    const toLeaf = clientOf(servedLeaf.address);
    let lateError: ServiceError | undefined;
    await using client = await dummyClient({
      interceptors: [CallScope],
      specialCases: {
        late: async (_input, context) => {
          await new Promise((resolve) => context.signal.addEventListener("abort", resolve, { once: true }));
          lateError = (await start(toLeaf, "unary", "hang:late").outcome).error;
          return "late";
        },
      },
    });
    try {
      const controller = new AbortController();
      const call = client.execute({ input: "late" }, { ...soon(), signal: controller.signal });
      await delay(50);
      controller.abort();
      expect(
        (
          await call.then(
            () => undefined,
            (error: ServiceError) => error,
          )
        )?.code,
      ).to.equal(status.CANCELLED);
      await eventually(() => lateError !== undefined, "the late call failed");
      expect(lateError!.code).to.equal(status.CANCELLED);
      expect(leaf.started.has("late"), "the leaf never saw the late call").to.equal(false);
    } finally {
      toLeaf.close();
      await servedLeaf.close();
    }
  });
});
