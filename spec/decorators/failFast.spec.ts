import { expect } from "chai";
import { status } from "@grpc/grpc-js";
import { bootstrap, Intercept, MapErrors, type InterceptorLike } from "grpc-interceptor";
import { DummyService, DummyServiceService, type DummyRequest } from "grpc-interceptor/testing";
import { decoratorMode } from "../support/decoratorMode.js";

class DomainError extends Error {}

/** The decoration site as the error names it: standard method decorators cannot know their class. */
const site = (className: string, method: string) => (decoratorMode === "legacy" ? `${className}.${method}` : method);

describe(`fail-fast decorator errors (${decoratorMode} decorators)`, () => {
  it("rejects a non-interceptor argument to @Intercept on a method, naming the method and argument", () => {
    const missing = undefined as unknown as InterceptorLike;
    expect(() => {
      class Broken extends DummyService {
        @Intercept(() => undefined, missing)
        override execute(request: DummyRequest) {
          return Promise.resolve({ output: request.input });
        }
      }
      return Broken;
    }).to.throw(
      TypeError,
      `@Intercept on ${site("Broken", "execute")}: argument 2 is undefined, not an interceptor (an import cycle`,
    );
  });

  it("rejects a non-interceptor argument to @Intercept on a class, naming the class", () => {
    expect(() => {
      @Intercept(42 as unknown as InterceptorLike)
      class BrokenClass extends DummyService {}
      return BrokenClass;
    }).to.throw(TypeError, "@Intercept on BrokenClass: argument 1 is number 42, not an interceptor");
  });

  it("rejects a @MapErrors key that is not a class", () => {
    expect(() => {
      class NotAClass extends DummyService {
        @MapErrors([(() => {}) as unknown as typeof Error, status.NOT_FOUND])
        override execute(request: DummyRequest) {
          return Promise.resolve({ output: request.input });
        }
      }
      return NotAClass;
    }).to.throw(
      TypeError,
      `@MapErrors on ${site("NotAClass", "execute")}: rule 1 maps function (anonymous), which is not a class`,
    );
  });

  for (const [label, code] of [
    ["OK", status.OK],
    ["a number that is not a code", 42],
    ["a string", "NOT_FOUND"],
  ] as const) {
    it(`rejects a @MapErrors status that is ${label}`, () => {
      expect(() => {
        @MapErrors([DomainError, code as never])
        class BadStatus extends DummyService {}
        return BadStatus;
      }).to.throw(
        TypeError,
        /@MapErrors on BadStatus: rule 1 maps DomainError to .*expected a non-OK gRPC status code/,
      );
    });
  }

  it("rejects the same error class twice in one @MapErrors", () => {
    expect(() => {
      @MapErrors([DomainError, status.NOT_FOUND], [DomainError, status.ABORTED])
      class Twice extends DummyService {}
      return Twice;
    }).to.throw(TypeError, "@MapErrors on Twice: DomainError has two rules");
  });

  it("rejects at bootstrap a decorated method the definition does not have, listing the definition's methods", () => {
    class Extra extends DummyService {
      @Intercept(() => undefined)
      helper() {}
    }
    expect(() => bootstrap(DummyServiceService, new Extra())).to.throw(
      TypeError,
      "Extra.helper is decorated, but the service definition has no method helper; its methods are execute, executeClientStream, executeServerStream, executeClientServerStream",
    );
  });

  it("rejects bad bootstrap arguments with clear errors", () => {
    expect(() =>
      bootstrap(DummyServiceService, new DummyService(), { interceptors: [null as unknown as InterceptorLike] }),
    ).to.throw(TypeError, "bootstrap(…, DummyService) options.interceptors: argument 1 is null, not an interceptor");
    expect(() => bootstrap(undefined as never, new DummyService())).to.throw(
      TypeError,
      /service definition is undefined/,
    );
    expect(() => bootstrap(DummyServiceService, null as never)).to.throw(TypeError, /the servicer is null/);
    expect(() => bootstrap(DummyServiceService, new DummyService(), { handlerStyle: "sync" as never })).to.throw(
      TypeError,
      /handlerStyle "sync"/,
    );
  });

  it("rejects at bootstrap an async servicer given handlerStyle grpc-js, naming the method", () => {
    expect(() =>
      bootstrap(DummyServiceService, new DummyService() as never, {
        handlerStyle: "grpc-js",
        allowUnimplemented: true,
      }),
    ).to.throw(TypeError, /DummyService\.execute is an async function.*handlerStyle "grpc-js"/);
  });

  it("rejects at bootstrap a misspelt top-level option, naming it", () => {
    expect(() =>
      bootstrap(DummyServiceService, new DummyService(), { interceptor: [() => undefined] } as never),
    ).to.throw(TypeError, /options\.interceptor is not an option of bootstrap.*interceptors/);
  });

  it("rejects an interceptor class without intercept on its prototype, naming the class", () => {
    class NotAnInterceptor {
      run() {}
    }
    expect(() =>
      bootstrap(DummyServiceService, new DummyService(), { interceptors: [NotAnInterceptor as never] }),
    ).to.throw(TypeError, /argument 1 is class NotAnInterceptor, which has no intercept method/);
    expect(() => {
      @Intercept(NotAnInterceptor as never)
      class Decorated extends DummyService {}
      return Decorated;
    }).to.throw(TypeError, /@Intercept on Decorated: argument 1 is class NotAnInterceptor/);
  });

  it("rejects a @MapErrors class that does not extend Error, naming it", () => {
    class Plain {}
    expect(() => {
      @MapErrors([Plain, status.NOT_FOUND])
      class Mapped extends DummyService {}
      return Mapped;
    }).to.throw(TypeError, "@MapErrors on Mapped: rule 1 maps Plain, which does not extend Error");
  });
});
