// Type tests (compiled, never run, in both decorator modes): @MapErrors rules exclude status.OK; decorated
// servicers keep their AsyncServicer type.
import { status } from "@grpc/grpc-js";
import { bootstrap, Intercept, MapErrors, type AsyncServicer, type ErrorMapping } from "grpc-interceptor";
import { InvalidArgument } from "grpc-interceptor/exceptions";
import { DummyService, DummyServiceService, type DummyRequest } from "grpc-interceptor/testing";

class NotFoundError extends Error {}
class ValidationError extends Error {
  readonly field = "name";
}

// --- must compile -------------------------------------------------------------------------------

@Intercept((method, request, context) => method(request, context))
@MapErrors(
  [NotFoundError, status.NOT_FOUND],
  [ValidationError, (error: ValidationError) => new InvalidArgument(error.field)],
)
export class Decorated extends DummyService implements AsyncServicer<typeof DummyServiceService> {
  @MapErrors([RangeError, status.OUT_OF_RANGE])
  @Intercept((method, request, context) => method(request, context))
  override async execute(request: DummyRequest) {
    return { output: request.input };
  }
}
bootstrap(DummyServiceService, new Decorated());
export const rules: ErrorMapping[] = [[NotFoundError, status.NOT_FOUND]];

// --- must fail ----------------------------------------------------------------------------------

// @ts-expect-error status.OK is not an error rule on a class
@MapErrors([NotFoundError, status.OK])
export class OkOnClass extends DummyService {}

export class OkOnMethod extends DummyService {
  // @ts-expect-error status.OK is not an error rule on a method
  @MapErrors([NotFoundError, status.OK])
  override async execute(request: DummyRequest) {
    return { output: request.input };
  }
}

// @ts-expect-error a rule is a pair [ErrorClass, status or function]
@MapErrors([NotFoundError])
export class NotAPair extends DummyService {}

// @ts-expect-error a rule function returns a GrpcException
@MapErrors([NotFoundError, () => new Error("not a GrpcException")])
export class WrongFunction extends DummyService {}

// @ts-expect-error not an error code
export const notACode: ErrorMapping = [NotFoundError, "NOT_FOUND"];
