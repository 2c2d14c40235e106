import { expect } from "chai";
import { Metadata, status } from "@grpc/grpc-js";
import {
  bootstrap,
  Intercept,
  MapErrors,
  ServerInterceptor,
  type ServerCallContext,
  type ServerMethod,
} from "grpc-interceptor";
import { FailedPrecondition, PermissionDenied } from "grpc-interceptor/exceptions";
import {
  DummyService,
  DummyServiceService,
  dummyClient,
  type DummyRequest,
  type DummyResponse,
} from "grpc-interceptor/testing";
import { collect, collectUntilFailure, failure, recordingExceptionToStatus, soon } from "../support/calls.js";
import { decoratorMode } from "../support/decoratorMode.js";

const trace: string[] = [];
const tracer = (name: string) => (method: ServerMethod, request: unknown, context: ServerCallContext) => {
  trace.push(name);
  return method(request, context);
};

class BaseError extends Error {}
class MidError extends BaseError {}
class LeafError extends MidError {}
class UnmappedError extends Error {}

/** Throws what the request's input names, to exercise the rules. */
function throwFor(input: string): void {
  const errors: Record<string, () => unknown> = {
    base: () => new BaseError("base failed"),
    mid: () => new MidError("mid failed"),
    leaf: () => new LeafError("leaf failed"),
    unmapped: () => new UnmappedError("secret"),
    denied: () => new PermissionDenied("no entry"),
  };
  const make = errors[input];
  if (make) throw make();
}

describe(`decorators (${decoratorMode} decorators)`, () => {
  beforeEach(() => (trace.length = 0));

  it("runs interceptors in the documented order: options, class (top first), method (top first), handler", async () => {
    @Intercept(tracer("class-top-1"), tracer("class-top-2"))
    @Intercept(tracer("class-bottom"))
    class Ordered extends DummyService {
      @Intercept(tracer("method-top"))
      @Intercept(tracer("method-bottom-1"), tracer("method-bottom-2"))
      override async execute(request: DummyRequest, context: ServerCallContext): Promise<DummyResponse> {
        trace.push("handler");
        return super.execute(request, context);
      }
    }
    await using client = await dummyClient({
      servicer: new Ordered(),
      interceptors: [tracer("option-1"), tracer("option-2")],
    });
    await client.execute({ input: "x" }, soon());
    expect(trace).to.deep.equal([
      "option-1",
      "option-2",
      "class-top-1",
      "class-top-2",
      "class-bottom",
      "method-top",
      "method-bottom-1",
      "method-bottom-2",
      "handler",
    ]);
  });

  it("runs method-level interceptors for their method only", async () => {
    @Intercept(tracer("class"))
    class Selective extends DummyService {
      @Intercept(tracer("auth"))
      override execute(request: DummyRequest, context: ServerCallContext): Promise<DummyResponse> {
        return super.execute(request, context);
      }
    }
    await using client = await dummyClient({ servicer: new Selective(), interceptors: [tracer("global")] });
    await client.execute({ input: "x" }, soon());
    expect(trace).to.deep.equal(["global", "class", "auth"]);
    trace.length = 0;
    await collect(client.executeServerStream({ input: "x" }, soon()));
    await client.executeClientStream([{ input: "x" }], soon());
    expect(trace).to.deep.equal(["global", "class", "global", "class"]);
  });

  it("builds a class-form interceptor once per bootstrap, shared by the methods that use it", async () => {
    const built: Counting[] = [];
    class Counting extends ServerInterceptor {
      calls = 0;
      constructor() {
        super();
        built.push(this);
      }
      intercept(method: ServerMethod, request: unknown, context: ServerCallContext) {
        this.calls++;
        return method(request, context);
      }
    }
    @Intercept(Counting)
    class Shared extends DummyService {
      @Intercept(Counting)
      override execute(request: DummyRequest, context: ServerCallContext): Promise<DummyResponse> {
        return super.execute(request, context);
      }
    }
    await using client = await dummyClient({ servicer: new Shared() });
    await client.execute({ input: "x" }, soon());
    await client.executeClientStream([{ input: "x" }], soon());
    expect(built).to.have.length(1);
    expect(built[0]!.calls).to.equal(3);
    bootstrap(DummyServiceService, new Shared());
    expect(built).to.have.length(2);
  });

  describe("@MapErrors", () => {
    @MapErrors([BaseError, status.NOT_FOUND], [MidError, status.INVALID_ARGUMENT])
    class Mapped extends DummyService {
      override async execute(request: DummyRequest, context: ServerCallContext): Promise<DummyResponse> {
        throwFor(request.input);
        return super.execute(request, context);
      }

      @MapErrors([MidError, status.OUT_OF_RANGE])
      override async executeClientStream(requests: AsyncIterable<DummyRequest>, context: ServerCallContext) {
        for await (const request of requests) throwFor(request.input);
        return super.executeClientStream([] as unknown as AsyncIterable<DummyRequest>, context);
      }

      @MapErrors([
        MidError,
        (error: MidError) => {
          const metadata = new Metadata();
          metadata.set("error-kind", error.constructor.name);
          return new FailedPrecondition(`custom: ${error.message}`, { metadata });
        },
      ])
      override async *executeServerStream(request: DummyRequest, context: ServerCallContext) {
        yield { output: "first" };
        throwFor(request.input);
        yield* super.executeServerStream(request, context);
      }
    }

    it("resolves the nearest class in the error's prototype chain over a three-level hierarchy", async () => {
      const esi = recordingExceptionToStatus();
      await using client = await dummyClient({ servicer: new Mapped(), exceptionToStatus: esi });
      const leaf = await failure(client.execute({ input: "leaf" }, soon()));
      expect([leaf.code, leaf.details]).to.deep.equal([status.INVALID_ARGUMENT, "leaf failed"]);
      const mid = await failure(client.execute({ input: "mid" }, soon()));
      expect([mid.code, mid.details]).to.deep.equal([status.INVALID_ARGUMENT, "mid failed"]);
      const base = await failure(client.execute({ input: "base" }, soon()));
      expect([base.code, base.details]).to.deep.equal([status.NOT_FOUND, "base failed"]);
      const unmapped = await failure(client.execute({ input: "unmapped" }, soon()));
      expect(unmapped.code).to.equal(status.UNKNOWN);
      expect(unmapped.details).not.to.contain("secret");
      expect(esi.reported).to.have.length(1);
    });

    it("lets a method's rule beat its class's rule for the same error class", async () => {
      await using client = await dummyClient({ servicer: new Mapped() });
      expect((await failure(client.executeClientStream([{ input: "leaf" }], soon()))).code).to.equal(
        status.OUT_OF_RANGE,
      );
      expect((await failure(client.executeClientStream([{ input: "base" }], soon()))).code).to.equal(status.NOT_FOUND);
      expect((await failure(client.execute({ input: "leaf" }, soon()))).code).to.equal(status.INVALID_ARGUMENT);
    });

    it("sends what a function rule returns, trailing metadata included, also mid-stream", async () => {
      await using client = await dummyClient({ servicer: new Mapped() });
      const { items, error } = await collectUntilFailure(client.executeServerStream({ input: "leaf" }, soon()));
      expect(items).to.deep.equal([{ output: "first" }]);
      expect([error.code, error.details]).to.deep.equal([status.FAILED_PRECONDITION, "custom: leaf failed"]);
      expect(error.metadata.get("error-kind")).to.deep.equal(["LeafError"]);
    });

    it("never remaps a GrpcException", async () => {
      @MapErrors([Error, status.INTERNAL])
      class Greedy extends Mapped {}
      await using client = await dummyClient({ servicer: new Greedy() });
      const denied = await failure(client.execute({ input: "denied" }, soon()));
      expect([denied.code, denied.details]).to.deep.equal([status.PERMISSION_DENIED, "no entry"]);
      expect((await failure(client.execute({ input: "unmapped" }, soon()))).code).to.equal(status.INTERNAL);
    });

    it("maps errors thrown by interceptors, and by an interceptor mid-stream", async () => {
      const failing = async function* (method: ServerMethod, request: DummyRequest, context: ServerCallContext) {
        for await (const response of method(request, context) as AsyncIterable<DummyResponse>) {
          yield response;
          throw new LeafError("interceptor mid-stream");
        }
      };
      @MapErrors([BaseError, status.ABORTED])
      class FromInterceptors extends DummyService {
        @Intercept(() => {
          throw new MidError("interceptor");
        })
        override execute(request: DummyRequest, context: ServerCallContext): Promise<DummyResponse> {
          return super.execute(request, context);
        }

        @Intercept(failing)
        override executeServerStream(request: DummyRequest, context: ServerCallContext) {
          return super.executeServerStream(request, context);
        }
      }
      await using client = await dummyClient({ servicer: new FromInterceptors() });
      const unary = await failure(client.execute({ input: "x" }, soon()));
      expect([unary.code, unary.details]).to.deep.equal([status.ABORTED, "interceptor"]);
      const { items, error } = await collectUntilFailure(client.executeServerStream({ input: "abc" }, soon()));
      expect(items).to.deep.equal([{ output: "a" }]);
      expect([error.code, error.details]).to.deep.equal([status.ABORTED, "interceptor mid-stream"]);
    });

    it("maps errors thrown by options.interceptors too", async () => {
      @MapErrors([MidError, status.DATA_LOSS])
      class Plain extends DummyService {}
      const thrower = () => {
        throw new LeafError("global");
      };
      await using client = await dummyClient({ servicer: new Plain(), interceptors: [thrower] });
      expect((await failure(client.execute({ input: "x" }, soon()))).code).to.equal(status.DATA_LOSS);
    });

    it("treats a function rule that returns no GrpcException as an unknown error, reported", async () => {
      @MapErrors([MidError, (() => "not an exception") as unknown as () => never])
      class BadRule extends Mapped {}
      const esi = recordingExceptionToStatus();
      await using client = await dummyClient({ servicer: new BadRule(), exceptionToStatus: esi });
      expect((await failure(client.execute({ input: "mid" }, soon()))).code).to.equal(status.UNKNOWN);
      expect(String(esi.reported[0])).to.match(
        /@MapErrors rule of BadRule\.execute for MidError returned "not an exception"/,
      );
    });

    it("uses the exception a function rule throws", async () => {
      @MapErrors([
        MidError,
        () => {
          throw new PermissionDenied("thrown by the rule");
        },
      ])
      class ThrowingRule extends Mapped {}
      await using client = await dummyClient({ servicer: new ThrowingRule() });
      const error = await failure(client.execute({ input: "mid" }, soon()));
      expect([error.code, error.details]).to.deep.equal([status.PERMISSION_DENIED, "thrown by the rule"]);
    });
  });

  describe("inheritance", () => {
    @Intercept(tracer("base-class"))
    @MapErrors([BaseError, status.NOT_FOUND], [MidError, status.ABORTED])
    class BaseServicer extends DummyService {
      @Intercept(tracer("base-method"))
      override execute(request: DummyRequest, context: ServerCallContext): Promise<DummyResponse> {
        throwFor(request.input);
        return super.execute(request, context);
      }
    }

    @Intercept(tracer("sub-class"))
    @MapErrors([MidError, status.UNAVAILABLE])
    class SubServicer extends BaseServicer {
      @Intercept(tracer("sub-method"))
      override execute(request: DummyRequest, context: ServerCallContext): Promise<DummyResponse> {
        return super.execute(request, context);
      }
    }

    @Intercept(tracer("sibling-class"))
    class SiblingServicer extends BaseServicer {}

    it("inherits decorators; its own class interceptors run inside the inherited ones", async () => {
      await using client = await dummyClient({ servicer: new SubServicer() });
      await client.execute({ input: "x" }, soon());
      expect(trace).to.deep.equal(["base-class", "sub-class", "base-method", "sub-method"]);
    });

    it("lets the subclass's rules beat inherited ones for the same error class", async () => {
      await using client = await dummyClient({ servicer: new SubServicer() });
      expect((await failure(client.execute({ input: "mid" }, soon()))).code).to.equal(status.UNAVAILABLE);
      expect((await failure(client.execute({ input: "base" }, soon()))).code).to.equal(status.NOT_FOUND);
    });

    it("keeps sibling classes and the base class apart", async () => {
      await using sibling = await dummyClient({ servicer: new SiblingServicer() });
      await sibling.execute({ input: "x" }, soon());
      expect(trace).to.deep.equal(["base-class", "sibling-class", "base-method"]);
      expect((await failure(sibling.execute({ input: "mid" }, soon()))).code).to.equal(status.ABORTED);
      trace.length = 0;
      await using base = await dummyClient({ servicer: new BaseServicer() });
      await base.execute({ input: "x" }, soon());
      expect(trace).to.deep.equal(["base-class", "base-method"]);
    });
  });

  it("answers UNIMPLEMENTED for a method the servicer lacks, running no interceptor", async () => {
    @Intercept(tracer("class"))
    class OnlyExecute {
      async execute(request: DummyRequest): Promise<DummyResponse> {
        return { output: request.input };
      }
    }
    await using client = await dummyClient({ servicer: new OnlyExecute() });
    expect(await client.execute({ input: "x" }, soon())).to.deep.equal({ output: "x" });
    const error = await failure(collect(client.executeServerStream({ input: "x" }, soon())));
    expect(error.code).to.equal(status.UNIMPLEMENTED);
    expect(trace).to.deep.equal(["class"]);
  });
});
