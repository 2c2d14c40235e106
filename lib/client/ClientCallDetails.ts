/* eslint-disable @typescript-eslint/no-explicit-any -- requests and responses are user messages of any type */
import type { CallCredentials, Deadline, Metadata } from "@grpc/grpc-js";

/**
 * What a client call is about to send, as a {@link ClientInterceptor} sees and may change it. Pass a
 * changed copy (e.g. `{ ...callDetails, metadata }`) to `method` to change the attempt it starts.
 */
export interface ClientCallDetails {
  /**
   * The method path, `"/package.Service/Method"`. Informational: grpc-js binds a call to its method
   * before the interceptors run, so a changed value is ignored.
   */
  method: string;
  /**
   * The call's deadline: a `Date` or epoch milliseconds (`Infinity` or absent: none). The caller's
   * deadline also bounds the whole intercepted call, waits between attempts included.
   */
  deadline?: Deadline;
  /** The invocation metadata sent to the server. Mutate a clone, not the caller's object, when adding to it. */
  metadata: Metadata;
  /** Per-call credentials, if any. */
  credentials?: CallCredentials;
  /**
   * Wait for the channel to become ready instead of failing fast with `UNAVAILABLE`. Read from and
   * written to the metadata's options (`metadata.getOptions().waitForReady`), where grpc-js keeps it.
   */
  waitForReady?: boolean;
  /**
   * Kept for parity with the Python package. grpc-js has no per-call compression (only the channel
   * option `grpc.default_compression_algorithm`), so this is `undefined` on entry and ignored.
   */
  compression?: string;
}

/**
 * The continuation a {@link ClientInterceptor} calls to start an attempt: the next interceptor or the
 * server. It takes the request message (or, for client-streaming and bidi methods, an `Iterable` or
 * `AsyncIterable` of messages) and returns a `Promise` of the response for unary-response methods
 * (rejecting with grpc-js's `ServiceError`), or an `AsyncIterable` of responses for streaming-response
 * methods (whose iteration throws the `ServiceError`). Each call starts a new attempt at once.
 */
export type ClientMethod = (requestOrIterator: any, callDetails: ClientCallDetails) => any;

/** A client interceptor written as a plain function with the signature of {@link ClientInterceptor.intercept}. */
export type ClientInterceptFunction = (
  method: ClientMethod,
  requestOrIterator: any,
  callDetails: ClientCallDetails,
) => any;
