/**
 * `grpc-interceptor`: simplified server and client interceptors, decorators and `bootstrap` for @grpc/grpc-js.
 * @module grpc-interceptor
 */
export { MethodName, parseMethodName } from "./MethodName.js";
export type { ServerCallContext } from "./server/ServerCallContext.js";
export type { CallKind, CallOutcome, CompletionListener } from "./server/CallOutcome.js";
export {
  ServerInterceptor,
  type InterceptFunction,
  type InterceptorLike,
  type ServerInterceptorClass,
  type ServerMethod,
} from "./server/ServerInterceptor.js";
export {
  ExceptionToStatusInterceptor,
  UNKNOWN_EXCEPTION_DETAILS,
  type ExceptionToStatusOptions,
  type UnknownExceptionReporter,
} from "./server/ExceptionToStatusInterceptor.js";
export type { ErrorClass, ErrorRule } from "./server/ErrorMapper.js";
export { contextOf } from "./server/grpcJsStyle/common.js";
export { bootstrap, type BootstrapOptions, type MethodsOptions } from "./server/bootstrap.js";
export type { MethodOptions } from "./server/bootstrapOptions.js";
export type {
  AsyncMethod,
  AsyncServicer,
  BidiStreamingMethod,
  ClientStreamingMethod,
  GrpcJsMethod,
  GrpcJsServicer,
  MethodKey,
  RequestOf,
  ResponseOf,
  ResponseStream,
  ServerStreamingMethod,
  ServicerFor,
  ServicerMethodName,
  UnaryMethod,
} from "./server/servicerTypes.js";
export { Intercept, type ClassOrMethodDecorator } from "./decorators/Intercept.js";
export { MapErrors, type ErrorMapping } from "./decorators/MapErrors.js";
export { ClientInterceptor } from "./client/ClientInterceptor.js";
export type { ClientCallDetails, ClientMethod, ClientInterceptFunction } from "./client/ClientCallDetails.js";
export { toGrpcInterceptor } from "./client/toGrpcInterceptor.js";
export { currentCall } from "./propagation/currentCall.js";
export { CallScope } from "./propagation/CallScope.js";
export { Propagate, type PropagateOptions } from "./propagation/Propagate.js";
export {
  definePolicy,
  type Policy,
  type PolicyMethod,
  type PolicySpec,
  type DeadlineBounds,
} from "./policies/definePolicy.js";
export type { PolicyValue } from "./server/policyPlan.js";
export { Validate, type ValidateOptions } from "./policies/Validate.js";
export { RateLimit, peerAddress, type RateLimitOptions, type RateLimiterLike } from "./policies/RateLimit.js";
export { ConcurrencyLimit, type ConcurrencyLimitOptions } from "./policies/ConcurrencyLimit.js";
export { Deadline, type DeadlineOptions } from "./policies/Deadline.js";
export {
  GracefulShutdown,
  type GracefulShutdownOptions,
  type HealthStatusSetter,
  type ShutdownOptions,
  type ShutdownReport,
} from "./fleet/GracefulShutdown.js";
