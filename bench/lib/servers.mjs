// The server setups, each built the way its library's own documentation shows, all serving the same
// ts-proto definition (DummyServiceService) so every setup pays the same protobuf codec cost.
import { createServer as createNetServer } from "node:net";
import {
  grpc,
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

/** (c): undecorated; it raises the library's own NotFound, since it has no @MapErrors. */
async function oursPlain() {
  const { ours, PassThrough } = await oursKit();
  class PlainServicer extends AsyncServicer {
    async execute(request) {
      if (request.input === FAIL_INPUT) throw new ours.exceptions.NotFound(NOT_FOUND_MESSAGE);
      return { output: request.input };
    }
  }
  const definition = ours.testing.DummyServiceService;
  const implementation = ours.bootstrap(definition, new PlainServicer(), {
    interceptors: [new PassThrough(), new PassThrough(), new PassThrough()],
  });
  return { definition, implementation };
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
    start: async () => {
      const { definition, implementation } = await oursPlain();
      return listenGrpcJs(new grpc.Server(), definition, implementation);
    },
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
