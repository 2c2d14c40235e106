/* eslint-disable @typescript-eslint/no-explicit-any -- a mixin's base constructor takes any arguments */
import type { EventEmitter } from "node:events";
import type { Metadata, ServerUnaryCall } from "@grpc/grpc-js";
import type { ServerCallContext } from "../ServerCallContext.js";
import { CONTEXT, realCallOf, sendMetadata } from "./common.js";

type GrpcSurfaceCall = ServerUnaryCall<unknown, unknown>;

// The grpc-js call behind a context, with the members some grpc-js versions lack made optional.
function realSurface(context: ServerCallContext): Partial<GrpcSurfaceCall> | undefined {
  return realCallOf(context) as Partial<GrpcSurfaceCall> | undefined;
}

/**
 * Adds the parts of grpc-js's `ServerSurfaceCall` every call shim has (metadata, peer, deadline, path,
 * host, auth context, metrics recorder, `sendMetadata`) to an event-emitting base class. They are read
 * from the context the interceptors passed down, so a context an interceptor replaced is honoured.
 */
export function CallSurface<TBase extends new (...args: any[]) => EventEmitter>(Base: TBase) {
  abstract class Surface extends Base {
    /** The context the interceptors passed down; see `contextOf`. Set by the shim's constructor. */
    declare [CONTEXT]: ServerCallContext;

    /** The client's invocation metadata. */
    get metadata(): Metadata {
      return this[CONTEXT].metadata;
    }

    /** As grpc-js's `getPeer()`. */
    getPeer(): string {
      return this[CONTEXT].peer;
    }

    /** As grpc-js's `getDeadline()`: a `Date`, epoch milliseconds, or `Infinity`. */
    getDeadline(): Date | number {
      return this[CONTEXT].deadline ?? Infinity; // the effective deadline (a Deadline policy's, or the client's)
    }

    /** The method path, `"/package.Service/Method"`. */
    getPath(): string {
      return this[CONTEXT].methodName;
    }

    /** As grpc-js's `getHost()`. */
    getHost(): string {
      return realSurface(this[CONTEXT])?.getHost?.() ?? "";
    }

    /** As grpc-js's `getAuthContext()`. */
    getAuthContext(): ReturnType<GrpcSurfaceCall["getAuthContext"]> {
      return realSurface(this[CONTEXT])?.getAuthContext?.() ?? {};
    }

    /** As grpc-js's `getMetricsRecorder()`. */
    getMetricsRecorder(): ReturnType<GrpcSurfaceCall["getMetricsRecorder"]> | undefined {
      return realSurface(this[CONTEXT])?.getMetricsRecorder?.();
    }

    /** Sends response headers (through the context); a second call is ignored, as in grpc-js. */
    sendMetadata(metadata: Metadata): void {
      sendMetadata(this[CONTEXT], metadata);
    }
  }
  return Surface;
}
