// The README's quick start, exactly (scripts/check-markdown.mjs keeps the two equal, from the `import`
// lines on): a decorated servicer, bootstrapped, served on a loopback port, called, shut down.
// Run it with `npx tsx examples/quickstart.mts` (after `npm run build` in this repository).
import { credentials, Metadata, Server, ServerCredentials, status, type ServiceError } from "@grpc/grpc-js";
import { bootstrap, Intercept, MapErrors, type InterceptFunction } from "grpc-interceptor";
import {
  DummyServiceClient,
  DummyServiceService,
  type DummyRequest,
  type DummyResponse,
} from "grpc-interceptor/testing";

class NotFoundError extends Error {}

// Logs each call's final status and duration once it is over, for every kind of call: for a response
// stream that is after its last message, not when `method` returns.
const logging: InterceptFunction = (method, request, context, methodName) => {
  context.onComplete(({ code, durationMs }) =>
    console.log(`${methodName}: ${status[code]} in ${durationMs.toFixed(1)} ms`),
  );
  return method(request, context);
};

@Intercept(logging)
@MapErrors([NotFoundError, status.NOT_FOUND])
class Echo {
  async execute({ input }: DummyRequest): Promise<DummyResponse> {
    if (input === "missing") throw new NotFoundError(`no ${input} here`);
    return { output: input };
  }

  async *executeServerStream({ input }: DummyRequest): AsyncIterable<DummyResponse> {
    for (const output of input) yield { output };
  }
}

const server = new Server();
server.addService(DummyServiceService, bootstrap(DummyServiceService, new Echo(), { allowUnimplemented: true }));
const port = await new Promise<number>((resolve, reject) =>
  server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, port) =>
    error ? reject(error) : resolve(port),
  ),
);

const client = new DummyServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
const options = () => ({ deadline: Date.now() + 5_000 });
const execute = (input: string) =>
  new Promise<DummyResponse>((resolve, reject) =>
    client.execute({ input }, new Metadata(), options(), (error, response) =>
      error ? reject(error) : resolve(response!),
    ),
  );

console.log(await execute("hello")); // { output: 'hello' }
await execute("missing").catch((error: ServiceError) => console.log(status[error.code], error.details));
for await (const message of client.executeServerStream({ input: "abc" }, options())) {
  console.log(message); // { output: 'a' }, then 'b', then 'c'
}

client.close();
server.forceShutdown();
