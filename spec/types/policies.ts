// Type tests (compiled, never run): policies as decorators and as options, and what does not compile.
import {
  bootstrap,
  ConcurrencyLimit,
  Deadline,
  definePolicy,
  RateLimit,
  Validate,
  type InterceptFunction,
  type Policy,
} from "grpc-interceptor";
import { DummyService, DummyServiceService, type DummyRequest } from "grpc-interceptor/testing";
import type { StandardSchemaV1 } from "@standard-schema/spec";

declare const schema: StandardSchemaV1<DummyRequest>;
const limiter = { consume: async (_key: string, _points?: number) => ({}) };
const logging: InterceptFunction = (method, request, context) => method(request, context);

// --- must compile -------------------------------------------------------------------------------

@Deadline({ defaultMs: 2_000, maxMs: 30_000 })
@RateLimit({ limiter, key: (context) => context.peer, cost: 2, onLimiterError: "reject" })
class Decorated extends DummyService {
  @Validate(schema, { response: schema })
  @ConcurrencyLimit({ max: 4, queue: 8 })
  override async execute(request: DummyRequest) {
    return { output: request.input };
  }
}
bootstrap(DummyServiceService, new Decorated());

const custom: Policy = definePolicy("Audit", {
  kind: "audit",
  stage: (method) => ({ intercept: (next, request, context) => (method.where, next(request, context)) }),
});
bootstrap(DummyServiceService, new DummyService(), {
  policies: [Deadline({ maxMs: 5 }), ConcurrencyLimit({ max: 5 }), custom],
  methods: { execute: { policies: [Validate(schema)] }, executeServerStream: { policies: [] } },
});

// --- must not compile ---------------------------------------------------------------------------

bootstrap(DummyServiceService, new DummyService(), {
  // @ts-expect-error an interceptor is not a policy
  policies: [logging],
});
bootstrap(DummyServiceService, new DummyService(), {
  methods: {
    // @ts-expect-error a method key the definition lacks
    createBook: { policies: [ConcurrencyLimit({ max: 5 })] },
  },
});
// @ts-expect-error ConcurrencyLimit takes numbers
ConcurrencyLimit({ max: "5" });
// @ts-expect-error Deadline takes milliseconds as numbers
Deadline({ maxMs: "5s" });
// @ts-expect-error RateLimit needs a limiter
RateLimit({ cost: 1 });
// @ts-expect-error onLimiterError is "allow" or "reject"
RateLimit({ limiter, onLimiterError: "ignore" });
// @ts-expect-error ConcurrencyLimit needs max
ConcurrencyLimit({ queue: 3 });
// @ts-expect-error Validate needs a Standard Schema
Validate({ parse: (value: unknown) => value });
