import { inspect } from "node:util";
import { expect } from "chai";
import { Metadata, status } from "@grpc/grpc-js";
import { ExceptionToStatusInterceptor } from "grpc-interceptor";
import * as exceptions from "grpc-interceptor/exceptions";
import { GrpcException, NotFound } from "grpc-interceptor/exceptions";
import { dummyClient, raises } from "grpc-interceptor/testing";
import { failure, soon } from "./support/calls.js";

const subclasses: [string, status][] = [
  ["Cancelled", status.CANCELLED],
  ["Unknown", status.UNKNOWN],
  ["InvalidArgument", status.INVALID_ARGUMENT],
  ["DeadlineExceeded", status.DEADLINE_EXCEEDED],
  ["NotFound", status.NOT_FOUND],
  ["AlreadyExists", status.ALREADY_EXISTS],
  ["PermissionDenied", status.PERMISSION_DENIED],
  ["ResourceExhausted", status.RESOURCE_EXHAUSTED],
  ["FailedPrecondition", status.FAILED_PRECONDITION],
  ["Aborted", status.ABORTED],
  ["OutOfRange", status.OUT_OF_RANGE],
  ["Unimplemented", status.UNIMPLEMENTED],
  ["Internal", status.INTERNAL],
  ["Unavailable", status.UNAVAILABLE],
  ["DataLoss", status.DATA_LOSS],
  ["Unauthenticated", status.UNAUTHENTICATED],
];

type ExceptionClass = new (details?: string, options?: ConstructorParameters<typeof GrpcException>[1]) => GrpcException;
const classOf = (name: string) => (exceptions as unknown as Record<string, ExceptionClass>)[name]!;

describe("exceptions", () => {
  it("has one subclass per non-OK code, each with its own code and its own default details", () => {
    const details = new Set<string>();
    for (const [name, code] of subclasses) {
      const error = new (classOf(name))();
      expect(error, name).to.be.instanceOf(GrpcException).and.instanceOf(Error);
      expect(error.statusCode, name).to.equal(code);
      expect(error.statusString, name).to.equal(status[code]);
      expect(error.name, name).to.equal(name);
      expect(error.message, name).to.equal(error.details);
      details.add(error.details);
    }
    expect(details.size).to.equal(16);
  });

  it("defaults the base class to UNKNOWN and accepts custom details, code, metadata and cause", () => {
    expect(new GrpcException().statusCode).to.equal(status.UNKNOWN);
    const metadata = new Metadata();
    metadata.set("k", "v");
    const cause = new Error("root");
    const error = new NotFound("missing thing", { statusCode: status.ABORTED, metadata, cause });
    expect(error.details).to.equal("missing thing");
    expect(error.statusCode).to.equal(status.ABORTED);
    expect(error.statusString).to.equal("ABORTED");
    expect(error.metadata).to.equal(metadata);
    expect(error.cause).to.equal(cause);
    expect(new GrpcException(undefined, { statusCode: status.NOT_FOUND }).statusString).to.equal("NOT_FOUND");
  });

  it("throws RangeError for OK and for values that are not gRPC codes", () => {
    expect(() => new GrpcException("x", { statusCode: status.OK })).to.throw(RangeError, /OK/);
    expect(() => new NotFound("x", { statusCode: 17 as status })).to.throw(RangeError, /NotFound.*17/);
    expect(() => new GrpcException("x", { statusCode: 1.5 as status })).to.throw(RangeError);
    expect(() => new GrpcException("x", { statusCode: "5" as unknown as status })).to.throw(RangeError);
  });

  it("shows class, status and details in String() and util.inspect", () => {
    const error = new NotFound("Sorry, your thing is missing", { cause: new Error("db row 7") });
    expect(String(error)).to.equal("NotFound [NOT_FOUND]: Sorry, your thing is missing");
    const shown = inspect(error);
    expect(shown).to.match(/^NotFound \[NOT_FOUND\]: Sorry, your thing is missing\n\s+at /);
    expect(shown).to.contain("[cause]: Error: db row 7");
    expect(error.stack).to.match(/^NotFound: Sorry/);
  });

  it("keeps instanceof between the CommonJS and ES module builds", async () => {
    const esm = (await import("grpc-interceptor/exceptions")) as typeof exceptions;
    expect(new esm.NotFound()).to.be.instanceOf(NotFound).and.instanceOf(GrpcException);
    expect(new NotFound()).to.be.instanceOf(esm.GrpcException);
    const esmMain = (await import("grpc-interceptor")) as typeof import("grpc-interceptor");
    expect(esmMain.ExceptionToStatusInterceptor).to.equal(ExceptionToStatusInterceptor);
  });

  it("reaches the client with its code and default details, for each of the 16", async () => {
    const specialCases = Object.fromEntries(subclasses.map(([name]) => [name, raises(new (classOf(name))())]));
    await using client = await dummyClient({ specialCases });
    for (const [name, code] of subclasses) {
      const error = await failure(client.execute({ input: name }, soon()));
      expect(error.code, name).to.equal(code);
      expect(error.details, name).to.equal(new (classOf(name))().details);
    }
  });

  it("reaches the client with custom details and trailing metadata", async () => {
    const metadata = new Metadata();
    metadata.set("retry-after", "3");
    await using client = await dummyClient({
      specialCases: { gone: raises(new NotFound("Sorry, your thing is missing", { metadata })) },
    });
    const error = await failure(client.execute({ input: "gone" }, soon()));
    expect(error.code).to.equal(status.NOT_FOUND);
    expect(error.details).to.equal("Sorry, your thing is missing");
    expect(error.metadata.get("retry-after")).to.deep.equal(["3"]);
  });
});
