// Consumer case: CommonJS `require` of the four entry points, real calls over loopback (one with rich error details).
/* eslint-disable @typescript-eslint/no-require-imports -- this file is a CommonJS consumer of the package */
const assert = require("node:assert/strict");
const { ServerInterceptor, ExceptionToStatusInterceptor } = require("grpc-interceptor");
const { GrpcException, InvalidArgument, NotFound } = require("grpc-interceptor/exceptions");
const { BadRequest, statusDetailsOf } = require("grpc-interceptor/error-details");
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
    specialCases: {
      missing: raises(new NotFound("no such thing")),
      invalid: raises(
        new InvalidArgument("bad", { errorDetails: [BadRequest.fromPartial({ fieldViolations: [{ field: "a" }] })] }),
      ),
    },
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
    const invalid = await client.execute({ input: "invalid" }).then(
      () => assert.fail("invalid did not fail"),
      (e) => e,
    );
    assert.deepEqual(
      statusDetailsOf(invalid).map((detail) => [detail.$type, detail.fieldViolations[0].field]),
      [["google.rpc.BadRequest", "a"]],
    );
  } finally {
    await client.close();
  }
  console.log("commonjs: unary echo, NotFound (code 5) and a BadRequest detail over", client.address);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
