// The README's quick start, as it is there: a decorated servicer, bootstrapped, served and called.
// Run it with `npx tsx examples/quickstart.ts` (after `npm run build` in this repository).
import { credentials, Server, ServerCredentials, status } from "@grpc/grpc-js";
import { bootstrap, Intercept, MapErrors, type InterceptFunction } from "grpc-interceptor";
import { DummyServiceClient, DummyServiceService, type DummyRequest } from "grpc-interceptor/testing";

class NotFoundError extends Error {}

const logging: InterceptFunction = async (method, request, context, methodName) => {
  const started = Date.now();
  try {
    return await method(request, context);
  } finally {
    console.log(`${methodName} took ${Date.now() - started} ms`);
  }
};

@Intercept(logging)
@MapErrors([NotFoundError, status.NOT_FOUND])
class Echo {
  async execute(request: DummyRequest) {
    if (request.input === "missing") throw new NotFoundError("no such thing");
    return { output: request.input };
  }
}

async function main() {
  const server = new Server();
  server.addService(DummyServiceService, bootstrap(DummyServiceService, new Echo()));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );

  const client = new DummyServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  client.execute({ input: "hello" }, (error, response) => {
    console.log(response); // { output: 'hello' }
    client.execute({ input: "missing" }, (error) => {
      console.log(status[error!.code], error!.details); // NOT_FOUND no such thing
      client.close();
      server.forceShutdown();
    });
  });
}

void main();
