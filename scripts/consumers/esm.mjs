// Consumer case: ESM `import` of the three entry points, a real call over loopback; the ESM and CommonJS
// builds share their classes.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { ServerInterceptor, ExceptionToStatusInterceptor } from "grpc-interceptor";
import { GrpcException, NotFound } from "grpc-interceptor/exceptions";
import { dummyClient, raises } from "grpc-interceptor/testing";

const require = createRequire(import.meta.url);
assert.equal(require("grpc-interceptor/exceptions").NotFound, NotFound, "the ESM and CJS builds differ");
assert.equal(require("grpc-interceptor").ServerInterceptor, ServerInterceptor, "the ESM and CJS builds differ");
assert.ok(new NotFound() instanceof require("grpc-interceptor/exceptions").GrpcException);

const seen = [];
class Recorder extends ServerInterceptor {
  async intercept(method, request, context, methodName) {
    seen.push(methodName);
    return method(request, context);
  }
}

const client = await dummyClient({
  specialCases: { missing: raises(new NotFound("no such thing")) },
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
} finally {
  await client.close();
}
console.log("esm: unary echo and NotFound (code 5) over", client.address);
