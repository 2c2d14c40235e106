import { expect } from "chai";
import { Metadata, status } from "@grpc/grpc-js";
import {
  ExceptionToStatusInterceptor,
  UNKNOWN_EXCEPTION_DETAILS,
  type ServerCallContext,
  type ServerMethod,
} from "grpc-interceptor";
import { GrpcException, NotFound, Unavailable } from "grpc-interceptor/exceptions";
import { dummyClient, raises, type DummyResponse } from "grpc-interceptor/testing";
import { collect, collectUntilFailure, failure, recordingExceptionToStatus, soon } from "../support/calls.js";
import { handlerStyles } from "../support/styles.js";

describe("ExceptionToStatusInterceptor options", () => {
  it("rejects OK and non-codes as statusOnUnknownException", () => {
    expect(() => new ExceptionToStatusInterceptor({ statusOnUnknownException: status.OK })).to.throw(RangeError, /OK/);
    expect(() => new ExceptionToStatusInterceptor({ statusOnUnknownException: 99 as status })).to.throw(
      RangeError,
      /99/,
    );
  });
});

for (const handlerStyle of handlerStyles) {
  describe(`exception to status (${handlerStyle} style)`, () => {
    it("sends UNKNOWN with details that reveal nothing, and reports the error with its stack", async () => {
      const esi = recordingExceptionToStatus();
      const secret = new Error("password=hunter2");
      await using client = await dummyClient({
        handlerStyle,
        exceptionToStatus: esi,
        specialCases: { boom: raises(secret) },
      });
      const error = await failure(client.execute({ input: "boom" }, soon()));
      expect(error.code).to.equal(status.UNKNOWN);
      expect(error.details).to.equal(UNKNOWN_EXCEPTION_DETAILS);
      expect(JSON.stringify(error.metadata.getMap())).not.to.contain("hunter2");
      expect(esi.reported).to.deep.equal([secret]);
      expect((esi.reported[0] as Error).stack).to.contain("password=hunter2");
    });

    it("uses statusOnUnknownException and detailsOnUnknownException when given", async () => {
      const esi = recordingExceptionToStatus({
        statusOnUnknownException: status.INTERNAL,
        detailsOnUnknownException: (e) => String(e),
      });
      await using client = await dummyClient({
        handlerStyle,
        exceptionToStatus: esi,
        specialCases: { boom: raises(new Error("oops")) },
      });
      const error = await failure(client.execute({ input: "boom" }, soon()));
      expect([error.code, error.details]).to.deep.equal([status.INTERNAL, "Error: oops"]);
    });

    it("keeps a code set on the context before an unknown error", async () => {
      const esi = recordingExceptionToStatus();
      await using client = await dummyClient({
        handlerStyle,
        exceptionToStatus: esi,
        specialCases: {
          coded: (_input, context) => {
            context.setCode(status.RESOURCE_EXHAUSTED);
            context.setDetails("slow down");
            throw new Error("quota");
          },
        },
      });
      const error = await failure(client.execute({ input: "coded" }, soon()));
      expect([error.code, error.details]).to.deep.equal([status.RESOURCE_EXHAUSTED, "slow down"]);
      expect(esi.reported).to.deep.equal([]);
    });

    it("prefers a GrpcException over a code set on the context", async () => {
      await using client = await dummyClient({
        handlerStyle,
        specialCases: {
          coded: (_input, context) => {
            context.setCode(status.RESOURCE_EXHAUSTED);
            throw new NotFound("really not found");
          },
        },
      });
      const error = await failure(client.execute({ input: "coded" }, soon()));
      expect([error.code, error.details]).to.deep.equal([status.NOT_FOUND, "really not found"]);
    });

    it("runs an extended handleException", async () => {
      class TimeoutError extends Error {}
      class Extended extends ExceptionToStatusInterceptor {
        handled: string[] = [];
        override handleException(
          error: unknown,
          request: unknown,
          context: ServerCallContext,
          methodName: string,
        ): never {
          this.handled.push(methodName);
          if (error instanceof TimeoutError) throw new Unavailable("try again");
          return super.handleException(error, request, context, methodName) as never;
        }
      }
      const esi = new Extended({ onUnknownException: () => {} });
      await using client = await dummyClient({
        handlerStyle,
        exceptionToStatus: esi,
        specialCases: { timeout: raises(new TimeoutError("t")), gone: raises(new NotFound()) },
      });
      expect((await failure(client.execute({ input: "timeout" }, soon()))).code).to.equal(status.UNAVAILABLE);
      expect((await failure(client.execute({ input: "gone" }, soon()))).code).to.equal(status.NOT_FOUND);
      expect(esi.handled).to.deep.equal(["/DummyService/Execute", "/DummyService/Execute"]);
    });

    // Serves "boom" (handler throws an Error) and "returns" (it throws the string "return") through `stage`:
    // unary and server-stream calls must end UNKNOWN with the safe details.
    async function expectUnknownThrough(stage: ExceptionToStatusInterceptor): Promise<void> {
      await using client = await dummyClient({
        handlerStyle,
        exceptionToStatus: stage,
        specialCases: { boom: raises(new Error("x")), returns: raises("return") },
      });
      for (const input of ["boom", "returns"]) {
        const unary = await failure(client.execute({ input }, soon()));
        expect([unary.code, unary.details], input).to.deep.equal([status.UNKNOWN, UNKNOWN_EXCEPTION_DETAILS]);
        const stream = await failure(collect(client.executeServerStream({ input }, soon())));
        expect([stream.code, stream.details], input).to.deep.equal([status.UNKNOWN, UNKNOWN_EXCEPTION_DETAILS]);
      }
    }

    it("survives a handleException that throws a plain error, or returns: the call still fails, never OK", async () => {
      const reported: unknown[] = [];
      class Broken extends ExceptionToStatusInterceptor {
        override handleException(error: unknown): never {
          if (error === "return") return undefined as never;
          throw new Error("handleException itself failed");
        }
      }
      await expectUnknownThrough(new Broken({ onUnknownException: (e) => reported.push(e) }));
      expect(reported).to.have.length(4);
      expect(String(reported[0])).to.contain("handleException itself failed");
      expect(String(reported[2])).to.contain("handleException returned instead of throwing");
    });

    it("survives a toGrpcException that throws or returns a non-exception: UNKNOWN, and the failure is reported", async () => {
      const reported: unknown[] = [];
      class Broken extends ExceptionToStatusInterceptor {
        override toGrpcException(error: unknown): GrpcException {
          if (error === "return") return "not an exception" as unknown as GrpcException;
          throw new Error("toGrpcException itself failed");
        }
      }
      await expectUnknownThrough(new Broken({ onUnknownException: (e) => reported.push(e) }));
      expect(reported.map(String)).to.deep.equal([
        "Error: toGrpcException itself failed",
        "Error: toGrpcException itself failed",
        'TypeError: Broken.toGrpcException returned "not an exception" instead of a GrpcException (in /DummyService/Execute)',
        'TypeError: Broken.toGrpcException returned "not an exception" instead of a GrpcException (in /DummyService/ExecuteServerStream)',
      ]);
    });

    it("runs an overridden intercept of the stage, outside every other interceptor", async () => {
      const seen: string[] = [];
      class Wrapping extends ExceptionToStatusInterceptor {
        override intercept(method: ServerMethod, request: unknown, context: ServerCallContext, methodName: string) {
          seen.push(`stage ${methodName}`);
          return super.intercept(method, request, context, methodName);
        }
      }
      await using client = await dummyClient({
        handlerStyle,
        exceptionToStatus: new Wrapping(),
        interceptors: [
          (method: ServerMethod, request: unknown, context: ServerCallContext) => {
            seen.push("inner");
            return method(request, context);
          },
        ],
        specialCases: { gone: raises(new NotFound("gone")) },
      });
      expect((await failure(client.execute({ input: "gone" }, soon()))).code).to.equal(status.NOT_FOUND);
      expect(seen).to.deep.equal(["stage /DummyService/Execute", "inner"]);
    });

    for (const [label, thrown] of [
      ["a string", "just a string"],
      ["undefined", undefined],
      ["null", null],
      ["a plain object", { code: "E_WEIRD" }],
      [
        "an error whose message getter throws",
        Object.defineProperty(new Error(), "message", {
          get() {
            throw new Error("getter");
          },
        }),
      ],
    ] as const) {
      it(`turns ${label} thrown by a handler into UNKNOWN for every kind`, async () => {
        const esi = recordingExceptionToStatus({ detailsOnUnknownException: (e) => String(e) });
        await using client = await dummyClient({
          handlerStyle,
          exceptionToStatus: esi,
          specialCases: { bad: raises(thrown) },
        });
        const errors = [
          await failure(client.execute({ input: "bad" }, soon())),
          await failure(client.executeClientStream([{ input: "bad" }], soon())),
          await failure(collect(client.executeServerStream({ input: "bad" }, soon()))),
          await failure(collect(client.executeClientServerStream([{ input: "bad" }], soon()))),
        ];
        for (const error of errors) expect(error.code).to.equal(status.UNKNOWN);
        expect(esi.reported).to.have.length(4);
      });
    }

    it("turns a rejected promise into the exception's status", async () => {
      await using client = await dummyClient({
        handlerStyle,
        specialCases: { later: () => Promise.reject(new NotFound("later")) },
      });
      const error = await failure(client.execute({ input: "later" }, soon()));
      expect([error.code, error.details]).to.deep.equal([status.NOT_FOUND, "later"]);
    });

    it("delivers the messages sent before an error mid-way through a server stream", async () => {
      const midway = async function* (method: ServerMethod, request: unknown, context: ServerCallContext) {
        let sent = 0;
        for await (const response of method(request, context) as AsyncIterable<DummyResponse>) {
          if (sent++ === 2) throw new NotFound("ran out");
          yield response;
        }
      };
      await using client = await dummyClient({ handlerStyle, interceptors: [midway] });
      const { items, error } = await collectUntilFailure(client.executeServerStream({ input: "abcdef" }, soon()));
      expect(items).to.deep.equal([{ output: "a" }, { output: "b" }]);
      expect([error.code, error.details]).to.deep.equal([status.NOT_FOUND, "ran out"]);
    });

    it("delivers bidi responses sent before a request fails mid-stream", async () => {
      await using client = await dummyClient({
        handlerStyle,
        specialCases: { bad: raises(new NotFound("bad input")) },
      });
      const { items, error } = await collectUntilFailure(
        client.executeClientServerStream([{ input: "a" }, { input: "b" }, { input: "bad" }, { input: "c" }], soon()),
      );
      expect(items).to.deep.equal([{ output: "a" }, { output: "b" }]);
      expect(error.code).to.equal(status.NOT_FOUND);
    });

    it("sends the status of a stream that fails while a request read is pending", async () => {
      const failWhileReading = async function* (
        _method: ServerMethod,
        requests: AsyncIterable<unknown>,
      ): AsyncGenerator<DummyResponse> {
        const reading = requests[Symbol.asyncIterator]();
        await reading.next(); // the first request
        const pending = reading.next(); // the client keeps its side open: this read stays pending
        pending.catch(() => {});
        yield { output: "before" };
        throw new NotFound("failed mid-read");
      };
      await using client = await dummyClient({ handlerStyle, interceptors: [failWhileReading] });
      const openRequests = async function* () {
        yield { input: "a" };
        await new Promise((resolve) => setTimeout(resolve, 3000));
      };
      const { items, error } = await collectUntilFailure(client.executeClientServerStream(openRequests(), soon(2000)));
      expect(items).to.deep.equal([{ output: "before" }]);
      expect([error.code, error.details]).to.deep.equal([status.NOT_FOUND, "failed mid-read"]);
    });

    it("handles an error raised while the request stream is read", async () => {
      const failingReader = (method: ServerMethod, requests: AsyncIterable<unknown>, context: ServerCallContext) =>
        method(
          (async function* () {
            for await (const request of requests) {
              yield request;
              throw new GrpcException("bad stream", { statusCode: status.DATA_LOSS });
            }
          })(),
          context,
        );
      await using client = await dummyClient({ handlerStyle, interceptors: [failingReader] });
      expect((await failure(client.executeClientStream([{ input: "a" }, { input: "b" }], soon()))).code).to.equal(
        status.DATA_LOSS,
      );
      const { error } = await collectUntilFailure(
        client.executeClientServerStream([{ input: "a" }, { input: "b" }], soon()),
      );
      expect(error.code).to.equal(status.DATA_LOSS);
    });

    it("merges the context's trailing metadata with the exception's", async () => {
      const exceptionMetadata = new Metadata();
      exceptionMetadata.set("from-exception", "1");
      await using client = await dummyClient({
        handlerStyle,
        specialCases: {
          gone: (_input, context) => {
            const trailers = new Metadata();
            trailers.set("from-context", "2");
            context.setTrailingMetadata(trailers);
            throw new NotFound("gone", { metadata: exceptionMetadata });
          },
        },
      });
      const error = await failure(client.execute({ input: "gone" }, soon()));
      expect(error.metadata.get("from-exception")).to.deep.equal(["1"]);
      expect(error.metadata.get("from-context")).to.deep.equal(["2"]);
    });

    it("fails a unary call whose handler returns nothing, instead of sending an empty OK", async () => {
      const esi = recordingExceptionToStatus();
      await using client = await dummyClient({ handlerStyle, exceptionToStatus: esi, interceptors: [() => undefined] });
      expect((await failure(client.execute({ input: "x" }, soon()))).code).to.equal(status.INTERNAL);
      expect(String(esi.reported[0])).to.contain("returned undefined instead of a response message");
    });

    it("fails a stream whose interceptor returns something that is not iterable", async () => {
      const esi = recordingExceptionToStatus();
      await using client = await dummyClient({ handlerStyle, exceptionToStatus: esi, interceptors: [() => 42] });
      expect((await failure(collect(client.executeServerStream({ input: "x" }, soon())))).code).to.equal(
        status.UNKNOWN,
      );
      expect(String(esi.reported[0])).to.contain("returned number 42");
    });

    it("keeps serving after every failure", async () => {
      const esi = recordingExceptionToStatus();
      await using client = await dummyClient({
        handlerStyle,
        exceptionToStatus: esi,
        specialCases: { boom: raises(new Error("x")) },
      });
      for (let i = 0; i < 20; i++) await failure(client.execute({ input: "boom" }, soon()));
      expect(await client.execute({ input: "fine" }, soon())).to.deep.equal({ output: "fine" });
    });
  });
}
