// Consumer case: CommonJS `require` of the three entry points, a real call over loopback.
/* eslint-disable @typescript-eslint/no-require-imports -- this file is a CommonJS consumer of the package */
const assert = require("node:assert/strict");
const { ServerInterceptor, ExceptionToStatusInterceptor } = require("grpc-interceptor");
const { GrpcException, NotFound } = require("grpc-interceptor/exceptions");
const { dummyClient, raises } = require("grpc-interceptor/testing");

class Recorder extends ServerInterceptor {
  static seen = [];
  async intercept(method, request, context, methodName) {
    Recorder.seen.push(methodName);
    return method(request, context);
  }
}

async function main() {
  assert.ok(new NotFound() instanceof GrpcException);
  const client = await dummyClient({
    specialCases: { missing: raises(new NotFound("no such thing")) },
    interceptors: [new Recorder()],
    exceptionToStatus: new ExceptionToStatusInterceptor(),
  });
  try {
    assert.deepEqual(await client.execute({ input: "hello" }), { output: "hello" });
    const error = await client.execute({ input: "missing" }).then(
      () => assert.fail("the NotFound special case did not fail the call"),
      (e) => e,
    );
    assert.equal(error.code, 5);
    assert.equal(error.details, "no such thing");
    assert.deepEqual(Recorder.seen, ["/DummyService/Execute", "/DummyService/Execute"]);
  } finally {
    await client.close();
  }
  console.log("commonjs: unary echo and NotFound (code 5) over", client.address);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
