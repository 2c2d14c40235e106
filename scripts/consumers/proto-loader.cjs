// Consumer case: a @grpc/proto-loader definition of the package's protos/dummy.proto, bootstrapped with an
/* eslint-disable @typescript-eslint/no-require-imports -- this file is a CommonJS consumer of the package */
// interceptor and an exception mapping, served and called with proto-loader's client.
const assert = require("node:assert/strict");
const grpc = require("@grpc/grpc-js");
const protoLoader = require("@grpc/proto-loader");
const { bootstrap } = require("grpc-interceptor");
const { NotFound } = require("grpc-interceptor/exceptions");

async function main() {
  const definition = protoLoader.loadSync(require.resolve("grpc-interceptor/protos/dummy.proto"));
  const { DummyService } = grpc.loadPackageDefinition(definition);
  const seen = [];
  const servicer = {
    async execute(request) {
      if (request.input === "missing") throw new NotFound(`no ${request.input} here`);
      return { output: request.input };
    },
  };
  const server = new grpc.Server();
  server.addService(
    DummyService.service,
    bootstrap(DummyService.service, servicer, {
      interceptors: [
        async (method, request, context, methodName) => {
          seen.push(methodName);
          const response = await method(request, context);
          return { output: response.output.toUpperCase() };
        },
      ],
    }),
  );
  const port = await new Promise((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  const client = new DummyService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = (input) =>
    new Promise((resolve, reject) => client.Execute({ input }, (e, response) => (e ? reject(e) : resolve(response))));
  try {
    assert.deepEqual(await call("hello"), { output: "HELLO" });
    const error = await call("missing").then(
      () => assert.fail("the call did not fail"),
      (e) => e,
    );
    assert.equal(error.code, grpc.status.NOT_FOUND);
    assert.equal(error.details, "no missing here");
    assert.deepEqual(seen, ["/DummyService/Execute", "/DummyService/Execute"]);
  } finally {
    client.close();
    server.forceShutdown();
  }
  console.log("proto-loader: intercepted echo and NotFound (code 5) on port", port);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
