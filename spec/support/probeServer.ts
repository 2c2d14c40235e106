// A real server whose handlers and interceptor report where they stand, for the cancellation specs: a
// call names its probe in its metadata, and the probe says which moment the cancel must land at, whether
// the server got there, what the reads did, and whether the handler and the interceptor finished.
import {
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceError,
  type UntypedHandleCall,
} from "@grpc/grpc-js";
import { bootstrap, type InterceptFunction, type ServerCallContext } from "grpc-interceptor";
import {
  DummyServiceClient,
  DummyServiceService,
  type DummyRequest,
  type DummyResponse,
} from "grpc-interceptor/testing";
import { sleep } from "./calls.js";
import type { HandlerStyle } from "./styles.js";

/** The four kinds of method, by grpc-js's names. */
export const kinds = ["unary", "clientStream", "serverStream", "bidi"] as const;
/** One of {@link kinds}. */
export type Kind = (typeof kinds)[number];

/** Where a call stands when the client cancels (or its deadline passes). */
export type Moment =
  | "beforeChain" // the library's handler is invoked only once the call was cancelled
  | "interceptorAwait" // the interceptor awaits before calling `method`
  | "handlerAwait" // the handler awaits before answering (unary request kinds)
  | "pendingRead" // the handler waits for a request that never comes
  | "betweenReads" // the handler read one request and awaits before reading the next
  | "afterReturn" // the handler returned; the interceptor awaits before passing its response on
  | "complete" // nothing waits: the call completes
  | "random"; // the soak: random short delays everywhere, the cancel at a random moment

/** What the server reports of one call. */
export interface Probe {
  readonly id: string;
  readonly moment: Moment;
  /** The server reached the moment where the cancel must land. */
  arrived: boolean;
  reads: number;
  readError: unknown;
  handlerRunning: boolean;
  interceptorRunning: boolean;
  handlerStarted: boolean;
  context: ServerCallContext | undefined;
}

const probes = new Map<string, Probe>();
let lastId = 0;

/** A new probe for one call; {@link probeMetadata} names it to the server. */
export function newProbe(moment: Moment): Probe {
  const probe: Probe = {
    id: String(++lastId),
    moment,
    arrived: false,
    reads: 0,
    readError: undefined,
    handlerRunning: false,
    interceptorRunning: false,
    handlerStarted: false,
    context: undefined,
  };
  probes.set(probe.id, probe);
  return probe;
}

/** Forgets a probe, so nothing of its call is kept alive by the spec. */
export function dropProbe(probe: Probe): void {
  probes.delete(probe.id);
  probe.context = undefined;
}

/** The metadata that names `probe` to the server. */
export function probeMetadata(probe: Probe): Metadata {
  const metadata = new Metadata();
  metadata.set("probe", probe.id);
  return metadata;
}

function probeOf(metadata: Metadata): Probe {
  const probe = probes.get(String(metadata.get("probe")[0]));
  if (!probe) throw new Error("a call without a probe");
  return probe;
}

// Polls the grpc-js call itself, so that waiting touches nothing of the context under test.
async function untilCallEnded(context: ServerCallContext): Promise<void> {
  const raw = (context as unknown as { call: { cancelled: boolean } }).call;
  for (let waited = 0; !raw.cancelled; waited += 5) {
    if (waited > 3000) throw new Error("the call was never cancelled");
    await sleep(5);
  }
}

function randomDelay(): Promise<void> {
  return sleep(Math.floor(Math.random() * 12));
}

// Reads every request, recording the reads and what they threw; awaits where the probe's moment says.
async function* readRequests(requests: AsyncIterable<DummyRequest>, probe: Probe): AsyncGenerator<DummyRequest> {
  try {
    for await (const request of requests) {
      probe.reads++;
      yield request;
      if (probe.moment === "pendingRead") probe.arrived = true;
      if (probe.moment === "betweenReads" && probe.reads === 1) {
        probe.arrived = true;
        await untilCallEnded(probe.context!);
      }
      if (probe.moment === "random") await randomDelay();
    }
  } catch (error) {
    probe.readError = error;
    throw error;
  }
}

async function handlerAwait(probe: Probe): Promise<void> {
  if (probe.moment === "handlerAwait") {
    probe.arrived = true;
    await untilCallEnded(probe.context!);
  }
  if (probe.moment === "random") await randomDelay();
}

function started(probe: Probe): void {
  probe.handlerStarted = probe.handlerRunning = true;
}

/** The probing servicer in the "async" style. */
class AsyncProbeService {
  async execute(request: DummyRequest, context: ServerCallContext) {
    const probe = probeOf(context.metadata);
    started(probe);
    try {
      await handlerAwait(probe);
      return { output: request.input };
    } finally {
      probe.handlerRunning = false;
    }
  }

  async executeClientStream(requests: AsyncIterable<DummyRequest>, context: ServerCallContext) {
    const probe = probeOf(context.metadata);
    started(probe);
    try {
      let output = "";
      for await (const request of readRequests(requests, probe)) output += request.input;
      return { output };
    } finally {
      probe.handlerRunning = false;
    }
  }

  async *executeServerStream(request: DummyRequest, context: ServerCallContext) {
    const probe = probeOf(context.metadata);
    started(probe);
    try {
      yield { output: request.input };
      await handlerAwait(probe);
      yield { output: request.input };
    } finally {
      probe.handlerRunning = false;
    }
  }

  async *executeClientServerStream(requests: AsyncIterable<DummyRequest>, context: ServerCallContext) {
    const probe = probeOf(context.metadata);
    started(probe);
    try {
      for await (const request of readRequests(requests, probe)) yield { output: request.input };
    } finally {
      probe.handlerRunning = false;
    }
  }
}

/** The probing servicer in the "grpc-js" style. */
class GrpcJsProbeService {
  [name: string]: UntypedHandleCall;

  execute(call: ServerUnaryCall<DummyRequest, DummyResponse>, callback: sendUnaryData<DummyResponse>): void {
    const probe = probeOf(call.metadata);
    started(probe);
    void (async () => {
      try {
        await handlerAwait(probe);
        callback(null, { output: call.request.input });
      } finally {
        probe.handlerRunning = false;
      }
    })();
  }

  executeClientStream(
    call: ServerReadableStream<DummyRequest, DummyResponse>,
    callback: sendUnaryData<DummyResponse>,
  ): void {
    const probe = probeOf(call.metadata);
    started(probe);
    void (async () => {
      try {
        let output = "";
        for await (const request of readRequests(call, probe)) output += request.input;
        callback(null, { output });
      } catch (error) {
        callback(error as ServiceError);
      } finally {
        probe.handlerRunning = false;
      }
    })();
  }

  executeServerStream(call: ServerWritableStream<DummyRequest, DummyResponse>): void {
    const probe = probeOf(call.metadata);
    started(probe);
    void (async () => {
      try {
        call.write({ output: call.request.input });
        await handlerAwait(probe);
        call.write({ output: call.request.input });
        call.end();
      } finally {
        probe.handlerRunning = false;
      }
    })();
  }

  executeClientServerStream(call: ServerDuplexStream<DummyRequest, DummyResponse>): void {
    const probe = probeOf(call.metadata);
    started(probe);
    void (async () => {
      try {
        for await (const request of readRequests(call, probe)) call.write({ output: request.input });
        call.end();
      } catch (error) {
        call.emit("error", error);
      } finally {
        probe.handlerRunning = false;
      }
    })();
  }
}

// An async interceptor for every kind: it awaits before calling `method` and, for "afterReturn", once
// the handler returned, before passing the response on.
const probeInterceptor: InterceptFunction = (method, request, context, methodName) => {
  const probe = probeOf(context.metadata);
  probe.context = context;
  probe.interceptorRunning = true;
  const before = async () => {
    if (probe.moment === "interceptorAwait") {
      probe.arrived = true;
      await untilCallEnded(context);
    } else if (probe.moment !== "complete") await randomDelay();
  };
  const after = async () => {
    if (probe.moment === "afterReturn") {
      probe.arrived = true;
      await untilCallEnded(context);
    }
  };
  if (!methodName.endsWith("ServerStream")) {
    return (async () => {
      try {
        await before();
        const response: unknown = await method(request, context);
        await after();
        return response;
      } finally {
        probe.interceptorRunning = false;
      }
    })();
  }
  return (async function* () {
    try {
      await before();
      yield* method(request, context) as AsyncIterable<unknown>;
      await after();
    } finally {
      probe.interceptorRunning = false;
    }
  })();
};

/** A running probe server and a raw grpc-js client of it. */
export interface ProbeServer {
  readonly client: DummyServiceClient;
  close(): void;
}

/** Starts a probe server in `handlerStyle` on 127.0.0.1, port 0. */
export async function startProbeServer(handlerStyle: HandlerStyle): Promise<ProbeServer> {
  const servicer = handlerStyle === "async" ? new AsyncProbeService() : new GrpcJsProbeService();
  const implementation = bootstrap(DummyServiceService, servicer, { interceptors: [probeInterceptor], handlerStyle });
  for (const [key, handler] of Object.entries(implementation)) {
    // "beforeChain": the library's handler (all of the chain) starts only once the call was cancelled.
    implementation[key] = ((call: ServerUnaryCall<unknown, unknown>, ...rest: unknown[]) => {
      const probe = probeOf(call.metadata);
      if (probe.moment !== "beforeChain") return (handler as (...args: unknown[]) => void)(call, ...rest);
      probe.arrived = true;
      call.once("cancelled", () => setImmediate(() => (handler as (...args: unknown[]) => void)(call, ...rest)));
    }) as UntypedHandleCall;
  }
  const server = new Server();
  server.addService(DummyServiceService, implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  const client = new DummyServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  return {
    client,
    close() {
      client.close();
      server.forceShutdown();
    },
  };
}

/** How a call ended, as its client saw it. */
export interface ClientOutcome {
  readonly code: status;
  readonly details: string;
}

/** A call started by {@link startCall}. */
export interface StartedCall {
  /** Resolves with the call's status. */
  readonly ended: Promise<ClientOutcome>;
  cancel(): void;
}

/**
 * Starts a call of `kind` for `probe`. Request streams are left open (so a read would wait) except for
 * "afterReturn", where the handler must be able to return; "betweenReads" sends two requests.
 */
export function startCall(
  client: DummyServiceClient,
  kind: Kind,
  probe: Probe,
  deadline: number,
  endRequests = probe.moment === "afterReturn" || probe.moment === "complete",
): StartedCall {
  const metadata = probeMetadata(probe);
  const options = { deadline };
  const request = { input: "x" };
  const write = (call: { write(message: DummyRequest): unknown; end(): void }) => {
    call.write(request);
    if (probe.moment === "betweenReads" || probe.moment === "random") call.write(request);
    if (endRequests) call.end();
  };
  let settle!: (outcome: ClientOutcome) => void;
  const ended = new Promise<ClientOutcome>((resolve) => (settle = resolve));
  const callback = (error: ServiceError | null) =>
    settle(error ? { code: error.code, details: error.details } : { code: status.OK, details: "" });
  const onStream = (call: NodeJS.EventEmitter) => {
    call.on("data", () => {});
    call.on("error", () => {}); // The status event tells the outcome.
    call.on("status", (outcome: ClientOutcome) => settle({ code: outcome.code, details: outcome.details }));
  };
  switch (kind) {
    case "unary": {
      const call = client.execute(request, metadata, options, callback);
      return { ended, cancel: () => call.cancel() };
    }
    case "clientStream": {
      const call = client.executeClientStream(metadata, options, callback);
      write(call);
      return { ended, cancel: () => call.cancel() };
    }
    case "serverStream": {
      const call = client.executeServerStream(request, metadata, options);
      onStream(call);
      return { ended, cancel: () => call.cancel() };
    }
    case "bidi": {
      const call = client.executeClientServerStream(metadata, options);
      onStream(call);
      write(call);
      return { ended, cancel: () => call.cancel() };
    }
  }
}
