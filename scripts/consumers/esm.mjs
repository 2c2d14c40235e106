// Consumer case: ESM `import` of the four entry points (rich error details included), a real call over loopback; the ESM and CommonJS
// builds share their classes.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { ServerInterceptor, ExceptionToStatusInterceptor } from "grpc-interceptor";
import { GrpcException, InvalidArgument, NotFound } from "grpc-interceptor/exceptions";
import { BadRequest, statusDetailsOf } from "grpc-interceptor/error-details";
import { dummyClient, raises } from "grpc-interceptor/testing";

const require = createRequire(import.meta.url);
assert.equal(require("grpc-interceptor/exceptions").NotFound, NotFound, "the ESM and CJS builds differ");
assert.equal(require("grpc-interceptor").ServerInterceptor, ServerInterceptor, "the ESM and CJS builds differ");
assert.ok(new NotFound() instanceof require("grpc-interceptor/exceptions").GrpcException);
assert.equal(require("grpc-interceptor/error-details").BadRequest, BadRequest, "the ESM and CJS builds differ");

const seen = [];
class Recorder extends ServerInterceptor {
  async intercept(method, request, context, methodName) {
    seen.push(methodName);
    return method(request, context);
  }
}

const client = await dummyClient({
  specialCases: {
    missing: raises(new NotFound("no such thing")),
    invalid: raises(
      new InvalidArgument("bad", { errorDetails: [BadRequest.fromPartial({ fieldViolations: [{ field: "a" }] })] }),
    ),
  },
  interceptors: [Recorder],
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
  assert.ok(new NotFound() instanceof GrpcException);
  assert.deepEqual(seen, ["/DummyService/Execute", "/DummyService/Execute"]);
  const invalid = await client.execute({ input: "invalid" }).then(
    () => assert.fail("invalid did not fail"),
    (e) => e,
  );
  assert.deepEqual(statusDetailsOf(invalid), [BadRequest.fromPartial({ fieldViolations: [{ field: "a" }] })]);
} finally {
  await client.close();
}
console.log("esm: unary echo, NotFound (code 5) and a BadRequest detail over", client.address);
