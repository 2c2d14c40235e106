import { expect } from "chai";
import { Metadata, status, type sendUnaryData, type ServerUnaryCall } from "@grpc/grpc-js";
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
  GrpcJsDummyService,
  dummyClient,
  raises,
  type DummyRequest,
  type DummyResponse,
  type SpecialCase,
} from "grpc-interceptor/testing";
import { collect, collectUntilFailure, failure, recordingExceptionToStatus, soon } from "../support/calls.js";
import { decoratorMode } from "../support/decoratorMode.js";
import { handlerStyles, type HandlerStyle } from "../support/styles.js";

/** The dummy servicer of either style, typed loosely so that one decorated subclass body serves both. */
interface AnyStyleDummy {
  execute(...args: any[]): any;
  executeClientStream(...args: any[]): any;
  executeServerStream(...args: any[]): any;
  executeClientServerStream(...args: any[]): any;
}
type DummyBase = new (specialCases?: Record<string, SpecialCase>) => AnyStyleDummy;
const dummyBase = (style: HandlerStyle) =>
  (style === "async" ? DummyService : GrpcJsDummyService) as unknown as DummyBase;

const trace: string[] = [];
const tracer = (name: string) => (method: ServerMethod, request: unknown, context: ServerCallContext) => {
  trace.push(name);
  return method(request, context);
};

class BaseError extends Error {}
class MidError extends BaseError {}
class LeafError extends MidError {}
class UnmappedError extends Error {}

/** Inputs that fail with each kind of error: special cases of the dummy servicer. */
const failures: Record<string, SpecialCase> = {
  base: raises(new BaseError("base failed")),
  mid: raises(new MidError("mid failed")),
  leaf: raises(new LeafError("leaf failed")),
  unmapped: raises(new UnmappedError("secret")),
  denied: raises(new PermissionDenied("no entry")),
};

function kindRule(error: MidError): FailedPrecondition {
  const metadata = new Metadata();
  metadata.set("error-kind", error.constructor.name);
  return new FailedPrecondition(`custom: ${error.message}`, { metadata });
}

for (const handlerStyle of handlerStyles) {
  const Dummy = dummyBase(handlerStyle);
  const serve = (servicer: object, options: Parameters<typeof dummyClient>[0] = {}) =>
    dummyClient({ ...options, servicer, handlerStyle });

  describe(`decorators (${decoratorMode} decorators, ${handlerStyle} style)`, () => {
    beforeEach(() => (trace.length = 0));

    it("runs interceptors in the documented order: options, class (top first), method (top first), handler", async () => {
      @Intercept(tracer("class-top-1"), tracer("class-top-2"))
      @Intercept(tracer("class-bottom"))
      class Ordered extends Dummy {
        @Intercept(tracer("method-top"))
        @Intercept(tracer("method-bottom-1"), tracer("method-bottom-2"))
        override execute(...args: unknown[]) {
          trace.push("handler");
          return super.execute(...args);
        }
      }
      await using client = await serve(new Ordered(), { interceptors: [tracer("option-1"), tracer("option-2")] });
      expect(await client.execute({ input: "x" }, soon())).to.deep.equal({ output: "x" });
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
      class Selective extends Dummy {
        @Intercept(tracer("auth"))
        override execute(...args: unknown[]) {
          return super.execute(...args);
        }
      }
      await using client = await serve(new Selective(), { interceptors: [tracer("global")] });
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
      class Shared extends Dummy {
        @Intercept(Counting)
        override execute(...args: unknown[]) {
          return super.execute(...args);
        }
      }
      await using client = await serve(new Shared());
      await client.execute({ input: "x" }, soon());
      await client.executeClientStream([{ input: "x" }], soon());
      expect(built).to.have.length(1);
      expect(built[0]!.calls).to.equal(3);
      bootstrap(DummyServiceService, new Shared(), { handlerStyle });
      expect(built).to.have.length(2);
    });

    describe("@MapErrors", () => {
      @MapErrors([BaseError, status.NOT_FOUND], [MidError, status.INVALID_ARGUMENT])
      class Mapped extends Dummy {
        @MapErrors([MidError, status.OUT_OF_RANGE])
        override executeClientStream(...args: unknown[]) {
          return super.executeClientStream(...args);
        }

        @MapErrors([MidError, kindRule])
        override executeClientServerStream(...args: unknown[]) {
          return super.executeClientServerStream(...args);
        }
      }

      it("resolves the nearest class in the error's prototype chain over a three-level hierarchy", async () => {
        const esi = recordingExceptionToStatus();
        await using client = await serve(new Mapped(failures), { exceptionToStatus: esi });
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
        await using client = await serve(new Mapped(failures));
        const stream = (input: string) => client.executeClientStream([{ input: "ok" }, { input }], soon());
        expect((await failure(stream("leaf"))).code).to.equal(status.OUT_OF_RANGE);
        expect((await failure(stream("base"))).code).to.equal(status.NOT_FOUND);
        expect((await failure(client.execute({ input: "leaf" }, soon()))).code).to.equal(status.INVALID_ARGUMENT);
      });

      it("sends what a function rule returns, trailing metadata included, from the middle of a stream", async () => {
        await using client = await serve(new Mapped(failures));
        const { items, error } = await collectUntilFailure(
          client.executeClientServerStream([{ input: "first" }, { input: "leaf" }, { input: "never" }], soon()),
        );
        expect(items).to.deep.equal([{ output: "first" }]);
        expect([error.code, error.details]).to.deep.equal([status.FAILED_PRECONDITION, "custom: leaf failed"]);
        expect(error.metadata.get("error-kind")).to.deep.equal(["LeafError"]);
      });

      it("never remaps a GrpcException", async () => {
        @MapErrors([Error, status.INTERNAL])
        class Greedy extends Mapped {}
        await using client = await serve(new Greedy(failures));
        const denied = await failure(client.execute({ input: "denied" }, soon()));
        expect([denied.code, denied.details]).to.deep.equal([status.PERMISSION_DENIED, "no entry"]);
        expect((await failure(client.execute({ input: "unmapped" }, soon()))).code).to.equal(status.INTERNAL);
      });

      it("maps errors thrown by interceptors, and by an interceptor mid-stream", async () => {
        const failingMidStream = async function* (
          method: ServerMethod,
          request: DummyRequest,
          context: ServerCallContext,
        ) {
          for await (const response of method(request, context) as AsyncIterable<DummyResponse>) {
            yield response;
            throw new LeafError("interceptor mid-stream");
          }
        };
        const failingAtOnce = () => {
          throw new MidError("interceptor");
        };
        @MapErrors([BaseError, status.ABORTED])
        class FromInterceptors extends Dummy {
          @Intercept(failingAtOnce)
          override execute(...args: unknown[]) {
            return super.execute(...args);
          }

          @Intercept(failingMidStream)
          override executeServerStream(...args: unknown[]) {
            return super.executeServerStream(...args);
          }
        }
        await using client = await serve(new FromInterceptors());
        const unary = await failure(client.execute({ input: "x" }, soon()));
        expect([unary.code, unary.details]).to.deep.equal([status.ABORTED, "interceptor"]);
        const { items, error } = await collectUntilFailure(client.executeServerStream({ input: "abc" }, soon()));
        expect(items).to.deep.equal([{ output: "a" }]);
        expect([error.code, error.details]).to.deep.equal([status.ABORTED, "interceptor mid-stream"]);
      });

      it("maps errors thrown by options.interceptors too", async () => {
        @MapErrors([MidError, status.DATA_LOSS])
        class Plain extends Dummy {}
        const thrower = () => {
          throw new LeafError("global");
        };
        await using client = await serve(new Plain(), { interceptors: [thrower] });
        expect((await failure(client.execute({ input: "x" }, soon()))).code).to.equal(status.DATA_LOSS);
      });

      it("treats a function rule that returns no GrpcException as an unknown error, reported", async () => {
        @MapErrors([MidError, (() => "not an exception") as unknown as () => never])
        class BadRule extends Mapped {}
        const esi = recordingExceptionToStatus();
        await using client = await serve(new BadRule(failures), { exceptionToStatus: esi });
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
        await using client = await serve(new ThrowingRule(failures));
        const error = await failure(client.execute({ input: "mid" }, soon()));
        expect([error.code, error.details]).to.deep.equal([status.PERMISSION_DENIED, "thrown by the rule"]);
      });
    });

    describe("inheritance", () => {
      @Intercept(tracer("base-class"))
      @MapErrors([BaseError, status.NOT_FOUND], [MidError, status.ABORTED])
      class BaseServicer extends Dummy {
        @Intercept(tracer("base-method"))
        override execute(...args: unknown[]) {
          return super.execute(...args);
        }
      }

      @Intercept(tracer("sub-class"))
      @MapErrors([MidError, status.UNAVAILABLE])
      class SubServicer extends BaseServicer {
        @Intercept(tracer("sub-method"))
        override execute(...args: unknown[]) {
          return super.execute(...args);
        }
      }

      @Intercept(tracer("sibling-class"))
      class SiblingServicer extends BaseServicer {}

      it("inherits decorators; its own class interceptors run inside the inherited ones", async () => {
        await using client = await serve(new SubServicer());
        await client.execute({ input: "x" }, soon());
        expect(trace).to.deep.equal(["base-class", "sub-class", "base-method", "sub-method"]);
      });

      it("lets the subclass's rules beat inherited ones for the same error class", async () => {
        await using client = await serve(new SubServicer(failures));
        expect((await failure(client.execute({ input: "mid" }, soon()))).code).to.equal(status.UNAVAILABLE);
        expect((await failure(client.execute({ input: "base" }, soon()))).code).to.equal(status.NOT_FOUND);
      });

      it("keeps sibling classes and the base class apart", async () => {
        await using sibling = await serve(new SiblingServicer(failures));
        await sibling.execute({ input: "x" }, soon());
        expect(trace).to.deep.equal(["base-class", "sibling-class", "base-method"]);
        expect((await failure(sibling.execute({ input: "mid" }, soon()))).code).to.equal(status.ABORTED);
        trace.length = 0;
        await using base = await serve(new BaseServicer());
        await base.execute({ input: "x" }, soon());
        expect(trace).to.deep.equal(["base-class", "base-method"]);
      });
    });

    it("answers UNIMPLEMENTED for a method the servicer lacks, running no interceptor", async () => {
      // A servicer of its own, in the style under test, with one method only.
      const execute =
        handlerStyle === "async"
          ? async (request: DummyRequest) => ({ output: request.input })
          : (call: ServerUnaryCall<DummyRequest, DummyResponse>, callback: sendUnaryData<DummyResponse>) =>
              callback(null, { output: call.request.input });
      @Intercept(tracer("class"))
      class OnlyExecute {
        execute = execute;
      }
      await using client = await serve(new OnlyExecute());
      expect(await client.execute({ input: "x" }, soon())).to.deep.equal({ output: "x" });
      const error = await failure(collect(client.executeServerStream({ input: "x" }, soon())));
      expect(error.code).to.equal(status.UNIMPLEMENTED);
      expect(trace).to.deep.equal(["class"]);
    });
  });
}
