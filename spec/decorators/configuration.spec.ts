import { expect } from "chai";
import {
  credentials,
  loadPackageDefinition,
  Metadata,
  Server,
  ServerCredentials,
  status,
  type ServiceClientConstructor,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import {
  bootstrap,
  ExceptionToStatusInterceptor,
  Intercept,
  MapErrors,
  type InterceptorLike,
  type ServerCallContext,
  type ServerMethod,
} from "grpc-interceptor";
import { FailedPrecondition } from "grpc-interceptor/exceptions";
import {
  DummyService,
  DummyServiceClient,
  DummyServiceService,
  GrpcJsDummyService,
  dummyClient,
  raises,
  type SpecialCase,
} from "grpc-interceptor/testing";
import { collect, collectUntilFailure, failure, soon } from "../support/calls.js";
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

/** An exception-to-status stage that records when it runs, to prove it is the outermost step. */
class TracingStage extends ExceptionToStatusInterceptor {
  override intercept(method: ServerMethod, request: unknown, context: ServerCallContext, methodName: string) {
    trace.push("exception-to-status");
    return super.intercept(method, request, context, methodName);
  }
}

class BaseError extends Error {}
class MidError extends BaseError {}
class LeafError extends MidError {}
class DeepError extends LeafError {}

const failures: Record<string, SpecialCase> = {
  base: raises(new BaseError("base failed")),
  mid: raises(new MidError("mid failed")),
  leaf: raises(new LeafError("leaf failed")),
  deep: raises(new DeepError("deep failed")),
};

for (const handlerStyle of handlerStyles) {
  const Dummy = dummyBase(handlerStyle);
  const serve = (servicer: object, options: Parameters<typeof dummyClient>[0] = {}) =>
    dummyClient({ ...options, servicer, handlerStyle });

  describe(`decorator-free configuration (${decoratorMode} decorators, ${handlerStyle} style)`, () => {
    beforeEach(() => (trace.length = 0));

    it("runs stage, options, class, options.methods, method interceptors, handler: outermost first", async () => {
      @Intercept(tracer("class"))
      class Ordered extends Dummy {
        @Intercept(tracer("method"))
        override execute(...args: unknown[]) {
          trace.push("handler");
          return super.execute(...args);
        }

        override executeServerStream(...args: unknown[]) {
          trace.push("handler");
          return super.executeServerStream(...args);
        }
      }
      await using client = await serve(new Ordered(), {
        exceptionToStatus: new TracingStage(),
        interceptors: [tracer("options-1"), tracer("options-2")],
        methods: {
          execute: { interceptors: [tracer("execute-1"), tracer("execute-2")] },
          executeServerStream: { interceptors: [tracer("stream")] },
        },
      });
      expect(await client.execute({ input: "x" }, soon())).to.deep.equal({ output: "x" });
      expect(trace).to.deep.equal([
        "exception-to-status",
        "options-1",
        "options-2",
        "class",
        "execute-1",
        "execute-2",
        "method",
        "handler",
      ]);
      trace.length = 0;
      expect(await collect(client.executeServerStream({ input: "ab" }, soon()))).to.have.length(2);
      expect(trace).to.deep.equal(["exception-to-status", "options-1", "options-2", "class", "stream", "handler"]);
      trace.length = 0;
      await client.executeClientStream([{ input: "x" }], soon());
      expect(trace, "a method without options gets none").to.deep.equal([
        "exception-to-status",
        "options-1",
        "options-2",
        "class",
      ]);
    });

    describe("rule precedence", () => {
      // LeafError has a rule at all four levels for execute; fewer for the other methods.
      @MapErrors([LeafError, status.NOT_FOUND], [MidError, status.NOT_FOUND])
      class Mapped extends Dummy {
        @MapErrors([LeafError, status.OUT_OF_RANGE])
        override execute(...args: unknown[]) {
          return super.execute(...args);
        }
      }
      const options = {
        errors: [
          [DeepError, status.UNAVAILABLE],
          [LeafError, status.ABORTED],
          [MidError, status.ABORTED],
          [BaseError, (error: BaseError) => new FailedPrecondition(`options: ${error.message}`)],
        ],
        methods: {
          execute: { errors: [[LeafError, status.DATA_LOSS]] },
          executeClientStream: { errors: [[LeafError, status.DATA_LOSS]] },
        },
      } satisfies Parameters<typeof dummyClient>[0];
      const outcome = async (call: Promise<unknown>) => {
        const error = await failure(call);
        return [status[error.code], error.details];
      };

      it("for the same class: method @MapErrors, then options.methods, then class @MapErrors, then options.errors", async () => {
        await using client = await serve(new Mapped(failures), options);
        expect(await outcome(client.execute({ input: "leaf" }, soon()))).to.deep.equal(["OUT_OF_RANGE", "leaf failed"]);
        expect(await outcome(client.executeClientStream([{ input: "leaf" }], soon()))).to.deep.equal([
          "DATA_LOSS",
          "leaf failed",
        ]);
        const stream = await collectUntilFailure(client.executeServerStream({ input: "leaf" }, soon()));
        expect([status[stream.error.code], stream.error.details]).to.deep.equal(["NOT_FOUND", "leaf failed"]);
        expect(await outcome(client.execute({ input: "base" }, soon()))).to.deep.equal([
          "FAILED_PRECONDITION",
          "options: base failed",
        ]);
      });

      it("the nearest class in the error's prototype chain wins over a nearer level", async () => {
        await using client = await serve(new Mapped(failures), options);
        // DeepError's only rule is in options.errors; LeafError's method-level rule is farther up the chain.
        expect(await outcome(client.execute({ input: "deep" }, soon()))).to.deep.equal(["UNAVAILABLE", "deep failed"]);
        // MidError: class @MapErrors beats options.errors; options.methods has no MidError rule.
        expect(await outcome(client.executeClientStream([{ input: "mid" }], soon()))).to.deep.equal([
          "NOT_FOUND",
          "mid failed",
        ]);
      });

      it("options alone map errors of an undecorated servicer, for every method", async () => {
        await using client = await serve(new Dummy(failures), options);
        expect(await outcome(client.execute({ input: "leaf" }, soon()))).to.deep.equal(["DATA_LOSS", "leaf failed"]);
        const bidi = await collectUntilFailure(
          client.executeClientServerStream([{ input: "ok" }, { input: "leaf" }], soon()),
        );
        expect(bidi.items).to.deep.equal([{ output: "ok" }]);
        expect([status[bidi.error.code], bidi.error.details]).to.deep.equal(["ABORTED", "leaf failed"]);
      });
    });
  });
}

describe(`decorator-free configuration: names and mistakes (${decoratorMode} decorators)`, () => {
  const where = "bootstrap(…, DummyService)";
  const servicer = new DummyService();

  it("rejects a method name the definition lacks, listing the definition's methods", () => {
    expect(() => bootstrap(DummyServiceService, servicer, { methods: { exeucte: {} } } as never)).to.throw(
      TypeError,
      `${where}: options.methods.exeucte: the service definition has no method exeucte; ` +
        "its methods are execute, executeClientStream, executeServerStream, executeClientServerStream",
    );
  });

  it("finds a proto-loader method by its key or its originalName, and not twice", async () => {
    const loaded = loadPackageDefinition(loadSync("protos/dummy.proto"));
    const definition = (loaded["DummyService"] as ServiceClientConstructor).service;
    for (const name of ["Execute", "execute"]) {
      trace.length = 0;
      const server = new Server();
      server.addService(
        definition,
        bootstrap(definition, new DummyService(), { methods: { [name]: { interceptors: [tracer(name)] } } }),
      );
      const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
          error ? reject(error) : resolve(bound),
        ),
      );
      const client = new DummyServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
      try {
        const response = await new Promise((resolve, reject) =>
          client.execute({ input: "x" }, new Metadata(), soon(), (error, value) =>
            error ? reject(error) : resolve(value),
          ),
        );
        expect(response).to.deep.equal({ output: "x" });
        expect(trace).to.deep.equal([name]);
      } finally {
        client.close();
        server.forceShutdown();
      }
    }
    expect(() => bootstrap(definition, servicer, { methods: { Execute: {}, execute: {} } } as never)).to.throw(
      TypeError,
      `${where}: options.methods.execute configures method Execute a second time`,
    );
    expect(() => bootstrap(definition, servicer, { methods: { run: {} } } as never)).to.throw(
      TypeError,
      "its methods are Execute, ExecuteClientStream, ExecuteServerStream, ExecuteClientServerStream",
    );
  });

  it("rejects a bad interceptor or rule with the decorators' errors, naming the option", () => {
    const notAnInterceptor = 42 as unknown as InterceptorLike;
    expect(() =>
      bootstrap(DummyServiceService, servicer, {
        methods: { execute: { interceptors: [tracer("a"), notAnInterceptor] } },
      }),
    ).to.throw(TypeError, `${where} options.methods.execute.interceptors: argument 2 is number 42, not an interceptor`);
    expect(() =>
      bootstrap(DummyServiceService, servicer, {
        methods: {
          execute: {
            errors: [
              [BaseError, status.NOT_FOUND],
              [BaseError, status.OK as never],
            ],
          },
        },
      }),
    ).to.throw(
      TypeError,
      `${where}: options.methods.execute.errors[1] maps BaseError to number 0; expected a non-OK gRPC status code`,
    );
    expect(() =>
      bootstrap(DummyServiceService, servicer, { errors: [[() => {}, status.NOT_FOUND] as never] }),
    ).to.throw(TypeError, `${where}: options.errors[0] maps function (anonymous), which is not a class`);
    expect(() => bootstrap(DummyServiceService, servicer, { errors: [BaseError as never] })).to.throw(
      TypeError,
      `${where}: options.errors[0] is function BaseError, expected a pair [ErrorClass, status or (error) => GrpcException]`,
    );
    expect(() =>
      bootstrap(DummyServiceService, servicer, {
        errors: [
          [BaseError, status.NOT_FOUND],
          [BaseError, status.ABORTED],
        ],
      }),
    ).to.throw(TypeError, `${where}: BaseError has two rules (options.errors[1] repeats it)`);
  });

  it("rejects misshapen options with errors that name them", () => {
    expect(() => bootstrap(DummyServiceService, servicer, { methods: [] as never })).to.throw(
      TypeError,
      `${where}: options.methods is an object (Array), expected an object keyed by method name`,
    );
    expect(() =>
      bootstrap(DummyServiceService, servicer, { methods: { execute: { interceptor: [] } } as never }),
    ).to.throw(
      TypeError,
      `${where}: options.methods.execute.interceptor is not an option; a method takes interceptors, errors and policies`,
    );
    expect(() => bootstrap(DummyServiceService, servicer, { methods: { execute: true } } as never)).to.throw(
      TypeError,
      `${where}: options.methods.execute is boolean true, expected { interceptors?, errors?, policies? }`,
    );
    expect(() => bootstrap(DummyServiceService, servicer, { errors: status.NOT_FOUND as never })).to.throw(
      TypeError,
      `${where}: options.errors is number 5, expected an array of [ErrorClass, rule] pairs`,
    );
    expect(() => bootstrap(DummyServiceService, servicer, { interceptors: tracer("x") as never })).to.throw(
      TypeError,
      `${where} options.interceptors is function (anonymous), expected an array of interceptors`,
    );
  });
});
