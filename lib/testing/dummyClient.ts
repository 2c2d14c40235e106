import { once } from "node:events";
import {
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ClientWritableStream,
} from "@grpc/grpc-js";
import { DummyServiceClient, DummyServiceService, type DummyRequest, type DummyResponse } from "../generated/dummy.js";
import type { ClientInterceptFunction } from "../client/ClientCallDetails.js";
import type { ClientInterceptor } from "../client/ClientInterceptor.js";
import { toGrpcInterceptor } from "../client/toGrpcInterceptor.js";
import { bootstrap, type BootstrapOptions } from "../server/bootstrap.js";
import type { MethodOptions } from "../server/bootstrapOptions.js";
import type { ExceptionToStatusInterceptor } from "../server/ExceptionToStatusInterceptor.js";
import type { InterceptorLike } from "../server/ServerInterceptor.js";
import type { AsyncServicer, GrpcJsServicer } from "../server/servicerTypes.js";
import { DummyService, type SpecialCase } from "./DummyService.js";
import { GrpcJsDummyService } from "./GrpcJsDummyService.js";

/** A servicer {@link dummyClient} can serve: of either handler style, implementing any of the dummy's methods. */
export type DummyServicer = Partial<AsyncServicer<DummyServiceService>> | Partial<GrpcJsServicer<DummyServiceService>>;

/** Per-method options {@link dummyClient} passes on to `bootstrap` (its `options.methods`). */
export interface DummyMethodsOptions {
  /** The unary method's interceptors, error rules and policies. */
  execute?: MethodOptions;
  /** The client-streaming method's interceptors and error rules. */
  executeClientStream?: MethodOptions;
  /** The server-streaming method's interceptors and error rules. */
  executeServerStream?: MethodOptions;
  /** The bidi method's interceptors and error rules. */
  executeClientServerStream?: MethodOptions;
}

/** Options of {@link dummyClient}. */
export interface DummyClientOptions {
  /** Inputs that run a function instead of being echoed (see {@link DummyService}). */
  specialCases?: Record<string, SpecialCase>;
  /**
   * Serves this servicer of `DummyServiceService` instead of a new `DummyService` (then `specialCases`
   * is not used): e.g. a decorated subclass of `DummyService`, to test decorators end to end. It may
   * implement only some methods (the others answer `UNIMPLEMENTED`), in the style `handlerStyle` names.
   */
  servicer?: DummyServicer;
  /** Server interceptors: `bootstrap`'s `options.interceptors`. */
  interceptors?: InterceptorLike[];
  /** Error rules for every method: `bootstrap`'s `options.errors`. */
  errors?: BootstrapOptions["errors"];
  /** Policies for every method: `bootstrap`'s `options.policies`. */
  policies?: BootstrapOptions["policies"];
  /** Per-method interceptors and error rules: `bootstrap`'s `options.methods`. */
  methods?: DummyMethodsOptions;
  /** Client interceptors installed on the client, first outermost (instances or plain intercept functions). */
  clientInterceptors?: Array<ClientInterceptor | ClientInterceptFunction>;
  /** The server's exception-to-status stage; default `new ExceptionToStatusInterceptor()`. */
  exceptionToStatus?: ExceptionToStatusInterceptor;
  /** Which `DummyService` implementation serves the calls; default `"async"`. */
  handlerStyle?: "async" | "grpc-js";
}

/** Per-call options of {@link DummyClient}'s methods. */
export interface CallOptions {
  /** Invocation metadata sent to the server. */
  metadata?: Metadata;
  /** An absolute deadline: a `Date` or epoch milliseconds. */
  deadline?: Date | number;
  /** Cancels the call when aborted; it then fails with `CANCELLED`. */
  signal?: AbortSignal;
}

/** A promise-and-async-iterable client of a real `DummyService` server; see {@link dummyClient}. */
export interface DummyClient extends AsyncDisposable {
  /** Unary call. */
  execute(request: DummyRequest, options?: CallOptions): Promise<DummyResponse>;
  /** Client-streaming call: writes `requests`, resolves with the one response. */
  executeClientStream(
    requests: Iterable<DummyRequest> | AsyncIterable<DummyRequest>,
    options?: CallOptions,
  ): Promise<DummyResponse>;
  /** Server-streaming call: the call starts when iteration starts. */
  executeServerStream(request: DummyRequest, options?: CallOptions): AsyncIterable<DummyResponse>;
  /** Bidi call: writes `requests` while the responses are iterated. */
  executeClientServerStream(
    requests: Iterable<DummyRequest> | AsyncIterable<DummyRequest>,
    options?: CallOptions,
  ): AsyncIterable<DummyResponse>;
  /** The underlying grpc-js client, client interceptors installed. */
  readonly raw: DummyServiceClient;
  /** `"127.0.0.1:<port>"`. */
  readonly address: string;
  /** The grpc-js server serving the calls (e.g. to test shutdown during calls). */
  readonly server: Server;
  /** Closes the client and shuts the server down; calling it again is harmless. */
  close(): Promise<void>;
}

type AnyCall =
  | ClientWritableStream<DummyRequest>
  | ClientReadableStream<DummyResponse>
  | ClientDuplexStream<DummyRequest, DummyResponse>
  | { cancel(): void };

function bindSignal(call: AnyCall, signal: AbortSignal | undefined): () => void {
  if (!signal) return () => {};
  const cancel = () => call.cancel();
  if (signal.aborted) cancel();
  else signal.addEventListener("abort", cancel, { once: true });
  return () => signal.removeEventListener("abort", cancel);
}

// Writes every request, waiting for "drain" under backpressure; a failing source cancels the call.
async function writeAll(
  call: ClientWritableStream<DummyRequest> | ClientDuplexStream<DummyRequest, DummyResponse>,
  requests: Iterable<DummyRequest> | AsyncIterable<DummyRequest>,
): Promise<void> {
  // Once the call is over (failed, cancelled, past its deadline) stop pulling requests: an endless
  // request source must not keep being read, nor a "drain" that will never come be awaited.
  let over = false;
  const ended = new Promise<void>((resolve) =>
    call.once("status", () => {
      over = true;
      resolve();
    }),
  );
  try {
    for await (const request of requests) {
      if (over) return;
      if (!call.write(request)) await Promise.race([once(call, "drain"), ended]);
    }
    if (!over) call.end();
  } catch (error) {
    if (over) return;
    call.cancel();
    throw error;
  }
}

async function* readAll(
  call: ClientReadableStream<DummyResponse> | ClientDuplexStream<DummyRequest, DummyResponse>,
  unbind: () => void,
  writing?: Promise<void>,
): AsyncGenerator<DummyResponse> {
  let complete = false;
  try {
    for await (const response of call as AsyncIterable<DummyResponse>) yield response;
    complete = true;
  } finally {
    unbind();
    if (!complete) call.cancel();
  }
  await writing;
}

/**
 * Starts a real grpc-js server on `127.0.0.1`, port 0, serving a {@link DummyService} bootstrapped with
 * `options`, and returns a client connected to it. Failed calls reject (or throw from iteration) with
 * grpc-js's `ServiceError`. Close it with `close()` or `await using`.
 */
export async function dummyClient(options: DummyClientOptions = {}): Promise<DummyClient> {
  const servicer =
    options.servicer ??
    (options.handlerStyle === "grpc-js"
      ? new GrpcJsDummyService(options.specialCases)
      : new DummyService(options.specialCases));
  const server = new Server();
  server.addService(
    DummyServiceService,
    bootstrap(DummyServiceService, servicer, {
      interceptors: options.interceptors,
      errors: options.errors,
      policies: options.policies,
      methods: options.methods,
      exceptionToStatus: options.exceptionToStatus,
      handlerStyle: options.handlerStyle,
      allowUnimplemented: true,
    }),
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  const address = `127.0.0.1:${port}`;
  const raw = new DummyServiceClient(address, credentials.createInsecure(), {
    interceptors: (options.clientInterceptors ?? []).map(toGrpcInterceptor),
  });
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      raw.close();
      const timer = setTimeout(() => server.forceShutdown(), 1000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    }));
  const metadataOf = (callOptions: CallOptions) => callOptions.metadata ?? new Metadata();
  const grpcOptions = (callOptions: CallOptions) =>
    callOptions.deadline === undefined ? {} : { deadline: callOptions.deadline };

  return {
    raw,
    address,
    server,
    close,
    [Symbol.asyncDispose]: close,
    execute(request, callOptions = {}) {
      return new Promise((resolve, reject) => {
        const call = raw.execute(request, metadataOf(callOptions), grpcOptions(callOptions), (error, response) => {
          unbind();
          if (error) reject(error);
          else resolve(response);
        });
        const unbind = bindSignal(call, callOptions.signal);
      });
    },
    executeClientStream(requests, callOptions = {}) {
      return new Promise((resolve, reject) => {
        const call = raw.executeClientStream(metadataOf(callOptions), grpcOptions(callOptions), (error, response) => {
          unbind();
          if (error) reject(error);
          else resolve(response);
        });
        const unbind = bindSignal(call, callOptions.signal);
        writeAll(call, requests).catch((error: unknown) => {
          unbind();
          reject(error);
        });
      });
    },
    executeServerStream(request, callOptions = {}) {
      return {
        [Symbol.asyncIterator]() {
          const call = raw.executeServerStream(request, metadataOf(callOptions), grpcOptions(callOptions));
          return readAll(call, bindSignal(call, callOptions.signal));
        },
      };
    },
    executeClientServerStream(requests, callOptions = {}) {
      return {
        [Symbol.asyncIterator]() {
          const call = raw.executeClientServerStream(metadataOf(callOptions), grpcOptions(callOptions));
          const writing = writeAll(call, requests);
          writing.catch(() => {}); // Surfaced after the responses, by readAll.
          return readAll(call, bindSignal(call, callOptions.signal), writing);
        },
      };
    },
  };
}
