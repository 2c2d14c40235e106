// Consumer case: a decorated servicer of the testing kit's DummyServiceService, bootstrapped and served with
// `new Server()`, called with DummyServiceClient. Compiled with tsc under legacy (`experimentalDecorators`)
// and TC39 standard decorators, and run under tsx; it prints which decorator flavour it ran with.
import assert from "node:assert/strict";
import { credentials, Server, ServerCredentials, status, type ServiceError } from "@grpc/grpc-js";
import {
  bootstrap,
  Intercept,
  MapErrors,
  ServerInterceptor,
  type ServerCallContext,
  type ServerMethod,
} from "grpc-interceptor";
import { PermissionDenied } from "grpc-interceptor/exceptions";
import {
  DummyService,
  DummyServiceClient,
  DummyServiceService,
  type DummyRequest,
  type DummyResponse,
} from "grpc-interceptor/testing";

class Missing extends Error {}

const seen: string[] = [];
class Recorder extends ServerInterceptor {
  async intercept(method: ServerMethod, request: unknown, context: ServerCallContext, methodName: string) {
    seen.push(methodName);
    return method(request, context);
  }
}

let flavour = "none";
function probe(...args: unknown[]): void {
  flavour = args.length === 3 ? "legacy" : "standard";
}

@Intercept(Recorder)
@MapErrors([Missing, status.NOT_FOUND])
class Servicer extends DummyService {
  @probe
  @Intercept(async (method, request, context) => {
    const response: DummyResponse = await method(request, context);
    return { output: response.output.toUpperCase() };
  })
  override async execute(request: DummyRequest, context: ServerCallContext): Promise<DummyResponse> {
    if (request.input === "missing") throw new Missing(`no ${request.input} here`);
    if (request.input === "secret") throw new PermissionDenied();
    return super.execute(request, context);
  }
}

async function main(): Promise<void> {
  const server = new Server();
  server.addService(DummyServiceService, bootstrap(DummyServiceService, new Servicer()));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  const client = new DummyServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  const execute = (input: string) =>
    new Promise<DummyResponse>((resolve, reject) =>
      client.execute({ input }, (e, response) => (e ? reject(e) : resolve(response))),
    );
  const failure = (input: string) =>
    execute(input).then(
      (): ServiceError => assert.fail(`the call with ${input} did not fail`),
      (e: ServiceError) => e,
    );
  try {
    assert.deepEqual(await execute("hello"), { output: "HELLO" });
    const missing = await failure("missing");
    assert.equal(missing.code, status.NOT_FOUND);
    assert.equal(missing.details, "no missing here");
    assert.equal((await failure("secret")).code, status.PERMISSION_DENIED);
    assert.deepEqual(seen, ["/DummyService/Execute", "/DummyService/Execute", "/DummyService/Execute"]);
  } finally {
    client.close();
    server.forceShutdown();
  }
  console.log(`decorators: ${flavour}; @Intercept, @MapErrors (code 5) and PermissionDenied (code 7) on port ${port}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
