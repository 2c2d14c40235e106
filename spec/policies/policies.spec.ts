import { expect } from "chai";
import { status } from "@grpc/grpc-js";
import {
  bootstrap,
  definePolicy,
  ConcurrencyLimit,
  Intercept,
  type Policy,
  type ServerCallContext,
  type ServerMethod,
} from "grpc-interceptor";
import { DummyService, DummyServiceService, dummyClient, type SpecialCase } from "grpc-interceptor/testing";
import { collect, failure, soon } from "../support/calls.js";
import { decoratorMode } from "../support/decoratorMode.js";
import { handlerStyles } from "../support/styles.js";
import { PermissionDenied } from "grpc-interceptor/exceptions";

const trace: string[] = [];
const tracer = (name: string) => (method: ServerMethod, request: unknown, context: ServerCallContext) => {
  trace.push(name);
  return method(request, context);
};
/** A policy of `kind` that records `name` when its stage runs. */
const tag = (kind: string, name: string): Policy =>
  definePolicy(`Tag(${name})`, { kind, stage: () => ({ intercept: tracer(name) }) });

class Traced extends DummyService {
  constructor(specialCases?: Record<string, SpecialCase>) {
    super(specialCases);
  }
  override execute(request: { input: string }, context: ServerCallContext) {
    trace.push("handler");
    return super.execute(request, context);
  }
}

describe(`policies: the mechanism (${decoratorMode} decorators)`, () => {
  beforeEach(() => (trace.length = 0));

  it("runs policies after every interceptor, always RateLimit, ConcurrencyLimit, Validate, then other kinds", async () => {
    @Intercept(tracer("class"))
    @tag("validate", "validate")
    class Servicer extends Traced {
      @tag("rateLimit", "rateLimit")
      @Intercept(tracer("method"))
      override execute(request: { input: string }, context: ServerCallContext) {
        return super.execute(request, context);
      }
    }
    await using client = await dummyClient({
      servicer: new Servicer(),
      interceptors: [tracer("options")],
      policies: [tag("concurrencyLimit", "concurrencyLimit"), tag("audit", "audit")],
    });
    await client.execute({ input: "x" }, soon());
    expect(trace).to.deep.equal([
      "options",
      "class",
      "method",
      "rateLimit",
      "concurrencyLimit",
      "validate",
      "audit",
      "handler",
    ]);
  });

  it("applies the nearest policy of each kind: method decorator, options.methods, class decorator, options.policies", async () => {
    @tag("k1", "class-k1")
    @tag("k2", "class-k2")
    @tag("k3", "class-k3")
    class Servicer extends Traced {
      @tag("k1", "method-k1")
      override execute(request: { input: string }, context: ServerCallContext) {
        return super.execute(request, context);
      }
    }
    await using client = await dummyClient({
      servicer: new Servicer(),
      policies: [tag("k1", "options-k1"), tag("k2", "options-k2"), tag("k3", "options-k3"), tag("k4", "options-k4")],
      methods: { execute: { policies: [tag("k1", "methods-k1"), tag("k2", "methods-k2")] } },
    });
    await client.execute({ input: "x" }, soon());
    expect(trace).to.deep.equal(["method-k1", "methods-k2", "class-k3", "options-k4", "handler"]);
  });

  it("lets a subclass's own policies win over inherited ones of the same kind", async () => {
    @tag("k", "base")
    class Base extends Traced {}
    @tag("k", "sub")
    class Sub extends Base {}
    await using client = await dummyClient({ servicer: new Sub() });
    await client.execute({ input: "x" }, soon());
    expect(trace).to.deep.equal(["sub", "handler"]);
  });

  it("costs nothing on methods a policy does not apply to: other methods' chains do not include it", async () => {
    class Servicer extends Traced {
      @tag("k", "only-execute")
      override execute(request: { input: string }, context: ServerCallContext) {
        return super.execute(request, context);
      }
    }
    await using client = await dummyClient({ servicer: new Servicer() });
    expect(await collect(client.executeServerStream({ input: "ab" }, soon()))).to.have.length(2);
    expect(trace).to.deep.equal([]);
  });

  it("lets a logging interceptor see a call a policy rejects, through onComplete", async () => {
    const outcomes: number[] = [];
    const reject = definePolicy("Reject", {
      kind: "reject",
      stage: () => ({
        intercept() {
          throw new PermissionDenied("no");
        },
      }),
    });
    await using client = await dummyClient({
      interceptors: [
        (method: ServerMethod, request: unknown, context: ServerCallContext) => {
          context.onComplete(({ code }) => outcomes.push(code));
          return method(request, context);
        },
      ],
      policies: [reject],
    });
    expect((await failure(client.execute({ input: "x" }, soon()))).code).to.equal(status.PERMISSION_DENIED);
    expect(outcomes).to.deep.equal([status.PERMISSION_DENIED]);
  });

  it("shares one policy value's stage state between the methods it applies to", async () => {
    let built = 0;
    let calls = 0;
    const counting = definePolicy("Counting", {
      kind: "counting",
      stage: () => {
        built++;
        return { intercept: (method, request, context) => (calls++, method(request, context)) };
      },
    });
    await using client = await dummyClient({ policies: [counting] });
    await client.execute({ input: "x" }, soon());
    await client.executeClientStream([{ input: "y" }], soon());
    expect({ built, calls }).to.deep.equal({ built: 4, calls: 2 });
  });

  describe("mistakes", () => {
    it("rejects two policies of one kind on one method, naming the method and the kind", () => {
      expect(() => {
        class Servicer extends DummyService {
          @ConcurrencyLimit({ max: 1 })
          @ConcurrencyLimit({ max: 2 })
          override execute(request: { input: string }, context: ServerCallContext) {
            return super.execute(request, context);
          }
        }
        return Servicer;
      }).to.throw(TypeError, /@ConcurrencyLimit on (Servicer\.)?execute: two concurrencyLimit policies at one level/);
    });

    it("rejects two policies of one kind on one class", () => {
      expect(() => {
        @ConcurrencyLimit({ max: 1 })
        @ConcurrencyLimit({ max: 2 })
        class Servicer extends DummyService {}
        return Servicer;
      }).to.throw(TypeError, /@ConcurrencyLimit on Servicer: two concurrencyLimit policies at one level/);
    });

    it("rejects two of one kind in options.policies and options.methods[name].policies, naming the option", () => {
      expect(() =>
        bootstrap(DummyServiceService, new DummyService(), {
          policies: [ConcurrencyLimit({ max: 1 }), ConcurrencyLimit({ max: 2 })],
        }),
      ).to.throw(TypeError, /options\.policies: two concurrencyLimit policies at one level/);
      expect(() =>
        bootstrap(DummyServiceService, new DummyService(), {
          methods: { execute: { policies: [ConcurrencyLimit({ max: 1 }), ConcurrencyLimit({ max: 2 })] } },
        }),
      ).to.throw(TypeError, /options\.methods\.execute\.policies: two concurrencyLimit policies/);
    });

    it("rejects something that is not a policy in policies, naming the option and position", () => {
      const options = { policies: [tracer("not a policy")] } as unknown as Parameters<typeof bootstrap>[2];
      expect(() => bootstrap(DummyServiceService, new DummyService(), options)).to.throw(
        TypeError,
        /options\.policies\[0\] is function .*not a policy/,
      );
    });

    it("rejects a policy listed among the interceptors, saying where it belongs", () => {
      const options = { interceptors: [ConcurrencyLimit({ max: 5 })] };
      expect(() => bootstrap(DummyServiceService, new DummyService(), options)).to.throw(
        TypeError,
        /options\.interceptors: argument 1 is a policy \(ConcurrencyLimit\), not an interceptor; list it in policies/,
      );
    });

    it("rejects a policy decorating a method the definition does not have, at bootstrap", () => {
      class Servicer extends DummyService {
        @ConcurrencyLimit({ max: 5 })
        notAnRpc() {}
      }
      expect(() => bootstrap(DummyServiceService, new Servicer())).to.throw(
        TypeError,
        /Servicer\.notAnRpc is decorated/,
      );
    });
  });
});

for (const handlerStyle of handlerStyles) {
  describe(`policies: both handler styles (${handlerStyle})`, () => {
    it("runs a policy's stage before the handler of every kind", async () => {
      const seen: string[] = [];
      const kindTag = definePolicy("KindTag", {
        kind: "kindTag",
        stage: (method) => ({
          intercept: (next, request, context) => (seen.push(method.kind), next(request, context)),
        }),
      });
      await using client = await dummyClient({ handlerStyle, policies: [kindTag] });
      await client.execute({ input: "a" }, soon());
      await client.executeClientStream([{ input: "a" }], soon());
      await collect(client.executeServerStream({ input: "a" }, soon()));
      await collect(client.executeClientServerStream([{ input: "a" }], soon()));
      expect(seen).to.deep.equal(["unary", "clientStream", "serverStream", "bidi"]);
    });
  });
}
