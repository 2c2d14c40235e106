import { expect } from "chai";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { ClientInterceptor, type ClientCallDetails, type ClientMethod } from "grpc-interceptor";
import { FailedPrecondition, GrpcException, InvalidArgument, NotFound, Unknown } from "grpc-interceptor/exceptions";
import { BadRequest, ErrorInfo, STATUS_DETAILS_KEY, statusDetailsOf } from "grpc-interceptor/error-details";
import { dummyClient } from "grpc-interceptor/testing";
import { collectUntilFailure, failure, soon } from "../support/calls.js";
import { handlerStyles } from "../support/styles.js";
import { everyDetailType, expectMatchingTrailer, unknownDetail } from "./samples.js";

const badTitle = BadRequest.fromPartial({ fieldViolations: [{ field: "title", description: "required" }] });

function downstreamFailure(): GrpcException {
  const metadata = new Metadata();
  metadata.set("x-downstream", "books");
  return new InvalidArgument("invalid book", { metadata, errorDetails: [...everyDetailType, unknownDetail] });
}

describe("error details: GrpcException.fromServiceError", () => {
  for (const handlerStyle of handlerStyles) {
    it(`${handlerStyle} style: a handler rethrows a downstream failure: code, details, trailers, error details`, async () => {
      await using downstream = await dummyClient({
        specialCases: {
          fail: () => {
            throw downstreamFailure();
          },
        },
      });
      let rethrown: GrpcException | undefined;
      await using upstream = await dummyClient({
        handlerStyle,
        specialCases: {
          proxy: async () => {
            try {
              return (await downstream.execute({ input: "fail" }, soon())).output;
            } catch (error) {
              rethrown = GrpcException.fromServiceError(error);
              throw rethrown;
            }
          },
        },
      });
      const error = await failure(upstream.execute({ input: "proxy" }, soon()));
      expect(rethrown).to.be.an.instanceOf(InvalidArgument);
      expect(rethrown!.errorDetails).to.deep.equal([...everyDetailType, unknownDetail]);
      expect([error.code, error.details]).to.deep.equal([status.INVALID_ARGUMENT, "invalid book"]);
      expect(error.metadata.get("x-downstream")).to.deep.equal(["books"]);
      expect(error.metadata.get(STATUS_DETAILS_KEY)).to.have.length(1);
      expectMatchingTrailer(error);
      expect(statusDetailsOf(error)).to.deep.equal([...everyDetailType, unknownDetail]);
    });
  }

  it("keeps the ServiceError as cause, leaves its metadata alone, and builds the subclass for the code", async () => {
    await using client = await dummyClient({
      specialCases: {
        fail: () => {
          throw downstreamFailure();
        },
      },
    });
    const error = await failure(client.execute({ input: "fail" }, soon()));
    const before = error.metadata.get(STATUS_DETAILS_KEY);
    const exception = GrpcException.fromServiceError(error);
    expect(exception.cause).to.equal(error);
    expect(error.metadata.get(STATUS_DETAILS_KEY)).to.deep.equal(before);
    expect(exception.metadata?.get(STATUS_DETAILS_KEY)).to.deep.equal([]);
    expect(exception.metadata?.get("content-type")).to.deep.equal([]); // response headers are not trailers
    const notFound = { code: status.NOT_FOUND, details: "gone", metadata: new Metadata() };
    expect(GrpcException.fromServiceError(notFound)).to.be.an.instanceOf(NotFound);
    const exception2 = new NotFound("gone", { errorDetails: everyDetailType });
    expect(GrpcException.fromServiceError(exception2)).to.equal(exception2);
  });

  it("anything that is not a failed status becomes UNKNOWN, never throwing", () => {
    for (const value of [new Error("plain"), { code: status.OK, details: "ok" }, { code: 99 }, null, "x"]) {
      const exception = GrpcException.fromServiceError(value);
      expect(exception, String(value)).to.be.an.instanceOf(Unknown);
      expect(exception.statusCode).to.equal(status.UNKNOWN);
      expect(exception.errorDetails).to.deep.equal([]);
    }
    expect(GrpcException.fromServiceError(new Error("plain")).details).to.equal("plain");
    const throwing = Object.defineProperty({}, "code", {
      get() {
        throw new Error("no");
      },
    });
    expect(GrpcException.fromServiceError(throwing).statusCode).to.equal(status.UNKNOWN);
  });
});

describe("error details: client interceptors", () => {
  it("see the details of a failure, unary and mid-stream, and the caller still gets them", async () => {
    const seen: string[][] = [];
    class Recorder extends ClientInterceptor {
      intercept(method: ClientMethod, request: unknown, details: ClientCallDetails): unknown {
        const record = (error: unknown) => seen.push(statusDetailsOf(error).map((detail) => detail.$type));
        const result = method(request, details);
        if (result instanceof Promise) return result.catch((error: unknown) => (record(error), Promise.reject(error)));
        return (async function* () {
          try {
            yield* result as AsyncIterable<unknown>;
          } catch (error) {
            record(error);
            throw error;
          }
        })();
      }
    }
    await using client = await dummyClient({
      clientInterceptors: [new Recorder()],
      specialCases: {
        bad: () => {
          throw new InvalidArgument("bad", { errorDetails: [badTitle] });
        },
      },
    });
    const unary = await failure(client.execute({ input: "bad" }, soon()));
    const { items, error: bidi } = await collectUntilFailure(
      client.executeClientServerStream([{ input: "ok" }, { input: "bad" }], soon()),
    );
    expect(items).to.deep.equal([{ output: "ok" }]);
    expect(seen).to.deep.equal([["google.rpc.BadRequest"], ["google.rpc.BadRequest"]]);
    for (const error of [unary, bidi]) expect(statusDetailsOf(error)).to.deep.equal([badTitle]);
  });

  it("can fail a call with error details of their own, or rethrow a failure with fromServiceError", async () => {
    const local = ErrorInfo.fromPartial({ reason: "CLIENT_CHECK", domain: "client.example.com" });
    const rejecting = (_method: ClientMethod, request: any) => {
      if (request.input === "") throw new FailedPrecondition("empty input", { errorDetails: [local] });
      return _method(request, {} as never);
    };
    const rethrowing: ClientInterceptor = new (class extends ClientInterceptor {
      async intercept(method: ClientMethod, request: unknown, details: ClientCallDetails): Promise<unknown> {
        try {
          return await method(request, details);
        } catch (error) {
          const rethrown = GrpcException.fromServiceError(error as ServiceError);
          throw new NotFound(`upstream: ${rethrown.details}`, { errorDetails: rethrown.errorDetails });
        }
      }
    })();
    await using rejectingClient = await dummyClient({ clientInterceptors: [rejecting as never] });
    const rejected = await failure(rejectingClient.execute({ input: "" }, soon()));
    expect([rejected.code, rejected.details]).to.deep.equal([status.FAILED_PRECONDITION, "empty input"]);
    expect(statusDetailsOf(rejected)).to.deep.equal([local]);

    await using client = await dummyClient({
      clientInterceptors: [rethrowing],
      specialCases: {
        bad: () => {
          throw new InvalidArgument("bad", { errorDetails: [badTitle] });
        },
      },
    });
    const error = await failure(client.execute({ input: "bad" }, soon()));
    expect([error.code, error.details]).to.deep.equal([status.NOT_FOUND, "upstream: bad"]);
    expect(statusDetailsOf(error)).to.deep.equal([badTitle]);
  });
});
