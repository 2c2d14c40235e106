import {
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  status,
  type ClientDuplexStream,
  type ClientUnaryCall,
  type ClientReadableStream,
  type ClientWritableStream,
  type ServiceError,
  type StatusObject,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { bootstrap, ExceptionToStatusInterceptor, type ServerCallContext, type ServerMethod } from "grpc-interceptor";
import {
  DummyServiceClient,
  DummyServiceService,
  type DummyRequest,
  type DummyResponse,
} from "grpc-interceptor/testing";
import { CaseRun } from "./CaseRun.js";
import { pathOf, requestStreams, type Case } from "./model.js";
import { scriptedInterceptor } from "./scriptedInterceptor.js";
import { AsyncScriptedServicer, GrpcJsScriptedServicer } from "./scriptedServicers.js";

/** The invocation-metadata key that names the case a call belongs to. */
export const CASE_KEY = "x-property-case";
/** The trailing-metadata key the outermost interceptor sets (when the case says so) to the case's id. */
export const SET_TRAILER_KEY = "x-set-trailer";
/** The response-header key the outermost interceptor sends (when the case says so) with the case's id. */
export const HEADER_KEY = "x-sent-header";
/** The deadline of "deadline" cases. */
export const SHORT_DEADLINE_MS = 40;
// Every other call has a deadline too, so that a hang fails the case instead of the suite.
const SAFETY_DEADLINE_MS = 4000;

/** What the client saw of one call. */
export interface Observed {
  code: status;
  details: string;
  metadata: Metadata;
  messages: string[];
  /** The response headers, if the client got them. */
  headers: Metadata | undefined;
}

type Handler = (call: unknown, callback?: unknown) => void;

/**
 * One real grpc-js server on 127.0.0.1:0 and one real client. Each case gets its own implementation,
 * built with `bootstrap` from its script; the server hands each call to its case's implementation by
 * the case id in the call's metadata.
 */
export class ContractServer {
  private readonly runs = new Map<string, CaseRun>();
  private readonly implementations = new Map<CaseRun, UntypedServiceImplementation>();
  private nextId = 0;

  private readonly server = new Server();
  private client: DummyServiceClient | undefined;

  private constructor() {
    const dispatch: UntypedServiceImplementation = {};
    for (const key of Object.keys(DummyServiceService)) {
      dispatch[key] = ((call: { metadata: Metadata }, callback?: unknown) =>
        this.dispatch(key, call, callback)) as unknown as UntypedServiceImplementation[string];
    }
    this.server.addService(DummyServiceService, dispatch);
  }

  /** Starts the server and connects the client. */
  static async start(): Promise<ContractServer> {
    const contract = new ContractServer();
    const port = await new Promise<number>((resolve, reject) =>
      contract.server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    contract.client = new DummyServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    return contract;
  }

  /** Shuts the client and the server down. */
  async close(): Promise<void> {
    this.client?.close();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.server.forceShutdown(), 1000);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Registers a case: builds its implementation with `bootstrap`. */
  prepare(c: Case): CaseRun {
    const run = new CaseRun(String(++this.nextId), c);
    const servicer = c.style === "async" ? new AsyncScriptedServicer(run) : new GrpcJsScriptedServicer(run);
    const recorder = (method: ServerMethod, request: unknown, context: ServerCallContext, path: string): unknown => {
      run.context = context;
      if (path !== pathOf[c.kind] || context.methodName !== pathOf[c.kind]) {
        run.problems.push(`the outermost interceptor got methodName ${path}, context.methodName ${context.methodName}`);
      }
      if (context.metadata.get(CASE_KEY)[0] !== run.id) {
        run.problems.push(`context.metadata has ${CASE_KEY} ${String(context.metadata.get(CASE_KEY))}`);
      }
      if (c.sendHeaders) {
        const headers = new Metadata();
        headers.set(HEADER_KEY, run.id);
        context.sendInitialMetadata(headers);
      }
      if (c.touchSignalEarly) void context.signal;
      if (c.setTrailer) {
        const trailer = new Metadata();
        trailer.set(SET_TRAILER_KEY, run.id);
        context.setTrailingMetadata(trailer);
      }
      return method(request, context);
    };
    const options = {
      statusOnUnknownException: c.ets.unknownCode,
      onUnknownException: (error: unknown) => run.reported.push(error),
      ...(c.ets.stringDetails ? { detailsOnUnknownException: (error: unknown) => String(error) } : {}),
    };
    const exceptionToStatus = c.ets.subclass
      ? new (class PassingOn extends ExceptionToStatusInterceptor {
          override handleException(
            error: unknown,
            request: unknown,
            context: ServerCallContext,
            methodName: string,
          ): never | Promise<never> {
            return super.handleException(error, request, context, methodName);
          }
        })(options)
      : new ExceptionToStatusInterceptor(options);
    this.implementations.set(
      run,
      bootstrap(DummyServiceService, servicer, {
        interceptors: [recorder, ...c.interceptors.map((spec, index) => scriptedInterceptor(spec, index, c.kind, run))],
        exceptionToStatus,
        handlerStyle: c.style,
      }),
    );
    this.runs.set(run.id, run);
    return run;
  }

  /** Forgets a finished case (a call for it arriving later is refused). */
  forget(run: CaseRun): void {
    this.runs.delete(run.id);
    this.implementations.delete(run);
  }

  private dispatch(key: string, call: { metadata: Metadata }, callback?: unknown): void {
    const run = this.runs.get(String(call.metadata.get(CASE_KEY)[0]));
    const implementation = run && this.implementations.get(run);
    if (!run || !implementation) {
      const error = { code: status.INTERNAL, details: "the property test has no such case" };
      if (typeof callback === "function") (callback as (e: unknown) => void)(error);
      else (call as unknown as { emit(event: string, e: unknown): void }).emit("error", error);
      return;
    }
    run.attach(call as unknown as Parameters<CaseRun["attach"]>[0]);
    (implementation[key] as unknown as Handler)(call, callback);
  }

  /** Makes the case's call as its client mode says and reports what the client saw. */
  call(run: CaseRun): Promise<Observed> {
    const c = run.c;
    const client = this.client!;
    const metadata = new Metadata();
    metadata.set(CASE_KEY, run.id);
    const options = { deadline: Date.now() + (c.client === "deadline" ? SHORT_DEADLINE_MS : SAFETY_DEADLINE_MS) };
    const messages: string[] = [];
    const watchers = new Set<() => void>();
    const changed = () => watchers.forEach((watcher) => watcher());
    const until = (condition: () => boolean) =>
      new Promise<void>((resolve) => {
        const watcher = () => {
          if (!condition()) return;
          watchers.delete(watcher);
          resolve();
        };
        watchers.add(watcher);
        watcher();
      });
    let finished: { status: StatusObject } | undefined;
    let headers: Metadata | undefined;
    let answered = false; // unary response delivered to the callback, or the stream ended or failed
    const onStatus = (s: StatusObject) => {
      finished = { status: s };
      changed();
    };
    const callback = (error: ServiceError | null, response?: DummyResponse) => {
      if (!error && response) messages.push(response.output);
      answered = true;
      changed();
    };
    const onData = (response: DummyResponse) => {
      messages.push(response.output);
      changed();
    };
    const onEnd = () => {
      answered = true;
      changed();
    };
    let call: ClientUnaryCall | ClientReadableStream<DummyResponse> | ClientWritableStream<DummyRequest>;
    const request: DummyRequest = { input: c.input };
    switch (c.kind) {
      case "unary":
        call = client.execute(request, metadata, options, callback);
        break;
      case "clientStream":
        call = client.executeClientStream(metadata, options, callback);
        break;
      case "serverStream":
        call = client.executeServerStream(request, metadata, options);
        break;
      case "bidi":
        call = client.executeClientServerStream(metadata, options);
        break;
    }
    call.on("status", onStatus);
    call.on("metadata", (received: Metadata) => (headers = received));
    if (c.kind === "serverStream" || c.kind === "bidi") {
      const stream = call as ClientReadableStream<DummyResponse>;
      stream.on("data", onData);
      stream.on("end", onEnd);
      stream.on("error", onEnd);
    }
    if (requestStreams(c.kind)) {
      const writable = call as ClientWritableStream<DummyRequest> | ClientDuplexStream<DummyRequest, DummyResponse>;
      for (const input of c.requests) writable.write({ input });
      if (!c.withhold) writable.end();
    }
    const over = () => finished !== undefined;
    if (c.client === "cancelAtStart") {
      call.cancel();
    } else if (c.client === "cancel" && run.expected.stop) {
      // Cancel once the call is where only a cancel can end it and everything sent before has arrived.
      const wanted = run.expected.messages.length;
      const reached =
        run.expected.stop === "pause"
          ? () => run.pauseReached && messages.length >= wanted
          : () => messages.length >= wanted;
      run.onPause(changed);
      void until(() => over() || reached()).then(async () => {
        if (run.expected.stop === "block") await new Promise((resolve) => setTimeout(resolve, 2));
        if (!over()) call.cancel();
      });
    }
    return until(() => over() && answered).then(() => {
      watchers.clear();
      const { code, details, metadata: trailers } = finished!.status;
      return { code, details, metadata: trailers, messages, headers };
    });
  }
}
