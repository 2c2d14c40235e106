import { expect } from "chai";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { ExceptionToStatusInterceptor, MapErrors, type ServerCallContext } from "grpc-interceptor";
import {
  Aborted,
  FailedPrecondition,
  GrpcException,
  InvalidArgument,
  PermissionDenied,
  ResourceExhausted,
  Unavailable,
} from "grpc-interceptor/exceptions";
import {
  BadRequest,
  ErrorInfo,
  Help,
  PreconditionFailure,
  QuotaFailure,
  RetryInfo,
  statusDetailsOf,
  type ErrorDetail,
} from "grpc-interceptor/error-details";
import { dummyClient } from "grpc-interceptor/testing";
import { collect, collectUntilFailure, failure, recordingExceptionToStatus, soon } from "../support/calls.js";
import { handlerStyles } from "../support/styles.js";
import { expectMatchingTrailer, statusTrailer } from "./samples.js";
import { serve } from "./serve.js";

/** A domain error the servicers map with a @MapErrors function rule. */
class ShelfClosed extends Error {}

const closedShelf = PreconditionFailure.fromPartial({
  violations: [{ type: "SHELF", subject: "shelf/7", description: "closed" }],
});
const badTitle = BadRequest.fromPartial({ fieldViolations: [{ field: "title", description: "required" }] });
const quota = QuotaFailure.fromPartial({ violations: [{ subject: "user:ann", description: "3 streams at most" }] });
const stop = ErrorInfo.fromPartial({ reason: "STOPPED", domain: "books.example.com", metadata: { at: "stop" } });

const mapClosed = (error: ShelfClosed) => new FailedPrecondition(error.message, { errorDetails: [closedShelf] });

/** The four kinds failing, async style: a mapped domain error, a thrown exception, two mid-stream failures. */
@MapErrors([ShelfClosed, mapClosed])
class AsyncShelf {
  async execute(): Promise<never> {
    throw new ShelfClosed("shelf 7 is closed");
  }

  async executeClientStream(requests: AsyncIterable<unknown>): Promise<never> {
    for await (const _ of requests);
    throw new InvalidArgument("bad book", { errorDetails: [badTitle] });
  }

  async *executeServerStream(): AsyncIterable<{ output: string }> {
    yield { output: "1" };
    yield { output: "2" };
    throw new ResourceExhausted("too many streams", { errorDetails: [quota] });
  }

  async *executeClientServerStream(requests: AsyncIterable<{ input: string }>): AsyncIterable<{ output: string }> {
    for await (const { input } of requests) {
      if (input === "stop") throw new Aborted("stopped", { errorDetails: [stop] });
      yield { output: input };
    }
  }
}

/** The same failures written as grpc-js handlers: `callback(error)` and `emit("error", error)`. */
@MapErrors([ShelfClosed, mapClosed])
class GrpcJsShelf {
  execute(_call: unknown, callback: (error: Error) => void): void {
    setImmediate(() => callback(new ShelfClosed("shelf 7 is closed")));
  }

  executeClientStream(call: any, callback: (error: Error) => void): void {
    call.on("data", () => {});
    call.on("end", () => callback(new InvalidArgument("bad book", { errorDetails: [badTitle] })));
  }

  executeServerStream(call: any): void {
    call.write({ output: "1" });
    call.write({ output: "2" });
    setImmediate(() => call.emit("error", new ResourceExhausted("too many streams", { errorDetails: [quota] })));
  }

  executeClientServerStream(call: any): void {
    call.on("data", ({ input }: { input: string }) => {
      if (input === "stop") call.emit("error", new Aborted("stopped", { errorDetails: [stop] }));
      else call.write({ output: input });
    });
    call.on("end", () => call.end());
  }
}

/** Checks a failure's status, its matching details trailer and the details read back. */
function expectRich(error: ServiceError, code: status, details: string, errorDetails: ErrorDetail[]): void {
  expect([status[error.code], error.details]).to.deep.equal([status[code], details]);
  expectMatchingTrailer(error);
  expect(statusDetailsOf(error)).to.deep.equal(errorDetails);
}

describe("error details: every failure path keeps them", () => {
  for (const handlerStyle of handlerStyles) {
    describe(`${handlerStyle} style`, () => {
      const servicer = () => (handlerStyle === "async" ? new AsyncShelf() : new GrpcJsShelf());

      it("unary: a @MapErrors function rule's exception", async () => {
        await using served = await serve(servicer(), { handlerStyle });
        expectRich(await served.unaryFailure("x"), status.FAILED_PRECONDITION, "shelf 7 is closed", [closedShelf]);
      });

      it("client streaming: an exception after the requests", async () => {
        await using served = await serve(servicer(), { handlerStyle });
        expectRich(await served.clientStreamFailure(["a", "b"]), status.INVALID_ARGUMENT, "bad book", [badTitle]);
      });

      it("server streaming: mid-stream, after two messages", async () => {
        await using served = await serve(servicer(), { handlerStyle });
        const { outputs, error } = await served.streamFailure("x");
        expect(outputs).to.deep.equal(["1", "2"]);
        expectRich(error, status.RESOURCE_EXHAUSTED, "too many streams", [quota]);
      });

      it("bidi: mid-stream, after the first answer", async () => {
        await using served = await serve(servicer(), { handlerStyle });
        const { outputs, error } = await served.streamFailure(["a", "stop", "b"]);
        expect(outputs).to.deep.equal(["a"]);
        expectRich(error, status.ABORTED, "stopped", [stop]);
      });

      it("context.abort with error details, next to the context's trailing metadata", async () => {
        const help = Help.fromPartial({ links: [{ description: "Sign in", url: "https://example.com/login" }] });
        await using client = await dummyClient({
          handlerStyle,
          specialCases: {
            abort: (_input, context) => {
              const trailers = new Metadata();
              trailers.set("x-context", "kept");
              context.setTrailingMetadata(trailers);
              return context.abort(status.PERMISSION_DENIED, "sign in first", undefined, [help]);
            },
          },
        });
        const unary = await failure(client.execute({ input: "abort" }, soon()));
        const streamed = await collectUntilFailure(client.executeServerStream({ input: "abort" }, soon()));
        const bidi = await collectUntilFailure(client.executeClientServerStream([{ input: "abort" }], soon()));
        for (const error of [unary, streamed.error, bidi.error]) {
          expectRich(error, status.PERMISSION_DENIED, "sign in first", [help]);
          expect(error.metadata.get("x-context")).to.deep.equal(["kept"]);
        }
      });

      it("a handleException override that throws an exception with details", async () => {
        const retry = RetryInfo.fromPartial({ retryDelay: { seconds: 2 } });
        class RetryLater extends ExceptionToStatusInterceptor {
          override handleException(
            error: unknown,
            request: unknown,
            context: ServerCallContext,
            name: string,
          ): never | Promise<never> {
            if (error instanceof Error && error.message === "busy") {
              throw new Unavailable("try again", { errorDetails: [retry] });
            }
            return super.handleException(error, request, context, name);
          }
        }
        await using client = await dummyClient({
          handlerStyle,
          exceptionToStatus: new RetryLater(),
          specialCases: {
            busy: () => {
              throw new Error("busy");
            },
          },
        });
        expectRich(await failure(client.execute({ input: "busy" }, soon())), status.UNAVAILABLE, "try again", [retry]);
        const { error } = await collectUntilFailure(client.executeClientServerStream([{ input: "busy" }], soon()));
        expectRich(error, status.UNAVAILABLE, "try again", [retry]);
      });

      it("an interceptor that throws an exception with details, before and during a stream", async () => {
        const denied = ErrorInfo.fromPartial({ reason: "NO_TOKEN", domain: "auth.example.com" });
        await using client = await dummyClient({
          handlerStyle,
          interceptors: [
            (method, request, context, name) => {
              if (name.endsWith("/Execute")) throw new PermissionDenied("no token", { errorDetails: [denied] });
              if (name.endsWith("/ExecuteServerStream")) {
                return (async function* () {
                  for await (const response of method(request, context)) {
                    yield response;
                    throw new PermissionDenied("no token", { errorDetails: [denied] });
                  }
                })();
              }
              return method(request, context);
            },
          ],
        });
        expectRich(await failure(client.execute({ input: "x" }, soon())), status.PERMISSION_DENIED, "no token", [
          denied,
        ]);
        const { items, error } = await collectUntilFailure(client.executeServerStream({ input: "ab" }, soon()));
        expect(items).to.deep.equal([{ output: "a" }]);
        expectRich(error, status.PERMISSION_DENIED, "no token", [denied]);
        expect(await collect(client.executeClientServerStream([{ input: "ok" }], soon()))).to.deep.equal([
          { output: "ok" },
        ]);
      });

      it("an error without details, mapped or unknown, sends no details trailer", async () => {
        const stage = recordingExceptionToStatus();
        await using client = await dummyClient({
          handlerStyle,
          exceptionToStatus: stage,
          specialCases: {
            plain: () => {
              throw new Error("internal");
            },
            exception: () => {
              throw new GrpcException("bare", { statusCode: status.NOT_FOUND });
            },
          },
        });
        for (const input of ["plain", "exception"]) {
          const error = await failure(client.execute({ input }, soon()));
          expect(statusTrailer(error), input).to.equal(undefined);
          expect(statusDetailsOf(error)).to.deep.equal([]);
        }
      });
    });
  }
});
