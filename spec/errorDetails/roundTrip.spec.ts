import { execFileSync } from "node:child_process";
import { inspect } from "node:util";
import { expect } from "chai";
import { Metadata, status } from "@grpc/grpc-js";
import { GrpcException, InvalidArgument } from "grpc-interceptor/exceptions";
import { Any, BadRequest, statusDetailsOf, type ErrorDetail } from "grpc-interceptor/error-details";
import { dummyClient } from "grpc-interceptor/testing";
import { failure, recordingExceptionToStatus, soon } from "../support/calls.js";
import { handlerStyles } from "../support/styles.js";
import { everyDetailType, expectMatchingTrailer, statusTrailer, unknownDetail } from "./samples.js";

/** The ServiceError of a unary call whose handler throws `exception`. */
async function failWith(exception: unknown, handlerStyle: (typeof handlerStyles)[number] = "async") {
  await using client = await dummyClient({
    handlerStyle,
    specialCases: {
      fail: () => {
        throw exception;
      },
    },
  });
  return await failure(client.execute({ input: "fail" }, soon()));
}

describe("error details: round trip over a real server", () => {
  for (const detail of everyDetailType) {
    it(`${detail.$type} arrives as it was sent`, async () => {
      const error = await failWith(new InvalidArgument("bad", { errorDetails: [detail] }));
      expect(error.code).to.equal(status.INVALID_ARGUMENT);
      expect(expectMatchingTrailer(error)).to.deep.equal([`type.googleapis.com/${detail.$type}`]);
      expect(statusDetailsOf(error)).to.deep.equal([detail]);
    });
  }

  for (const handlerStyle of handlerStyles) {
    it(`${handlerStyle} style: all of them and an unknown type, in order, next to the exception's trailers`, async () => {
      const metadata = new Metadata();
      metadata.set("x-shelf", "7");
      const sent: ErrorDetail[] = [...everyDetailType, unknownDetail];
      const error = await failWith(
        new GrpcException("no such shelf", { statusCode: status.NOT_FOUND, metadata, errorDetails: sent }),
        handlerStyle,
      );
      expect([error.code, error.details]).to.deep.equal([status.NOT_FOUND, "no such shelf"]);
      expect(error.metadata.get("x-shelf")).to.deep.equal(["7"]);
      expect(expectMatchingTrailer(error)).to.have.length(11);
      expect(statusDetailsOf(error)).to.deep.equal(sent);
    });
  }

  it("keeps an unknown packed type as its type URL and bytes, unchanged, whatever the URL's host", async () => {
    const other = Any.fromPartial({ typeUrl: "example.com/x/acme.Thing", value: new Uint8Array([0, 1, 2, 255]) });
    const error = await failWith(new InvalidArgument("bad", { errorDetails: [unknownDetail, other] }));
    const trailer = statusTrailer(error)!;
    expect(trailer.details.map((packed) => [packed.typeUrl, [...packed.value]])).to.deep.equal([
      [unknownDetail.typeUrl, [...unknownDetail.value]],
      [other.typeUrl, [...other.value]],
    ]);
    const read = statusDetailsOf(error);
    expect(read.map((detail) => detail.$type)).to.deep.equal(["google.protobuf.Any", "google.protobuf.Any"]);
    expect(read).to.deep.equal([unknownDetail, other]);
  });

  it("reads a known type under any type URL host, as other implementations do", async () => {
    const value = BadRequest.encode(BadRequest.fromPartial({ fieldViolations: [{ field: "a" }] })).finish();
    const packed = Any.fromPartial({ typeUrl: "example.com/google.rpc.BadRequest", value });
    const error = await failWith(new InvalidArgument("bad", { errorDetails: [packed] }));
    expect(statusDetailsOf(error)).to.deep.equal([BadRequest.fromPartial({ fieldViolations: [{ field: "a" }] })]);
  });

  it("adds nothing to a status without error details", async () => {
    const error = await failWith(new InvalidArgument("bad", { errorDetails: [] }));
    expect(statusTrailer(error)).to.equal(undefined);
    expect(statusDetailsOf(error)).to.deep.equal([]);
  });

  it("the details trailer's message is the details exactly, unicode and percent signs included", async () => {
    const details = 'détails ✓ 状态 100% "quoted" 😀';
    const error = await failWith(new InvalidArgument(details, { errorDetails: everyDetailType }));
    expect(error.details).to.equal(details);
    expectMatchingTrailer(error);
    expect(statusDetailsOf(error)).to.deep.equal(everyDetailType);
  });

  it("details truncated to 8 KiB leave no room for error details: none are sent, and that is reported", async () => {
    const stage = recordingExceptionToStatus();
    await using client = await dummyClient({
      exceptionToStatus: stage,
      specialCases: {
        long: () => {
          throw new InvalidArgument("x".repeat(20_000), { errorDetails: everyDetailType });
        },
      },
    });
    const error = await failure(client.execute({ input: "long" }, soon()));
    expect(error.details).to.match(/truncated/);
    expect(statusTrailer(error)).to.equal(undefined);
    expect(stage.reported.map((report) => (report as Error).name)).to.deep.equal(["ErrorDetailsTooLarge"]);
  });

  it("statusDetailsOf: [] for anything without a status, a GrpcException's own details", () => {
    for (const value of [undefined, null, 42, "x", new Error("x"), { metadata: "x" }, { code: 3 }]) {
      expect(statusDetailsOf(value)).to.deep.equal([]);
    }
    const exception = new InvalidArgument("bad", { errorDetails: everyDetailType });
    expect(statusDetailsOf(exception)).to.deep.equal(everyDetailType);
  });
});

describe("GrpcException errorDetails", () => {
  it("defaults to an empty list, and keeps a frozen copy of the given one", () => {
    expect(new InvalidArgument().errorDetails).to.deep.equal([]);
    const list: ErrorDetail[] = [everyDetailType[0]!];
    const exception = new InvalidArgument("bad", { errorDetails: list });
    list.push(everyDetailType[1]!);
    expect(exception.errorDetails).to.have.length(1);
    expect(Object.isFrozen(exception.errorDetails)).to.equal(true);
  });

  it("rejects, naming the class and index, what is not an error detail message", () => {
    const bad: unknown[] = [{ fieldViolations: [] }, { $type: "books.v1.Shelf" }, null, "BadRequest"];
    for (const detail of bad) {
      expect(() => new InvalidArgument("bad", { errorDetails: [everyDetailType[0]!, detail as ErrorDetail] })).to.throw(
        TypeError,
        /InvalidArgument: options\.errorDetails\[1\] is .*expected an error detail message/,
      );
    }
    expect(() => new InvalidArgument("bad", { errorDetails: "x" as never })).to.throw(TypeError, /expected an array/);
  });

  it("the exceptions entry loads the protobuf code only when a ServiceError is read", () => {
    const script = `
      const loaded = () => Object.keys(require.cache).some((file) => file.includes("generated"));
      const { GrpcException } = require("grpc-interceptor/exceptions");
      const before = loaded();
      GrpcException.fromServiceError({ code: 5, details: "x", metadata: new (require("@grpc/grpc-js").Metadata)() });
      console.log(JSON.stringify([before, loaded()]));`;
    const output = execFileSync(process.execPath, ["-e", script], { encoding: "utf8" });
    expect(JSON.parse(output)).to.deep.equal([false, true]);
  });

  it("util.inspect names the details' types", () => {
    const exception = new InvalidArgument("bad", { errorDetails: [everyDetailType[5]!, unknownDetail] });
    expect(inspect(exception)).to.contain("[errorDetails]: google.rpc.BadRequest, google.protobuf.Any");
  });
});
