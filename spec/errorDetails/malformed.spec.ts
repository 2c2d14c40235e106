import { expect } from "chai";
import {
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServiceError,
} from "@grpc/grpc-js";
import { ClientInterceptor, type ClientCallDetails, type ClientMethod } from "grpc-interceptor";
import { GrpcException, InvalidArgument } from "grpc-interceptor/exceptions";
import {
  Any,
  ErrorInfo,
  STATUS_DETAILS_KEY,
  Status,
  statusDetailsOf,
  type ErrorDetail,
} from "grpc-interceptor/error-details";
import { DummyServiceClient, DummyServiceService } from "grpc-interceptor/testing";
import { soon } from "../support/calls.js";

const info = ErrorInfo.fromPartial({ reason: "OK_DETAIL", domain: "example.com" });
const statusBytes = (code: number, details: Any[]) =>
  Buffer.from(Status.encode(Status.fromPartial({ code, message: "bad", details })).finish());
const pack = (detail: ErrorDetail & { $type: "google.rpc.ErrorInfo" }) =>
  Any.fromPartial({ typeUrl: "type.googleapis.com/google.rpc.ErrorInfo", value: ErrorInfo.encode(detail).finish() });

/** Trailers a plain grpc-js server (no bootstrap) sends with INVALID_ARGUMENT "bad", by request input. */
const trailers: Record<string, Buffer> = {
  garbage: Buffer.from([0xff, 0xff, 0xff, 0xff]),
  truncated: statusBytes(status.INVALID_ARGUMENT, [pack(info)]).subarray(0, 12),
  "other code": statusBytes(status.NOT_FOUND, [pack(info)]),
  "bad detail": statusBytes(status.INVALID_ARGUMENT, [
    pack(info),
    Any.fromPartial({ typeUrl: "type.googleapis.com/google.rpc.BadRequest", value: new Uint8Array([0x0a, 0x05, 1]) }),
  ]),
};

describe("error details: a malformed grpc-status-details-bin trailer", () => {
  let server: Server;
  let address: string;
  before(async () => {
    server = new Server();
    server.addService(DummyServiceService, {
      execute: (call: { request: { input: string } }, callback: sendUnaryData<unknown>) => {
        const metadata = new Metadata();
        metadata.set("x-kept", "yes");
        metadata.set(STATUS_DETAILS_KEY, trailers[call.request.input]!);
        callback({ code: status.INVALID_ARGUMENT, details: "bad", metadata });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    address = `127.0.0.1:${port}`;
  });
  after(() => server.forceShutdown());

  async function callFailing(input: string, interceptors: ClientInterceptor[] = []): Promise<ServiceError> {
    const client = new DummyServiceClient(address, credentials.createInsecure(), { interceptors });
    try {
      return await new Promise<ServiceError>((resolve, reject) =>
        client.execute({ input }, new Metadata(), soon(), (error) =>
          error ? resolve(error) : reject(new Error("the call succeeded")),
        ),
      );
    } finally {
      client.close();
    }
  }

  for (const input of ["garbage", "truncated", "other code"]) {
    it(`${input}: no details, reported, never thrown (statusDetailsOf and fromServiceError)`, async () => {
      const error = await callFailing(input);
      const problems: Error[] = [];
      expect(statusDetailsOf(error, { onMalformed: (problem) => problems.push(problem) })).to.deep.equal([]);
      const rethrown = GrpcException.fromServiceError(error, { onMalformed: (problem) => problems.push(problem) });
      expect(rethrown).to.be.an.instanceOf(InvalidArgument);
      expect([rethrown.details, rethrown.errorDetails]).to.deep.equal(["bad", []]);
      expect(rethrown.metadata?.get("x-kept")).to.deep.equal(["yes"]);
      expect(rethrown.metadata?.get(STATUS_DETAILS_KEY)).to.deep.equal([]); // the bad trailer is not sent on
      expect(problems.map((problem) => problem.name)).to.deep.equal([
        "MalformedStatusDetails",
        "MalformedStatusDetails",
      ]);
      expect(problems[0]!.message).to.match(
        input === "other code"
          ? /has code 5, but the call's status code is 3/
          : /is not a serialized google\.rpc\.Status/,
      );
    });
  }

  it("a known detail that does not decode stays packed, the others decode", async () => {
    const error = await callFailing("bad detail");
    const problems: Error[] = [];
    const details = statusDetailsOf(error, { onMalformed: (problem) => problems.push(problem) });
    expect(details.map((detail) => detail.$type)).to.deep.equal(["google.rpc.ErrorInfo", "google.protobuf.Any"]);
    expect(details[0]).to.deep.equal(info);
    expect((details[1] as Any).typeUrl).to.equal("type.googleapis.com/google.rpc.BadRequest");
    expect(problems).to.have.length(1);
    expect(problems[0]!.message).to.match(/error detail 1 .*google\.rpc\.BadRequest.* kept packed/);
  });

  it("a client interceptor reading the details of a malformed trailer gets [] and the call keeps its status", async () => {
    const seen: unknown[] = [];
    class Reader extends ClientInterceptor {
      async intercept(method: ClientMethod, request: unknown, details: ClientCallDetails): Promise<unknown> {
        try {
          return await method(request, details);
        } catch (error) {
          seen.push(statusDetailsOf(error, { onMalformed: () => seen.push("reported") }));
          throw error;
        }
      }
    }
    const error = await callFailing("garbage", [new Reader()]);
    expect([error.code, error.details]).to.deep.equal([status.INVALID_ARGUMENT, "bad"]);
    expect(seen).to.deep.equal(["reported", []]);
  });

  it("by default, one process warning for the first problem, none after it; a throwing reporter changes nothing", async () => {
    const warnings: Error[] = [];
    const listen = (warning: Error) => warnings.push(warning);
    process.on("warning", listen);
    try {
      const error = await callFailing("garbage");
      expect(statusDetailsOf(error)).to.deep.equal([]);
      expect(GrpcException.fromServiceError(error).errorDetails).to.deep.equal([]);
      const throwing = () => {
        throw new Error("reporter bug");
      };
      expect(statusDetailsOf(error, { onMalformed: throwing })).to.deep.equal([]);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    } finally {
      process.off("warning", listen);
    }
    expect(warnings.map((warning) => warning.name)).to.deep.equal(["MalformedStatusDetailsWarning"]);
    expect((warnings[0] as Error & { code?: string }).code).to.equal("GRPC_INTERCEPTOR_MALFORMED_STATUS_DETAILS");
    expect(warnings[0]!.message).to.match(/not a serialized google\.rpc\.Status/);
  });
});
