import { status } from "@grpc/grpc-js";
import { parseMethodName } from "../MethodName.js";
import type { CallKind } from "../server/CallOutcome.js";

/** A method's identity as metrics label it: go-grpc-prometheus's labels and gRFC A66's `grpc.method`. */
export interface MethodLabels {
  /** `"unary"`, `"client_stream"`, `"server_stream"` or `"bidi_stream"`, as go-grpc-prometheus spells them. */
  readonly grpc_type: string;
  /** The fully qualified service, `"acme.v1.Echo"`. */
  readonly grpc_service: string;
  /** The method, `"Execute"`. */
  readonly grpc_method: string;
}

const GRPC_TYPES: Record<CallKind, string> = {
  unary: "unary",
  clientStream: "client_stream",
  serverStream: "server_stream",
  bidi: "bidi_stream",
};

/** The labels of a method path (`"/acme.v1.Echo/Execute"`) and kind. */
export function methodLabels(path: string, kind: CallKind): MethodLabels {
  const name = parseMethodName(path);
  return { grpc_type: GRPC_TYPES[kind], grpc_service: name.fullyQualifiedService, grpc_method: name.method };
}

/** gRFC A66's `grpc.method`: the path without its leading slash, `"acme.v1.Echo/Execute"`. */
export function a66Method(path: string): string {
  return path.startsWith("/") ? path.slice(1) : path;
}

// grpc-go's `codes.Code.String()`: what go-grpc-prometheus writes in `grpc_code`.
const GO_CODES: Record<number, string> = {
  [status.OK]: "OK",
  [status.CANCELLED]: "Canceled",
  [status.UNKNOWN]: "Unknown",
  [status.INVALID_ARGUMENT]: "InvalidArgument",
  [status.DEADLINE_EXCEEDED]: "DeadlineExceeded",
  [status.NOT_FOUND]: "NotFound",
  [status.ALREADY_EXISTS]: "AlreadyExists",
  [status.PERMISSION_DENIED]: "PermissionDenied",
  [status.RESOURCE_EXHAUSTED]: "ResourceExhausted",
  [status.FAILED_PRECONDITION]: "FailedPrecondition",
  [status.ABORTED]: "Aborted",
  [status.OUT_OF_RANGE]: "OutOfRange",
  [status.UNIMPLEMENTED]: "Unimplemented",
  [status.INTERNAL]: "Internal",
  [status.UNAVAILABLE]: "Unavailable",
  [status.DATA_LOSS]: "DataLoss",
  [status.UNAUTHENTICATED]: "Unauthenticated",
};

/** A status code as grpc-go spells it (`"NotFound"`); an unknown number as `"Code(42)"`, as grpc-go does. */
export function goCodeName(code: number): string {
  return GO_CODES[code] ?? `Code(${code})`;
}

/** A status code as gRFC A66's `grpc.status` spells it (`"NOT_FOUND"`). */
export function a66StatusName(code: number): string {
  return (status as unknown as Record<number, string>)[code] ?? String(code);
}
