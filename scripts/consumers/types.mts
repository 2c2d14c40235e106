// Consumer case: type check of an ES module TypeScript file (module nodenext) importing all four entry points.
import {
  bootstrap,
  ExceptionToStatusInterceptor,
  MethodName,
  parseMethodName,
  ServerInterceptor,
} from "grpc-interceptor";
import type { ServerCallContext, ServerMethod } from "grpc-interceptor";
import { GrpcException, NotFound } from "grpc-interceptor/exceptions";
import { BadRequest, statusDetailsOf, type ErrorDetail } from "grpc-interceptor/error-details";
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
const details: ErrorDetail[] = [BadRequest.fromPartial({ fieldViolations: [{ field: "title" }] })];
const rich: GrpcException = new NotFound("gone", { errorDetails: details });
const read: ErrorDetail[] = statusDetailsOf(rich);
const rethrown: GrpcException = GrpcException.fromServiceError(rich);
export { code, name, implementation, client, read, rethrown };
