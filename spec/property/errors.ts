import { Metadata, status } from "@grpc/grpc-js";
import type { ServerCallContext } from "grpc-interceptor";
import { GrpcException } from "grpc-interceptor/exceptions";
import type { ErrorSpec, MappedClass } from "./model.js";

// The domain errors the servicers' @MapErrors rules map (the rules are in scriptedServicers.ts, the
// oracle's reading of them in oracle.ts), and one error class no rule knows.

/** Base of the mapped errors. */
export class DomainError extends Error {
  override name = "DomainError";
}
/** A DomainError with rules of its own. */
export class Missing extends DomainError {
  override name = "Missing";
}
/** Below Missing: the nearest rule is Missing's, except where a method maps Leaf itself. */
export class Leaf extends Missing {
  override name = "Leaf";
}
/** A DomainError with no rule of its own. */
export class Invalid extends DomainError {
  override name = "Invalid";
}
/** An Error subclass no rule mentions. */
export class Unrelated extends Error {
  override name = "Unrelated";
}

const mappedClasses: Record<MappedClass, new (message: string) => Error> = { DomainError, Missing, Leaf, Invalid };

/** The trailing-metadata key a GrpcException's metadata is sent under in these tests. */
export const TRAILER_KEY = "x-exception-trailer";

/** The value a step throws for `spec` (a fresh one per call, so reports can be matched to it). */
export function errorFor(spec: ErrorSpec): unknown {
  switch (spec.type) {
    case "grpc": {
      const metadata = spec.trailer === undefined ? undefined : trailer(spec.trailer);
      return new GrpcException(spec.details, { statusCode: spec.code, metadata });
    }
    case "mapped":
      return new mappedClasses[spec.errorClass](spec.message);
    case "unknown":
      switch (spec.value) {
        case "Error":
          return new Error(spec.message);
        case "TypeError":
          return new TypeError(spec.message);
        case "Unrelated":
          return new Unrelated(spec.message);
        case "string":
          return spec.message;
      }
  }
}

/** Throws `spec`'s error; a GrpcException given `via: "abort"` is thrown by `context.abort` when there is a context. */
export function raise(spec: ErrorSpec, context: ServerCallContext | undefined): never {
  if (spec.type === "grpc" && spec.via === "abort" && context) {
    context.abort(spec.code, spec.details, spec.trailer === undefined ? undefined : trailer(spec.trailer));
  }
  throw errorFor(spec);
}

function trailer(value: string): Metadata {
  const metadata = new Metadata();
  metadata.set(TRAILER_KEY, value);
  return metadata;
}

/** The codes a generated GrpcException or setCode may carry (all non-OK codes). */
export const errorCodes: status[] = Object.values(status).filter(
  (code): code is status => typeof code === "number" && code !== status.OK,
);
