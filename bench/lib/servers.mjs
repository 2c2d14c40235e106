// The server setups, each built the way its library's own documentation shows, all serving the same
// ts-proto definition (DummyServiceService) so every setup pays the same protobuf codec cost.
import { createServer as createNetServer } from "node:net";
import {
  grpc,
  libraryName,
  loadOurs,
  parseStreamRequest,
  RecordConflict,
  RecordInvalid,
  RecordNotFound,
  status,
  streamMessage,
  Unavailable,
} from "./common.mjs";

export { Unavailable };

/** Requests with this input fail with a domain error that each setup maps to NOT_FOUND its own way. */
export const FAIL_INPUT = "fail";
/** Requests with this input are held open until the orchestrator releases them (in-flight memory). */
export const HOLD_INPUT = "hold";
const held = [];
/** How many calls are being held open right now. */
export const heldCalls = () => held.length;
/** Lets every held call answer (with its input echoed); returns how many there were. */
export function releaseHeld() {
  const count = held.length;
  for (const release of held.splice(0)) release();
  return count;
}
/** A promise of `{ output }` that resolves when the orchestrator releases the held calls. */
const holdAsync = (input) => new Promise((resolve) => held.push(() => resolve({ output: input })));
const NOT_FOUND_MESSAGE = "no such record";
const notFound = () => new RecordNotFound(NOT_FOUND_MESSAGE);

/** Applies legacy-style decorators from plain JavaScript, as TypeScript's `experimentalDecorators` output does. */
export function decorate(target, { classDecorators = [], methods = {} } = {}) {
  for (const [key, decorators] of Object.entries(methods)) {
    const descriptor = Object.getOwnPropertyDescriptor(target.prototype, key);
    Object.defineProperty(target.prototype, key, Reflect.decorate(decorators, target.prototype, key, descriptor));
  }
  return Reflect.decorate(classDecorators, target);
}

// ---- grpc-js handlers: the limit ------------------------------------------------------------------

/** Writes `count` messages honouring backpressure, then ends the call. */
function writeMessages(call, count, message) {
  let sent = 0;
  const pump = () => {
    while (sent < count) {
      if (call.cancelled) return;
      sent++;
      if (!call.write(message)) {
        call.once("drain", pump);
        return;
      }
    }
    call.end();
  };
  pump();
}

function rawHandlers() {
  return {
    execute(call, callback) {
      if (call.request.input === FAIL_INPUT) {
        const error = notFound(); // the same domain error the other setups throw, mapped by hand
        callback({ code: status.NOT_FOUND, details: error.message });
        return;
      }
      if (call.request.input === HOLD_INPUT) {
        held.push(() => callback(null, { output: HOLD_INPUT }));
        return;
      }
      callback(null, { output: call.request.input });
    },
    executeServerStream(call) {
      const { count, size } = parseStreamRequest(call.request.input);
      writeMessages(call, count, streamMessage(size));
    },
    executeClientStream(call, callback) {
      let output = "";
      call.on("data", (request) => (output += request.input));
      call.on("end", () => callback(null, { output }));
    },
    executeClientServerStream(call) {
      call.on("data", (request) => call.write({ output: request.input }));
      call.on("end", () => call.end());
    },
  };
}

/**
 * (a2): raw handlers that call the async servicer every async-style setup runs (its error path throws)
 * and map by hand: what an `async` method or an `async *` generator costs before any library.
 */
function rawAsyncHandlers() {
  const servicer = new AsyncServicer();
  const mapError = (error) =>
    error instanceof RecordNotFound ? { code: status.NOT_FOUND, details: error.message } : error;
  return {
    ...rawHandlers(),
    execute(call, callback) {
      servicer.execute(call.request).then(
        (response) => callback(null, response),
        (error) => callback(mapError(error)),
      );
    },
    async executeServerStream(call) {
      try {
        for await (const message of servicer.executeServerStream(call.request)) {
          if (call.cancelled) return;
          if (!call.write(message)) await new Promise((resolve) => call.once("drain", resolve));
        }
        call.end();
      } catch (error) {
        call.emit("error", mapError(error));
      }
    },
  };
}

// ---- grpc-interceptor -----------------------------------------------------------------------------

async function oursKit() {
  const ours = await loadOurs();
  class PassThrough extends ours.ServerInterceptor {
    intercept(method, request, context) {
      return method(request, context);
    }
  }
  const rules = [
    [RecordNotFound, status.NOT_FOUND],
    [RecordConflict, status.ALREADY_EXISTS],
    [RecordInvalid, (error) => new ours.exceptions.InvalidArgument(error.message)],
  ];
  return { ours, PassThrough, rules };
}

class AsyncServicer {
  async execute(request) {
    if (request.input === FAIL_INPUT) throw notFound();
    if (request.input === HOLD_INPUT) return holdAsync(request.input);
    return { output: request.input };
  }
  async *executeServerStream(request) {
    const { count, size } = parseStreamRequest(request.input);
    const message = streamMessage(size);
    for (let i = 0; i < count; i++) yield message;
  }
  async executeClientStream(requests) {
    let output = "";
    for await (const request of requests) output += request.input;
    return { output };
  }
  async *executeClientServerStream(requests) {
    for await (const request of requests) yield { output: request.input };
  }
}

/**
 * Ours, undecorated, with the interceptors `interceptorsOf(kit)` returns; (c) is 3 pass-through ones.
 * The servicer raises the library's own NotFound, since there is no @MapErrors.
 */
async function oursWith(interceptorsOf, optionsOf = () => ({})) {
  const kit = await oursKit();
  const { ours } = kit;
  class PlainServicer extends AsyncServicer {
    async execute(request) {
      if (request.input === FAIL_INPUT) throw new ours.exceptions.NotFound(NOT_FOUND_MESSAGE);
      if (request.input === HOLD_INPUT) return holdAsync(request.input);
      return { output: request.input };
    }
  }
  const definition = ours.testing.DummyServiceService;
  const implementation = ours.bootstrap(definition, new PlainServicer(), {
    ...optionsOf(kit),
    interceptors: interceptorsOf(kit),
  });
  return listenGrpcJs(new grpc.Server(), definition, implementation);
}

const times = (count, make) => Array.from({ length: count }, make);

/** An interceptor that passes a response stream on through an `async *` generator of its own. */
function generatorInterceptor(ours) {
  return class GeneratorPassThrough extends ours.ServerInterceptor {
    async *intercept(method, request, context) {
      yield* method(request, context);
    }
  };
}

/** (d)/(e): class-level @MapErrors (3 rules) and @Intercept (1), method-level @Intercept (2). */
async function oursDecorated(handlerStyle) {
  const { ours, PassThrough, rules } = await oursKit();
  const { Intercept, MapErrors } = ours;
  const base = handlerStyle === "grpc-js" ? rawStyleServicer() : AsyncServicer;
  class Servicer extends base {}
  for (const key of ["execute", "executeServerStream", "executeClientStream", "executeClientServerStream"]) {
    Object.defineProperty(Servicer.prototype, key, { ...Object.getOwnPropertyDescriptor(base.prototype, key) });
  }
  const methods = {};
  for (const key of Object.getOwnPropertyNames(Servicer.prototype)) {
    if (key !== "constructor") methods[key] = [Intercept(PassThrough), Intercept(new PassThrough())];
  }
  decorate(Servicer, { classDecorators: [MapErrors(...rules), Intercept(new PassThrough())], methods });
  const definition = ours.testing.DummyServiceService;
  let implementation;
  try {
    implementation = ours.bootstrap(definition, new Servicer(), { handlerStyle });
  } catch (error) {
    if (handlerStyle === "grpc-js") throw new Unavailable(`not available (bootstrap: ${error.message})`);
    throw error;
  }
  return { definition, implementation };
}

/** A grpc-js-style servicer class that fails with the domain error through `callback(err)`. */
function rawStyleServicer() {
  const handlers = rawHandlers();
  return class GrpcStyleServicer {
    execute(call, callback) {
      if (call.request.input === FAIL_INPUT) callback(notFound());
      else if (call.request.input === HOLD_INPUT) held.push(() => callback(null, { output: HOLD_INPUT }));
      else callback(null, { output: call.request.input });
    }
    executeServerStream(call) {
      handlers.executeServerStream(call);
    }
    executeClientStream(call, callback) {
      handlers.executeClientStream(call, callback);
    }
    executeClientServerStream(call) {
      handlers.executeClientServerStream(call);
    }
  };
}

async function listenGrpcJs(server, definition, implementation) {
  server.addService(definition, implementation);
  const port = await new Promise((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return { port, close: () => server.forceShutdown() };
}

// ---- peers ----------------------------------------------------------------------------------------

async function importPeer(name) {
  try {
    return await import(name);
  } catch (error) {
    throw new Unavailable(`${name} is not installed (${error.code ?? error.message})`);
  }
}

async function niceGrpc(scenario) {
  const nice = await importPeer("nice-grpc");
  const { testing } = await loadOurs();
  const passThrough = async function* (call, context) {
    return yield* call.next(call.request, context);
  };
  // nice-grpc's idiom for mapping domain errors is a middleware that rethrows a ServerError.
  const mapErrors = async function* (call, context) {
    try {
      return yield* call.next(call.request, context);
    } catch (error) {
      if (error instanceof RecordNotFound) throw new nice.ServerError(nice.Status.NOT_FOUND, error.message);
      throw error;
    }
  };
  const middleware =
    scenario === "error" ? [mapErrors, passThrough, passThrough, passThrough] : [passThrough, passThrough, passThrough];
  let server = nice.createServer();
  let builder = server;
  for (const each of middleware) builder = builder.with(each);
  builder.add(testing.DummyServiceService, new AsyncServicer());
  const port = await server.listen("127.0.0.1:0");
  return { port, close: () => server.forceShutdown() };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function nest() {
  await importPeer("reflect-metadata");
  const common = await importPeer("@nestjs/common");
  const { NestFactory } = await importPeer("@nestjs/core");
  const micro = await importPeer("@nestjs/microservices");
  const { throwError, Observable } = await importPeer("rxjs");
  const { testing } = await loadOurs();

  class PassThrough {
    intercept(_context, next) {
      return next.handle();
    }
  }
  class NotFoundFilter {
    catch(exception) {
      return throwError(() => ({ code: status.NOT_FOUND, details: exception.message }));
    }
  }
  decorate(NotFoundFilter, { classDecorators: [common.Catch(RecordNotFound)] });

  class BenchController {
    async execute(data) {
      if (data.input === FAIL_INPUT) throw notFound();
      if (data.input === HOLD_INPUT) return holdAsync(data.input);
      return { output: data.input };
    }
    executeServerStream(data) {
      const { count, size } = parseStreamRequest(data.input);
      const message = streamMessage(size);
      return new Observable((subscriber) => {
        for (let i = 0; i < count && !subscriber.closed; i++) subscriber.next(message);
        subscriber.complete();
      });
    }
  }
  decorate(BenchController, {
    classDecorators: [
      common.Controller(),
      common.UseInterceptors(new PassThrough(), new PassThrough(), new PassThrough()),
      common.UseFilters(new NotFoundFilter()),
    ],
    methods: {
      execute: [micro.GrpcMethod("DummyService", "execute")],
      executeServerStream: [micro.GrpcMethod("DummyService", "executeServerStream")],
    },
  });
  class BenchModule {}
  decorate(BenchModule, { classDecorators: [common.Module({ controllers: [BenchController] })] });

  const port = await freePort();
  const app = await NestFactory.createMicroservice(BenchModule, {
    transport: micro.Transport.GRPC,
    options: {
      url: `127.0.0.1:${port}`,
      package: "",
      // The same ts-proto definition as everyone else; Nest accepts a package definition instead of a .proto.
      packageDefinition: { DummyService: testing.DummyServiceService },
    },
    logger: false,
    abortOnError: false,
  });
  await app.listen();
  return { port, close: () => app.close() };
}

// ---- count-mode setups: the chain's scaling, and features measured against (c) ----------------------

/**
 * Setups only the instruction-count mode runs (`npm run bench -- --count`): (c) with 0, 1 or 10
 * pass-through interceptors instead of 3, (c) with `async *` interceptors on the stream, and (c) plus
 * one feature (CallScope, an onComplete listener). Each says "n/a" while the build lacks the feature.
 *
 * To add "(c) + a feature" to the count table: one entry here with `kinds` (the count scenarios whose
 * table gets the row: "unary", "error", "stream"), `feature` (what the row adds, for the features
 * table), `target` (the largest ratio to (c) allowed) and a `start` that serves (c) with the feature,
 * e.g. `oursWith(({ PassThrough }) => [new Feature(), ...times(3, () => new PassThrough())])`. Rows
 * appear in the order of this list.
 */
export const COUNT_SETUPS = [
  ...[0, 1, 10].map((count) => ({
    id: `chain${count}`,
    label: `ours: bootstrap, ${count} pass-through interceptor${count === 1 ? "" : "s"}`,
    ours: true,
    start: () => oursWith(({ PassThrough }) => times(count, () => new PassThrough())),
  })),
  ...[1, 3].map((count) => ({
    id: `gen${count}`,
    label: `ours: bootstrap, ${count} \`async *\` interceptor${count === 1 ? "" : "s"}`,
    ours: true,
    start: () => oursWith(({ ours }) => times(count, () => new (generatorInterceptor(ours))())),
  })),
  {
    id: "oursCallScope",
    label: "(c) + CallScope",
    ours: true,
    kinds: ["unary", "error"],
    feature: "CallScope in the chain",
    target: 1.03,
    start: async () => {
      const { CallScope } = await loadOurs();
      if (typeof CallScope !== "function") throw new Unavailable("n/a (CallScope is not in this build)");
      return oursWith(({ PassThrough }) => [new CallScope(), ...times(3, () => new PassThrough())]);
    },
  },
  {
    id: "oursOnComplete",
    label: "(c) with one onComplete listener",
    ours: true,
    kinds: ["unary", "error"],
    feature: "one onComplete listener",
    target: 1.01,
    start: async () => {
      let completed = 0;
      const server = await oursWith(({ ours, PassThrough }) => {
        // The first of the 3 interceptors registers a listener instead of only passing the call on.
        class Listening extends ours.ServerInterceptor {
          intercept(method, request, context) {
            if (typeof context.onComplete !== "function") throw new TypeError("no onComplete");
            context.onComplete(() => completed++);
            return method(request, context);
          }
        }
        return [new Listening(), new PassThrough(), new PassThrough()];
      });
      // ServerCallContext is only a type in the build, so ask with one call whether onComplete exists.
      const error = await probeCall(server.port);
      if (error || completed !== 1) {
        server.close();
        throw new Unavailable(`n/a (this build has no working context.onComplete: ${error?.details ?? "not run"})`);
      }
      return server;
    },
  },
  // ---- 0.3: policies, graceful shutdown, metrics (issues 23–26), each against (c) ----
  {
    id: "oursUnusedFeatures",
    label: "(c), policies and metrics installed, unused by this method",
    ours: true,
    kinds: ["unary", "error"],
    feature: "policies on the other methods, message-byte counting on",
    target: 1.005,
    start: async () => {
      const { OpenTelemetryMetrics } = await needFrom("opentelemetry", "OpenTelemetryMetrics");
      // Constructed once in the process, not in this chain: it turns message-byte counting on for every call.
      new OpenTelemetryMetrics({ meterProvider: await meterProvider() });
      return withUnusedPolicies(["Deadline", "Validate", "RateLimit", "ConcurrencyLimit"]);
    },
  },
  {
    id: "oursImportsOnly",
    label: "(c), zod and rate-limiter-flexible loaded, no policy anywhere",
    ours: true,
    kinds: ["unary"],
    feature: "the policies' libraries loaded in the process, no policy installed (reference for the rows below)",
    start: () => withUnusedPolicies([]),
  },
  // The previous row, one policy at a time (no byte counting): which of them costs the unary method.
  ...["Deadline", "Validate", "RateLimit", "ConcurrencyLimit"].map((name) => ({
    id: `oursUnused${name}`,
    label: `(c), ${name} on the other methods only`,
    ours: true,
    kinds: ["unary"],
    feature: `${name} on the other methods only (one part of the row above)`,
    start: () => withUnusedPolicies([name]),
  })),
  {
    id: "oursBytesCounted",
    label: "(c), message-byte counting on (a metrics interceptor elsewhere)",
    ours: true,
    kinds: ["unary", "error"],
    feature: "message-byte counting on, no policies (the other part of the unused row)",
    target: 1.005,
    start: async () => {
      const { OpenTelemetryMetrics } = await needFrom("opentelemetry", "OpenTelemetryMetrics");
      new OpenTelemetryMetrics({ meterProvider: await meterProvider() });
      return oursWith(({ PassThrough }) => times(3, () => new PassThrough()));
    },
  },
  {
    id: "oursDeadline",
    label: "(c) + Deadline, client sends none",
    ours: true,
    kinds: ["unary", "error"],
    feature: "Deadline({ defaultMs: 60_000, maxMs: 120_000 }), no client deadline (its timer)",
    target: 1.01,
    start: () => withPolicy("Deadline", { defaultMs: 60_000, maxMs: 120_000 }),
  },
  {
    id: "oursClientDeadline",
    label: "(c), client sends a 100 s deadline",
    ours: true,
    kinds: ["unary", "error"],
    feature: "a client deadline, no policy (reference of the next row)",
    clientDeadlineMs: 100_000,
    start: () => oursWith(({ PassThrough }) => times(3, () => new PassThrough())),
  },
  {
    id: "oursDeadlineClient",
    label: "(c) + Deadline, client sends a 100 s deadline",
    ours: true,
    kinds: ["unary", "error"],
    // Its cost is the difference to the row above (the same client deadline, no policy), not to (c).
    feature:
      "Deadline({ defaultMs: 60_000, maxMs: 120_000 }), client deadline within maxMs (no timer of ours): compare with the row above",
    clientDeadlineMs: 100_000,
    start: () => withPolicy("Deadline", { defaultMs: 60_000, maxMs: 120_000 }),
  },
  {
    id: "oursConcurrency",
    label: "(c) + ConcurrencyLimit",
    ours: true,
    kinds: ["unary", "error"],
    feature: "ConcurrencyLimit({ max: 1000 })",
    target: 1.01,
    start: () => withPolicy("ConcurrencyLimit", { max: 1000 }),
  },
  {
    id: "oursRateLimit",
    label: "(c) + RateLimit (RateLimiterMemory)",
    ours: true,
    kinds: ["unary", "error"],
    feature: "RateLimit with rate-limiter-flexible's RateLimiterMemory, never refusing",
    start: async () => {
      const { RateLimiterMemory } = await import("rate-limiter-flexible");
      return withPolicy("RateLimit", { limiter: new RateLimiterMemory({ points: 1e9, duration: 1 }) });
    },
  },
  {
    id: "oursValidate",
    label: "(c) + Validate (zod)",
    ours: true,
    kinds: ["unary", "error"],
    feature: "Validate(z.object({ input: z.string().min(1) }))",
    start: async () => {
      const { z } = await import("zod");
      return withPolicy("Validate", z.object({ input: z.string().min(1) }));
    },
  },
  {
    id: "oursGraceful",
    label: "(c) + GracefulShutdown first",
    ours: true,
    kinds: ["unary", "error"],
    feature: "GracefulShutdown first in the chain",
    target: 1.01,
    start: async () => {
      const { GracefulShutdown } = await need("GracefulShutdown");
      return oursWith(({ PassThrough }) => [new GracefulShutdown(), ...times(3, () => new PassThrough())]);
    },
  },
  {
    id: "oursPrometheus",
    label: "(c) + PrometheusMetrics first",
    ours: true,
    kinds: ["unary", "error"],
    feature: "PrometheusMetrics first in the chain",
    target: 1.03,
    start: async () => {
      const { PrometheusMetrics } = await needFrom("prometheus", "PrometheusMetrics");
      const { Registry } = await import("prom-client");
      const metrics = new PrometheusMetrics({ registry: new Registry() });
      return oursWith(({ PassThrough }) => [metrics, ...times(3, () => new PassThrough())]);
    },
  },
  {
    id: "oursOpenTelemetry",
    label: "(c) + OpenTelemetryMetrics first",
    ours: true,
    kinds: ["unary", "error"],
    feature: "OpenTelemetryMetrics (sdk-metrics MeterProvider, a reader, no exporter) first in the chain",
    target: 1.03,
    start: async () => {
      const { OpenTelemetryMetrics } = await needFrom("opentelemetry", "OpenTelemetryMetrics");
      const metrics = new OpenTelemetryMetrics({ meterProvider: await meterProvider() });
      return oursWith(({ PassThrough }) => [metrics, ...times(3, () => new PassThrough())]);
    },
  },
];

/** The named exports of the library's main entry point; "n/a" when the build lacks one. */
async function need(...names) {
  const ours = await loadOurs();
  const missing = names.filter((name) => typeof ours[name] !== "function");
  if (missing.length > 0) throw new Unavailable(`n/a (${missing.join(", ")} not in this build)`);
  return ours;
}

/** The named exports of `grpc-interceptor/<entry>`; "n/a" when the build lacks the entry point or one. */
async function needFrom(entry, ...names) {
  const module = await import(`${libraryName}/${entry}`).catch(() => ({}));
  const missing = names.filter((name) => typeof module[name] !== "function");
  if (missing.length > 0) throw new Unavailable(`n/a (${missing.join(", ")} not in ${entry} of this build)`);
  return module;
}

/** (c) where the servicer's other methods (not the unary one) have the policies `names` (`options.methods`). */
async function withUnusedPolicies(names) {
  const ours = await need(...names);
  const [{ z }, { RateLimiterMemory }] = await Promise.all([import("zod"), import("rate-limiter-flexible")]);
  const make = {
    Deadline: () => ours.Deadline({ defaultMs: 60_000, maxMs: 120_000 }),
    Validate: () => ours.Validate(z.object({ input: z.string().min(1) })),
    RateLimit: () => ours.RateLimit({ limiter: new RateLimiterMemory({ points: 1e9, duration: 1 }) }),
    ConcurrencyLimit: () => ours.ConcurrencyLimit({ max: 1000 }),
  };
  const methods = Object.fromEntries(
    ["executeServerStream", "executeClientStream", "executeClientServerStream"].map((method) => [
      method,
      { policies: names.map((name) => make[name]()) },
    ]),
  );
  return oursWith(
    ({ PassThrough }) => times(3, () => new PassThrough()),
    () => ({ methods }),
  );
}

/** (c) with the policy `name(options)` on every method (`options.policies`); "n/a" without it. */
async function withPolicy(name, options) {
  const policy = (await need(name))[name](options);
  return oursWith(
    ({ PassThrough }) => times(3, () => new PassThrough()),
    () => ({ policies: [policy] }),
  );
}

/**
 * An OpenTelemetry SDK MeterProvider that aggregates what is recorded (one metric reader, as an
 * exporting setup has) but never exports: no exporter, nothing collected during the count.
 */
async function meterProvider() {
  const { MeterProvider, MetricReader } = await import("@opentelemetry/sdk-metrics");
  class HeldReader extends MetricReader {
    async onForceFlush() {}
    async onShutdown() {}
  }
  return new MeterProvider({ readers: [new HeldReader()] });
}

/** One unary call to `port` from inside the server process; resolves with its error, if any. */
async function probeCall(port) {
  const { testing } = await loadOurs();
  const client = new testing.DummyServiceClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.execute({ input: "probe" }, { deadline: Date.now() + 30_000 }, (error) => {
      client.close();
      resolve(error ?? undefined);
    });
  });
}

// ---- the catalogue --------------------------------------------------------------------------------

/** Server setups in report order: id, label, and how to start one. */
export const SERVER_SETUPS = [
  {
    id: "raw",
    label: "(a) raw grpc-js handler",
    start: async () => {
      const { testing } = await loadOurs();
      return listenGrpcJs(new grpc.Server(), testing.DummyServiceService, rawHandlers());
    },
  },
  {
    id: "rawAsync",
    label: "(a2) raw grpc-js handlers over the async servicer",
    start: async () => {
      const { testing } = await loadOurs();
      return listenGrpcJs(new grpc.Server(), testing.DummyServiceService, rawAsyncHandlers());
    },
  },
  {
    id: "native3",
    label: "(b) raw + 3 native grpc-js server interceptors",
    start: async () => {
      const { testing } = await loadOurs();
      const passThrough = (_descriptor, call) => new grpc.ServerInterceptingCall(call);
      const server = new grpc.Server({ interceptors: [passThrough, passThrough, passThrough] });
      return listenGrpcJs(server, testing.DummyServiceService, rawHandlers());
    },
  },
  {
    id: "ours",
    label: "(c) ours: bootstrap, 3 interceptors",
    ours: true,
    start: () => oursWith(({ PassThrough }) => times(3, () => new PassThrough())),
  },
  {
    id: "oursDecorated",
    label: "(d) ours: decorated, async style",
    ours: true,
    start: async () => {
      const { definition, implementation } = await oursDecorated("async");
      return listenGrpcJs(new grpc.Server(), definition, implementation);
    },
  },
  {
    id: "oursGrpcJs",
    label: '(e) ours: decorated, handlerStyle "grpc-js"',
    ours: true,
    start: async () => {
      const { definition, implementation } = await oursDecorated("grpc-js");
      return listenGrpcJs(new grpc.Server(), definition, implementation);
    },
  },
  { id: "nice", label: "(f) nice-grpc + 3 middleware", start: (scenario) => niceGrpc(scenario) },
  { id: "nest", label: "(g) NestJS gRPC + 3 interceptors + filter", start: () => nest() },
  {
    id: "inversify",
    label: "(h) @inversifyjs/grpc + 3 interceptors",
    start: async () => {
      throw new Unavailable(
        "not installable: @inversifyjs/grpc, @inversifyjs/grpc-js and @inversifyjs/grpc-core answer 404 from the npm registry reachable here",
      );
    },
  },
];
