import { expect } from "chai";
import { Metadata, status } from "@grpc/grpc-js";
import {
  MapErrors,
  UNKNOWN_EXCEPTION_DETAILS,
  ExceptionToStatusInterceptor,
  type ServerCallContext,
  type ServerMethod,
} from "grpc-interceptor";
import { DeadlineExceeded, NotFound } from "grpc-interceptor/exceptions";
import { DummyService, GrpcJsDummyService, dummyClient, raises, type SpecialCase } from "grpc-interceptor/testing";
import {
  collect,
  collectUntilFailure,
  eventually,
  failure,
  recordingExceptionToStatus,
  sleep,
  soon,
} from "../support/calls.js";
import { handlerStyles } from "../support/styles.js";

const SECRET = "s3cr3t-token-in-error";

/** Counts calls in progress inside the chain, so a test can see that nothing is left running. */
function inFlightCounter() {
  const counter = {
    now: 0,
    interceptor: async function* (method: ServerMethod, request: unknown, context: ServerCallContext) {
      counter.now++;
      try {
        yield* method(request, context) as AsyncIterable<unknown>;
      } finally {
        counter.now--;
      }
    },
    unary: async (method: ServerMethod, request: unknown, context: ServerCallContext) => {
      counter.now++;
      try {
        return await method(request, context);
      } finally {
        counter.now--;
      }
    },
  };
  return counter;
}

class CircularError extends Error {}
function circular(): Error {
  const outer = new CircularError(SECRET);
  const inner = new Error(`inner ${SECRET}`, { cause: outer });
  (outer as { cause?: unknown }).cause = inner;
  return outer;
}

class MappedDomainError extends Error {}

for (const handlerStyle of handlerStyles) {
  describe(`faults and bad input (${handlerStyle} style)`, () => {
    describe("secure defaults: nothing of an unknown error reaches the client, and the server reports it", () => {
      const shapes: [string, () => unknown][] = [
        ["an Error", () => new Error(SECRET)],
        ["a string", () => SECRET],
        ["a plain object", () => ({ message: SECRET, stack: SECRET })],
        [
          "an error whose message getter throws",
          () =>
            Object.defineProperty(new Error(), "message", {
              get: () => {
                throw new Error(SECRET);
              },
            }),
        ],
        ["an error with circular causes", circular],
        ["undefined", () => undefined],
      ];
      for (const [label, make] of shapes) {
        it(`for ${label}, thrown by a handler, an interceptor and mid-stream`, async () => {
          const esi = recordingExceptionToStatus();
          const midStream = async function* (method: ServerMethod, request: unknown, context: ServerCallContext) {
            yield* method(request, context) as AsyncIterable<unknown>;
            throw make();
          };
          const inInterceptor = (method: ServerMethod, request: { input: string }, context: ServerCallContext) => {
            if (request.input === "interceptor") throw make();
            return method(request, context);
          };
          await using client = await dummyClient({
            handlerStyle,
            exceptionToStatus: esi,
            interceptors: [inInterceptor],
            specialCases: { handler: () => Promise.reject(make()) },
          });
          await using streaming = await dummyClient({
            handlerStyle,
            exceptionToStatus: esi,
            interceptors: [midStream],
          });
          const errors = [
            await failure(client.execute({ input: "handler" }, soon())),
            await failure(client.execute({ input: "interceptor" }, soon())),
            await failure(client.executeClientStream([{ input: "handler" }], soon())),
            (await collectUntilFailure(streaming.executeServerStream({ input: "ab" }, soon()))).error,
            (
              await collectUntilFailure(
                client.executeClientServerStream([{ input: "ok" }, { input: "handler" }], soon()),
              )
            ).error,
          ];
          for (const error of errors) {
            expect([error.code, error.details]).to.deep.equal([status.UNKNOWN, UNKNOWN_EXCEPTION_DETAILS]);
            expect(JSON.stringify(error.metadata.toJSON())).not.to.contain(SECRET);
          }
          expect(esi.reported).to.have.length(errors.length);
          expect(await client.execute({ input: "still serving" }, soon())).to.deep.equal({ output: "still serving" });
        });
      }

      it("for errors thrown by handleException and by a @MapErrors function rule", async () => {
        const reported: unknown[] = [];
        class Leaky extends ExceptionToStatusInterceptor {
          override handleException(): never {
            throw new Error(SECRET);
          }
        }
        const Base = (handlerStyle === "async" ? DummyService : GrpcJsDummyService) as new (
          cases: Record<string, SpecialCase>,
        ) => object;
        @MapErrors([
          MappedDomainError,
          () => {
            throw new Error(SECRET);
          },
        ])
        class RuleThrows extends Base {}
        await using leaky = await dummyClient({
          handlerStyle,
          exceptionToStatus: new Leaky({ onUnknownException: (e) => reported.push(e) }),
          specialCases: { x: raises(new Error("x")) },
        });
        await using rule = await dummyClient({
          handlerStyle,
          exceptionToStatus: new ExceptionToStatusInterceptor({ onUnknownException: (e) => reported.push(e) }),
          servicer: new RuleThrows({ x: raises(new MappedDomainError("x")) }),
        });
        for (const error of [
          await failure(leaky.execute({ input: "x" }, soon())),
          await failure(rule.execute({ input: "x" }, soon())),
        ]) {
          expect([error.code, error.details]).to.deep.equal([status.UNKNOWN, UNKNOWN_EXCEPTION_DETAILS]);
        }
        expect(reported.map(String)).to.deep.equal([`Error: ${SECRET}`, `Error: ${SECRET}`]);
      });
    });

    it("answers INTERNAL to request bytes that are not a valid message, and keeps serving", async () => {
      await using client = await dummyClient({ handlerStyle });
      const error = await failure(
        new Promise((resolve, reject) =>
          client.raw.makeUnaryRequest(
            "/DummyService/Execute",
            () => Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]),
            (bytes: Buffer) => bytes,
            {},
            new Metadata(),
            soon(),
            (err, value) => (err ? reject(err) : resolve(value)),
          ),
        ),
      );
      expect(error.code).to.equal(status.INTERNAL);
      expect(await client.execute({ input: "fine" }, soon())).to.deep.equal({ output: "fine" });
    });

    it("round-trips binary metadata, and unicode and newlines in details", async () => {
      const details = "línea 1\nline 2 ✓ 100% ünïcødé \u{1F680}";
      await using client = await dummyClient({
        handlerStyle,
        specialCases: {
          echo: (_input, context) => {
            const trailers = new Metadata();
            trailers.set("echo-bin", context.metadata.get("payload-bin")[0]!);
            throw new NotFound(details, { metadata: trailers });
          },
        },
      });
      const metadata = new Metadata();
      const payload = Buffer.from([0, 1, 2, 250, 255, 10, 13]);
      metadata.set("payload-bin", payload);
      const error = await failure(client.execute({ input: "echo" }, { ...soon(), metadata }));
      expect([error.code, error.details]).to.deep.equal([status.NOT_FOUND, details]);
      expect(error.metadata.get("echo-bin")[0]).to.deep.equal(payload);
    });

    it("ends a call whose details are 100 KB with the right code (details truncated), and keeps the channel usable", async () => {
      await using client = await dummyClient({
        handlerStyle,
        specialCases: {
          big: raises(new NotFound("x".repeat(100 * 1024))),
          wide: raises(new NotFound("ü".repeat(50 * 1024))),
        },
      });
      for (const input of ["big", "wide"]) {
        const error = await failure(client.execute({ input }, soon()));
        expect(error.code, input).to.equal(status.NOT_FOUND);
        expect(Buffer.byteLength(error.details), input).to.be.at.most(8192);
        expect(error.details, input).to.match(/… \[truncated from \d+ characters\]$/);
      }
      expect(await client.execute({ input: "after" }, soon())).to.deep.equal({ output: "after" });
    });

    it("handles a client that cancels before the handler starts: nothing is left running", async () => {
      const counter = inFlightCounter();
      await using client = await dummyClient({ handlerStyle, interceptors: [counter.unary] });
      for (let i = 0; i < 20; i++) {
        const controller = new AbortController();
        controller.abort();
        expect((await failure(client.execute({ input: "x" }, { ...soon(), signal: controller.signal }))).code).to.equal(
          status.CANCELLED,
        );
      }
      await eventually(() => counter.now === 0, "no call is left in progress");
      expect(await client.execute({ input: "x" }, soon())).to.deep.equal({ output: "x" });
    });

    it("handles a client that cancels a client stream mid-way: the handler's iteration ends", async () => {
      const counter = inFlightCounter();
      let started = 0;
      await using client = await dummyClient({
        handlerStyle,
        interceptors: [counter.unary],
        specialCases: { tick: (input) => (started++, input) },
      });
      const controller = new AbortController();
      const requests = async function* () {
        for (;;) {
          yield { input: "tick" };
          await sleep(5);
          if (started >= 3) controller.abort();
        }
      };
      expect(
        (await failure(client.executeClientStream(requests(), { ...soon(), signal: controller.signal }))).code,
      ).to.equal(status.CANCELLED);
      await eventually(() => counter.now === 0, "the handler finishes");
    });

    it("handles a deadline that expires inside an interceptor: its signal fires, nothing is left listening", async () => {
      let contextSeen: ServerCallContext | undefined;
      const slow = async (method: ServerMethod, request: unknown, context: ServerCallContext) => {
        contextSeen = context;
        await new Promise((_resolve, reject) =>
          context.signal.addEventListener("abort", () => reject(context.signal.reason)),
        );
        return method(request, context);
      };
      await using client = await dummyClient({ handlerStyle, interceptors: [slow] });
      expect((await failure(client.execute({ input: "x" }, soon(150)))).code).to.equal(status.DEADLINE_EXCEEDED);
      await eventually(() => contextSeen?.signal.aborted === true, "the signal aborts");
      expect(contextSeen!.signal.reason).to.be.instanceOf(DeadlineExceeded);
      const call = (contextSeen as unknown as { call: { listenerCount(event: string): number } }).call;
      await eventually(() => call.listenerCount("cancelled") === 0, "no cancelled listener is left");
    });

    it("finishes active streams before tryShutdown completes", async () => {
      const counter = inFlightCounter();
      const slowStream = async function* () {
        for (let i = 0; i < 5; i++) {
          await sleep(20);
          yield { output: String(i) };
        }
      };
      await using client = await dummyClient({ handlerStyle, interceptors: [counter.interceptor, slowStream] });
      const reading = collect(client.executeServerStream({ input: "x" }, soon()));
      // Under load a fixed sleep may come before the server has the stream; tryShutdown would refuse it.
      await eventually(() => counter.now === 1, "the server runs the stream");
      let shutDown = false;
      const shutdown = new Promise<void>((resolve) => client.server.tryShutdown(() => ((shutDown = true), resolve())));
      const messages = await reading;
      expect(messages).to.have.length(5);
      await shutdown;
      expect(shutDown).to.equal(true);
      expect(counter.now).to.equal(0);
    });

    it("ends active streams on forceShutdown: the client fails, the server's generator is closed", async () => {
      let closed = false;
      const endless = async function* () {
        try {
          for (let i = 0; ; i++) {
            await sleep(5);
            yield { output: String(i) };
          }
        } finally {
          closed = true;
        }
      };
      await using client = await dummyClient({ handlerStyle, interceptors: [endless] });
      const reading = collectUntilFailure(client.executeServerStream({ input: "x" }, soon()));
      await sleep(40);
      client.server.forceShutdown();
      const { error } = await reading;
      expect([status.UNAVAILABLE, status.CANCELLED, status.INTERNAL]).to.include(error.code);
      await eventually(() => closed, "the server's generator is closed");
    });
  });
}
