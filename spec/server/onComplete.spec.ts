import { expect } from "chai";
import { status } from "@grpc/grpc-js";
import { MapErrors, type CallOutcome, type InterceptFunction, type ServerCallContext } from "grpc-interceptor";
import { NotFound } from "grpc-interceptor/exceptions";
import { DummyService, GrpcJsDummyService, dummyClient, type DummyClient } from "grpc-interceptor/testing";
import { collect, eventually, failure, recordingExceptionToStatus, sleep, soon } from "../support/calls.js";
import { kinds, type Kind } from "../support/probeServer.js";
import { handlerStyles } from "../support/styles.js";

class MappedError extends Error {}

@MapErrors([MappedError, status.FAILED_PRECONDITION])
class AsyncServicer extends DummyService {}

@MapErrors([MappedError, status.FAILED_PRECONDITION])
class GrpcJsServicer extends GrpcJsDummyService {}

interface Seen {
  readonly kind: string;
  readonly methodName: string;
  readonly outcome: CallOutcome;
  readonly handlerRunning: boolean;
}

// A response grpc-js's serializer for DummyResponse cannot read.
const unserializable = {
  get output(): string {
    throw new TypeError("this response cannot be serialized");
  },
};

/** Calls `kind` with one input and returns the client's error (undefined on success). */
async function call(client: DummyClient, kind: Kind, input: string, options: object): Promise<number> {
  const run = async () => {
    if (kind === "unary") await client.execute({ input }, options);
    else if (kind === "clientStream") await client.executeClientStream([{ input }], options);
    else if (kind === "serverStream") await collect(client.executeServerStream({ input }, options));
    else await collect(client.executeClientServerStream([{ input }], options));
  };
  try {
    await run();
    return status.OK;
  } catch (error) {
    return (error as { code: number }).code;
  }
}

for (const handlerStyle of handlerStyles) {
  describe(`context.onComplete and context.kind (${handlerStyle} style)`, () => {
    const seen: Seen[] = [];
    let running = 0;
    let release: () => void = () => {};
    const stage = recordingExceptionToStatus();
    let throwingListener = false;
    const record: InterceptFunction = (method, request, context, methodName) => {
      if (throwingListener) {
        context.onComplete(() => {
          throw new Error("listener bug");
        });
      }
      context.onComplete((outcome) =>
        seen.push({ kind: context.kind, methodName, outcome, handlerRunning: running > 0 }),
      );
      return method(request, context);
    };
    // Innermost: turns the response of "serialize" into one grpc-js cannot serialize.
    const spoil: InterceptFunction = (method, request, context) => {
      const result = method(request, context);
      if (context.kind === "unary" || context.kind === "clientStream") {
        return (result as Promise<{ output: string }>).then((r) =>
          r.output.startsWith("serialize") ? unserializable : r,
        );
      }
      return (async function* () {
        for await (const r of result as AsyncIterable<{ output: string }>)
          yield r.output.startsWith("s") ? unserializable : r;
      })();
    };
    const specialCases = {
      grpc: () => {
        throw new NotFound("no such thing");
      },
      mapped: () => {
        throw new MappedError("mapped message");
      },
      unknown: () => {
        throw new Error("secret internals");
      },
      block: () => {
        running++;
        return new Promise<string>((resolve) => (release = () => resolve("late"))).finally(() => running--);
      },
    };
    let client: DummyClient;
    before(async () => {
      const servicer = handlerStyle === "async" ? new AsyncServicer(specialCases) : new GrpcJsServicer(specialCases);
      client = await dummyClient({ handlerStyle, servicer, interceptors: [record, spoil], exceptionToStatus: stage });
    });
    after(() => client.close());
    beforeEach(() => {
      seen.length = 0;
      stage.reported.length = 0;
      throwingListener = false;
    });

    // Exactly one outcome, after a moment in which a second one would have shown up.
    async function onlyOutcome(): Promise<Seen> {
      await eventually(() => seen.length > 0, "onComplete ran");
      await sleep(20);
      expect(seen, "onComplete ran exactly once").to.have.length(1);
      const [only] = seen;
      expect(only!.outcome.durationMs).to.be.a("number").and.to.be.at.least(0);
      return only!;
    }

    for (const kind of kinds) {
      describe(kind, () => {
        it("ok: OK, no details, no error, and context.kind names the kind", async () => {
          expect(await call(client, kind, "ok", soon())).to.equal(status.OK);
          const { kind: seenKind, outcome } = await onlyOutcome();
          expect(seenKind).to.equal(kind);
          expect(outcome).to.deep.include({ code: status.OK, details: "" });
          expect(outcome).not.to.have.property("error");
        });

        it("a GrpcException: its code and details, and the exception as error", async () => {
          expect(await call(client, kind, "grpc", soon())).to.equal(status.NOT_FOUND);
          const { outcome } = await onlyOutcome();
          expect(outcome).to.deep.include({ code: status.NOT_FOUND, details: "no such thing" });
          expect(outcome.error).to.be.instanceOf(NotFound);
        });

        it("a mapped error: the mapped code, after @MapErrors, with the original error", async () => {
          expect(await call(client, kind, "mapped", soon())).to.equal(status.FAILED_PRECONDITION);
          const { outcome } = await onlyOutcome();
          expect(outcome).to.deep.include({ code: status.FAILED_PRECONDITION, details: "mapped message" });
          expect(outcome.error).to.be.instanceOf(MappedError);
        });

        it("an unknown error: UNKNOWN with the safe details sent, and the error itself", async () => {
          expect(await call(client, kind, "unknown", soon())).to.equal(status.UNKNOWN);
          const { outcome } = await onlyOutcome();
          expect(outcome.code).to.equal(status.UNKNOWN);
          expect(outcome.details).not.to.contain("secret");
          expect((outcome.error as Error).message).to.equal("secret internals");
        });

        it("a client cancel: CANCELLED at once, while the handler still runs", async () => {
          const controller = new AbortController();
          const done = call(client, kind, "block", { ...soon(), signal: controller.signal });
          await eventually(() => running > 0, "the handler runs");
          controller.abort();
          expect(await done).to.equal(status.CANCELLED);
          const { outcome, handlerRunning } = await onlyOutcome();
          expect(outcome.code).to.equal(status.CANCELLED);
          expect(handlerRunning, "the handler was still running").to.equal(true);
          release();
          await eventually(() => running === 0, "the handler returned");
          await sleep(20);
          expect(seen, "still exactly once").to.have.length(1);
        });

        it("a passed deadline: DEADLINE_EXCEEDED at once, while the handler still runs", async () => {
          expect(await call(client, kind, "block", soon(150))).to.equal(status.DEADLINE_EXCEEDED);
          const { outcome, handlerRunning } = await onlyOutcome();
          expect(outcome).to.deep.include({ code: status.DEADLINE_EXCEEDED, details: "Deadline exceeded" });
          expect(handlerRunning, "the handler was still running").to.equal(true);
          expect(outcome.durationMs).to.be.at.least(100);
          release();
          await eventually(() => running === 0, "the handler returned");
        });

        it("a response grpc-js cannot serialize: INTERNAL, reported with the method's name", async () => {
          expect(await call(client, kind, "serialize", soon())).to.equal(status.INTERNAL);
          const { outcome, methodName } = await onlyOutcome();
          expect(outcome).to.deep.include({ code: status.INTERNAL, details: "Error serializing response" });
          expect(String((outcome.error as Error).message)).to.contain(methodName);
          expect(stage.reported, "reported through onUnknownException").to.have.length(1);
          expect((stage.reported[0] as Error).message)
            .to.contain(methodName)
            .and.contain("cannot be serialized");
        });

        it("a listener that throws is reported and changes nothing: the call and other listeners go on", async () => {
          throwingListener = true;
          expect(await call(client, kind, "ok", soon())).to.equal(status.OK);
          const { outcome } = await onlyOutcome();
          expect(outcome.code).to.equal(status.OK);
          expect(stage.reported).to.have.length(1);
          expect((stage.reported[0] as Error).name).to.equal("CompletionListenerFailure");
          expect(((stage.reported[0] as Error).cause as Error).message).to.equal("listener bug");
        });
      });
    }
  });
}

describe("context.onComplete registered late", () => {
  it("after the call completed, runs at once with the outcome; after a cancel, with CANCELLED", async () => {
    const contexts: ServerCallContext[] = [];
    const keep: InterceptFunction = (method, request, context) => (contexts.push(context), method(request, context));
    let release: () => void = () => {};
    await using client = await dummyClient({
      interceptors: [keep],
      specialCases: { block: () => new Promise((resolve) => (release = () => resolve("late"))) },
    });
    await client.execute({ input: "ok" }, soon());
    const controller = new AbortController();
    const cancelled = failure(client.execute({ input: "block" }, { ...soon(), signal: controller.signal }));
    await eventually(() => contexts.length === 2, "the second call started");
    controller.abort();
    expect((await cancelled).code).to.equal(status.CANCELLED);
    await sleep(20);
    const outcomes: CallOutcome[] = [];
    for (const context of contexts) context.onComplete((outcome) => outcomes.push(outcome));
    expect(outcomes.map((outcome) => outcome.code)).to.deep.equal([status.OK, status.CANCELLED]);
    expect(contexts.map((context) => context.cancelled)).to.deep.equal([false, true]);
    expect(contexts.map((context) => context.signal.aborted)).to.deep.equal([false, true]);
    release();
  });

  it("rejects a listener that is not a function, naming the method", async () => {
    let thrown: unknown;
    const bad: InterceptFunction = (method, request, context) => {
      try {
        context.onComplete("not a function" as never);
      } catch (error) {
        thrown = error;
      }
      return method(request, context);
    };
    await using client = await dummyClient({ interceptors: [bad] });
    await client.execute({ input: "x" }, soon());
    expect(thrown).to.be.instanceOf(TypeError);
    expect(String(thrown)).to.contain("/DummyService/Execute").and.contain("onComplete");
  });
});
