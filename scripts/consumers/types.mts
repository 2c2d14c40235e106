// Consumer case: type check of an ES module TypeScript file (module nodenext) importing all three entry points.
import {
  bootstrap,
  ExceptionToStatusInterceptor,
  MethodName,
  parseMethodName,
  ServerInterceptor,
} from "grpc-interceptor";
import type { ServerCallContext, ServerMethod } from "grpc-interceptor";
import { GrpcException, NotFound } from "grpc-interceptor/exceptions";
import { DummyService, DummyServiceService, dummyClient, raises, type DummyClient } from "grpc-interceptor/testing";
import type { status } from "@grpc/grpc-js";

class Passthrough extends ServerInterceptor {
  intercept(method: ServerMethod, request: unknown, context: ServerCallContext, _methodName: string): unknown {
    return method(request, context);
  }
}

const code: status = new NotFound().statusCode;
const exception: GrpcException = new NotFound("gone");
const name: MethodName = parseMethodName("/DummyService/Execute");
const implementation = bootstrap(DummyServiceService, new DummyService(), {
  interceptors: [new Passthrough()],
  exceptionToStatus: new ExceptionToStatusInterceptor(),
});
const client: Promise<DummyClient> = dummyClient({ specialCases: { boom: raises(exception) } });
export { code, name, implementation, client };
