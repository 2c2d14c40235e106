// One fresh process's timing of decorating and bootstrapping a 200-method service:
// `node bootstrapTime.mjs <methods>`; prints one JSON line.
import { Buffer } from "node:buffer";
import { performance } from "node:perf_hooks";
import { grpc, loadOurs, RecordConflict, RecordInvalid, RecordNotFound, status } from "./common.mjs";
import { decorate } from "./servers.mjs";

const methods = Number(process.argv[2] ?? 200);
const ours = await loadOurs(); // module loading is not part of what is timed
const { DummyRequest, DummyResponse } = ours.testing;

// A ServiceDefinition built programmatically: unary methods Method0..Method199 (every 10th server-streaming).
const definition = {};
const names = [];
for (let i = 0; i < methods; i++) {
  const name = `method${i}`;
  names.push(name);
  definition[name] = {
    path: `/bench.Big/Method${i}`,
    requestStream: false,
    responseStream: i % 10 === 9,
    requestSerialize: (value) => Buffer.from(DummyRequest.encode(value).finish()),
    requestDeserialize: (value) => DummyRequest.decode(value),
    responseSerialize: (value) => Buffer.from(DummyResponse.encode(value).finish()),
    responseDeserialize: (value) => DummyResponse.decode(value),
    originalName: `Method${i}`,
  };
}

class PassThrough extends ours.ServerInterceptor {
  intercept(method, request, context) {
    return method(request, context);
  }
}

const t0 = performance.now();
class BigServicer {}
for (const name of names) {
  BigServicer.prototype[name] = definition[name].responseStream
    ? async function* (request) {
        yield { output: request.input };
      }
    : async (request) => ({ output: request.input });
}
const methodDecorators = {};
for (const name of names) methodDecorators[name] = [ours.Intercept(PassThrough), ours.Intercept(new PassThrough())];
decorate(BigServicer, {
  classDecorators: [
    ours.MapErrors(
      [RecordNotFound, status.NOT_FOUND],
      [RecordConflict, status.ALREADY_EXISTS],
      [RecordInvalid, status.INVALID_ARGUMENT],
    ),
    ours.Intercept(new PassThrough()),
  ],
  methods: methodDecorators,
});
const t1 = performance.now();
const implementation = ours.bootstrap(definition, new BigServicer());
const t2 = performance.now();
const server = new grpc.Server();
server.addService(definition, implementation);
const t3 = performance.now();
ours.bootstrap(definition, new BigServicer());
const t4 = performance.now();
server.forceShutdown();

if (Object.keys(implementation).length !== methods) throw new Error("bootstrap skipped methods");
console.log(
  JSON.stringify({ decorateMs: t1 - t0, bootstrapMs: t2 - t1, addServiceMs: t3 - t2, secondBootstrapMs: t4 - t3 }),
);
