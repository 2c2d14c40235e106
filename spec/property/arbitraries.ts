import { status } from "@grpc/grpc-js";
import fc from "fast-check";
import { errorCodes } from "./errors.js";
import {
  describeCase,
  requestStreams,
  responseStreams,
  type Case,
  type ClientMode,
  type Delay,
  type ErrorSpec,
  type FailHow,
  type HandlerOp,
  type InterceptorSpec,
  type Kind,
  type StreamOp,
  type UnaryOp,
} from "./model.js";

// fast-check arbitraries for cases. Everything is small and picked from short lists, so a failure
// shrinks to a case a person can read; `normalize` then removes what a client mode or style rules out.

const delay: fc.Arbitrary<Delay> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Delay>("none") },
  fc.constantFrom<Delay>("microtask", "immediate", "timer"),
);
const tag = fc.constantFrom("+x", "+y", "+z");
const output = fc.constantFrom("o1", "o2", "o3");
const message = fc.constantFrom("m1", "m2");
const code = fc.constantFrom(...errorCodes);
const rare = (arbitrary: fc.Arbitrary<boolean>) =>
  fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary });

const error: fc.Arbitrary<ErrorSpec> = fc.oneof(
  fc.record({
    type: fc.constant("grpc" as const),
    code,
    details: fc.constantFrom("d1", "d2"),
    via: fc.constantFrom("throw" as const, "abort" as const),
    trailer: fc.option(fc.constantFrom("t1", "t2"), { nil: undefined }),
  }),
  fc.record({
    type: fc.constant("mapped" as const),
    errorClass: fc.constantFrom("DomainError" as const, "Missing" as const, "Leaf" as const, "Invalid" as const),
    message,
  }),
  fc.record({
    type: fc.constant("unknown" as const),
    value: fc.constantFrom("Error" as const, "TypeError" as const, "Unrelated" as const, "string" as const),
    message,
  }),
);

const count = fc.integer({ min: 0, max: 3 });

function unaryOp(kind: Kind): fc.Arbitrary<UnaryOp> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant({ type: "pass" as const }) },
    fc.record({ type: fc.constant("mapRequest" as const), tag }),
    ...(requestStreams(kind) ? [fc.constant({ type: "dropFirst" as const })] : []),
    fc.record({ type: fc.constant("mapResponse" as const), tag }),
    fc.record({ type: fc.constant("shortCircuit" as const), output }),
    fc.record({ type: fc.constant("throwBefore" as const), error }),
    fc.record({ type: fc.constant("throwAfter" as const), error }),
    fc.record({ type: fc.constant("recover" as const), output }),
    fc.constant({ type: "pauseAfter" as const }),
  );
}

function streamOp(kind: Kind): fc.Arbitrary<StreamOp> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant({ type: "pass" as const }) },
    fc.record({ type: fc.constant("mapRequest" as const), tag }),
    ...(requestStreams(kind) ? [fc.constant({ type: "dropFirst" as const })] : []),
    { weight: 2, arbitrary: fc.record({ type: fc.constant("mapEach" as const), tag }) },
    fc.record({ type: fc.constant("prepend" as const), output }),
    fc.record({ type: fc.constant("append" as const), output }),
    fc.record({ type: fc.constant("shortCircuit" as const), outputs: fc.array(output, { maxLength: 3 }) }),
    fc.record({ type: fc.constant("throwBefore" as const), error }),
    { weight: 2, arbitrary: fc.record({ type: fc.constant("throwAt" as const), after: count, error }) },
    fc.record({ type: fc.constant("recover" as const), output }),
    fc.record({ type: fc.constant("take" as const), count }),
    fc.record({ type: fc.constant("pauseAt" as const), after: count }),
  );
}

function interceptor(kind: Kind): fc.Arbitrary<InterceptorSpec> {
  return fc.record({
    form: fc.constantFrom("instance" as const, "class" as const, "function" as const),
    delay,
    setCode: fc.option(fc.record({ code, details: fc.constantFrom("sc1", "sc2") }), { nil: undefined, freq: 6 }),
    pause: rare(fc.constant(true)),
    op: responseStreams(kind) ? streamOp(kind) : unaryOp(kind),
  });
}

function handlerOp(kind: Kind): fc.Arbitrary<HandlerOp> {
  const fail = fc.record({
    type: fc.constant("fail" as const),
    error,
    how: fc.constantFrom<FailHow>("throw", "callback", "emit", "destroy"),
  });
  const reads = requestStreams(kind)
    ? [
        { weight: 3, arbitrary: fc.constant({ type: "read" as const }) },
        { weight: 1, arbitrary: fc.constant({ type: "readAll" as const }) },
      ]
    : [];
  const emits = responseStreams(kind) ? [{ weight: 4, arbitrary: fc.constant({ type: "emit" as const }) }] : [];
  return fc.oneof(
    ...reads,
    ...emits,
    { weight: 2, arbitrary: fc.record({ type: fc.constant("delay" as const), delay }) },
    { weight: 1, arbitrary: fc.constant({ type: "pause" as const }) },
    { weight: 1, arbitrary: fail },
    ...(kind !== "unary" ? [{ weight: 1, arbitrary: fc.constant({ type: "destroyBare" as const }) }] : []),
  );
}

// Pause points only where the client waits for one (a cancel or a deadline), no-half-close only on
// request streams and with such a client; grpc-js-only ways to fail only in the grpc-js style.
function normalize(c: Case): Case {
  const pauses = c.client === "cancel" || c.client === "deadline";
  const interceptors = c.interceptors.map((spec) => {
    if (pauses) return spec;
    const op = spec.op.type === "pauseAfter" || spec.op.type === "pauseAt" ? { type: "pass" as const } : spec.op;
    return { ...spec, pause: false, op };
  });
  const handler = c.handler.filter(
    (op) => (pauses || op.type !== "pause") && (c.style === "grpc-js" || op.type !== "destroyBare"),
  );
  return {
    ...c,
    input: requestStreams(c.kind) ? "" : c.input,
    requests: requestStreams(c.kind) ? c.requests : [],
    withhold: c.withhold && pauses && requestStreams(c.kind),
    answerTwice: c.answerTwice && c.style === "grpc-js",
    interceptors,
    handler,
  };
}

function caseOf(kind: Kind): fc.Arbitrary<Case> {
  return fc
    .record({
      kind: fc.constant(kind),
      style: fc.constantFrom("async" as const, "grpc-js" as const),
      input: fc.constantFrom("a", "bc"),
      requests: fc.array(fc.constantFrom("a", "b", "c"), { maxLength: 4 }),
      withhold: rare(fc.constant(true)),
      interceptors: fc.array(interceptor(kind), { maxLength: 4 }),
      handler: fc.array(handlerOp(kind), { maxLength: 6 }),
      client: fc.oneof(
        { weight: 12, arbitrary: fc.constant<ClientMode>("normal") },
        { weight: 5, arbitrary: fc.constant<ClientMode>("cancel") },
        { weight: 1, arbitrary: fc.constant<ClientMode>("cancelAtStart") },
        { weight: 1, arbitrary: fc.constant<ClientMode>("deadline") },
      ),
      touchSignalEarly: fc.boolean(),
      setTrailer: fc.boolean(),
      sendHeaders: fc.boolean(),
      answerTwice: rare(fc.constant(true)),
      ets: fc.record({
        unknownCode: fc.oneof({ weight: 3, arbitrary: fc.constant(status.UNKNOWN) }, code),
        stringDetails: fc.boolean(),
        subclass: fc.boolean(),
      }),
    })
    .map(normalize)
    .map((c) => Object.assign(c, { [fc.toStringMethod]: () => describeCase(c) }));
}

/** One call: any kind, style, chain, handler script and client behaviour. */
export const caseArbitrary: fc.Arbitrary<Case> = fc.oneof(
  caseOf("unary"),
  caseOf("clientStream"),
  caseOf("serverStream"),
  caseOf("bidi"),
);
