import { status } from "@grpc/grpc-js";
import { exceptionClasses } from "./exceptionClasses.js";
import { GrpcException } from "./GrpcException.js";

// One subclass per non-OK status code. Meanings follow https://grpc.io/docs/guides/status-codes/.

/** `CANCELLED`: the operation was cancelled, typically by the caller. */
export class Cancelled extends GrpcException {
  static override readonly defaultStatusCode: status = status.CANCELLED;
  static override readonly defaultDetails: string = "The operation was cancelled.";
}

/** `UNKNOWN`: an error with no better-fitting code. */
export class Unknown extends GrpcException {
  static override readonly defaultStatusCode: status = status.UNKNOWN;
  static override readonly defaultDetails: string = "Unknown error.";
}

/** `INVALID_ARGUMENT`: the client gave an argument that is wrong whatever the system's state. */
export class InvalidArgument extends GrpcException {
  static override readonly defaultStatusCode: status = status.INVALID_ARGUMENT;
  static override readonly defaultDetails: string = "The client specified an invalid argument.";
}

/** `DEADLINE_EXCEEDED`: the deadline expired before the operation could complete. */
export class DeadlineExceeded extends GrpcException {
  static override readonly defaultStatusCode: status = status.DEADLINE_EXCEEDED;
  static override readonly defaultDetails: string = "The deadline expired before the operation could complete.";
}

/** `NOT_FOUND`: some requested entity was not found. */
export class NotFound extends GrpcException {
  static override readonly defaultStatusCode: status = status.NOT_FOUND;
  static override readonly defaultDetails: string = "The requested entity was not found.";
}

/** `ALREADY_EXISTS`: the entity the client tried to create already exists. */
export class AlreadyExists extends GrpcException {
  static override readonly defaultStatusCode: status = status.ALREADY_EXISTS;
  static override readonly defaultDetails: string = "The entity the client attempted to create already exists.";
}

/** `PERMISSION_DENIED`: the caller may not execute the operation. */
export class PermissionDenied extends GrpcException {
  static override readonly defaultStatusCode: status = status.PERMISSION_DENIED;
  static override readonly defaultDetails: string = "The caller does not have permission to execute the operation.";
}

/** `RESOURCE_EXHAUSTED`: some resource, such as a quota, has been exhausted. */
export class ResourceExhausted extends GrpcException {
  static override readonly defaultStatusCode: status = status.RESOURCE_EXHAUSTED;
  static override readonly defaultDetails: string = "Some resource has been exhausted.";
}

/** `FAILED_PRECONDITION`: the system is not in a state required for the operation. */
export class FailedPrecondition extends GrpcException {
  static override readonly defaultStatusCode: status = status.FAILED_PRECONDITION;
  static override readonly defaultDetails: string = "The system is not in a state required for the operation.";
}

/** `ABORTED`: the operation was aborted, typically by a concurrency conflict. */
export class Aborted extends GrpcException {
  static override readonly defaultStatusCode: status = status.ABORTED;
  static override readonly defaultDetails: string = "The operation was aborted.";
}

/** `OUT_OF_RANGE`: the operation was attempted past the valid range. */
export class OutOfRange extends GrpcException {
  static override readonly defaultStatusCode: status = status.OUT_OF_RANGE;
  static override readonly defaultDetails: string = "The operation was attempted past the valid range.";
}

/** `UNIMPLEMENTED`: the operation is not implemented, supported or enabled. */
export class Unimplemented extends GrpcException {
  static override readonly defaultStatusCode: status = status.UNIMPLEMENTED;
  static override readonly defaultDetails: string = "The operation is not implemented or not supported.";
}

/** `INTERNAL`: an invariant of the underlying system is broken. */
export class Internal extends GrpcException {
  static override readonly defaultStatusCode: status = status.INTERNAL;
  static override readonly defaultDetails: string = "Internal error.";
}

/** `UNAVAILABLE`: the service is currently unavailable; retrying with backoff may help. */
export class Unavailable extends GrpcException {
  static override readonly defaultStatusCode: status = status.UNAVAILABLE;
  static override readonly defaultDetails: string = "The service is currently unavailable.";
}

/** `DATA_LOSS`: unrecoverable data loss or corruption. */
export class DataLoss extends GrpcException {
  static override readonly defaultStatusCode: status = status.DATA_LOSS;
  static override readonly defaultDetails: string = "Unrecoverable data loss or corruption.";
}

/** `UNAUTHENTICATED`: the request lacks valid authentication credentials. */
export class Unauthenticated extends GrpcException {
  static override readonly defaultStatusCode: status = status.UNAUTHENTICATED;
  static override readonly defaultDetails: string = "The request does not have valid authentication credentials.";
}

for (const type of [
  Cancelled,
  Unknown,
  InvalidArgument,
  DeadlineExceeded,
  NotFound,
  AlreadyExists,
  PermissionDenied,
  ResourceExhausted,
  FailedPrecondition,
  Aborted,
  OutOfRange,
  Unimplemented,
  Internal,
  Unavailable,
  DataLoss,
  Unauthenticated,
]) {
  exceptionClasses.set(type.defaultStatusCode, type);
}
