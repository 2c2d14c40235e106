import {
  status,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
} from "@grpc/grpc-js";
import { MapErrors, type ServerCallContext } from "grpc-interceptor";
import { Aborted, NotFound } from "grpc-interceptor/exceptions";
import type { DummyRequest, DummyResponse } from "grpc-interceptor/testing";
import type { CaseRun } from "./CaseRun.js";
import { DomainError, errorFor, Leaf, Missing, raise } from "./errors.js";
import type { HandlerOp, Kind } from "./model.js";

// Two servicers of the dummy definition that play a case's handler script, one per handler style, with
// the same @MapErrors rules (the oracle's reading of them is in oracle.ts).

const missingRule = (error: Missing) => new NotFound(`missing: ${error.message}`);
const leafRule = (error: Leaf) => new Aborted(`leaf: ${error.message}`);

async function readOne(requests: AsyncIterator<DummyRequest>, reads: string[], run: CaseRun): Promise<boolean> {
  const next = await run.read(requests, "handler reading a request");
  if (!next.done) reads.push(next.value.input);
  return !next.done;
}

async function unaryScript(
  run: CaseRun,
  request: DummyRequest | AsyncIterable<DummyRequest>,
  context: ServerCallContext,
): Promise<DummyResponse> {
  const requests = Symbol.asyncIterator in request ? request[Symbol.asyncIterator]() : undefined;
  const reads: string[] = [];
  for (const op of run.c.handler) {
    switch (op.type) {
      case "read":
        await readOne(requests!, reads, run);
        break;
      case "readAll":
        while (await readOne(requests!, reads, run));
        break;
      case "delay":
        await run.delay(op.delay);
        break;
      case "pause":
        await run.pause("handler");
        break;
      case "fail":
        raise(op.error, context);
      // eslint-disable-next-line no-fallthrough -- raise never returns
      case "emit":
      case "destroyBare":
        throw new Error(`test bug: ${op.type} in an async unary-response script`);
    }
  }
  return { output: requests ? reads.join("+") : `${(request as DummyRequest).input}!` };
}

async function* streamScript(
  run: CaseRun,
  request: DummyRequest | AsyncIterable<DummyRequest>,
  context: ServerCallContext,
): AsyncGenerator<DummyResponse, void, undefined> {
  const requests = Symbol.asyncIterator in request ? request[Symbol.asyncIterator]() : undefined;
  const reads: string[] = [];
  let emitted = 0;
  for (const op of run.c.handler) {
    switch (op.type) {
      case "read":
        await readOne(requests!, reads, run);
        break;
      case "readAll":
        while (await readOne(requests!, reads, run));
        break;
      case "emit":
        yield {
          output: requests ? `${reads.at(-1) ?? "-"}<${emitted}` : `${(request as DummyRequest).input}#${emitted}`,
        };
        emitted++;
        break;
      case "delay":
        await run.delay(op.delay);
        break;
      case "pause":
        await run.pause("handler");
        break;
      case "fail":
        raise(op.error, context);
      // eslint-disable-next-line no-fallthrough -- raise never returns
      case "destroyBare":
        throw new Error("test bug: destroyBare in an async script");
    }
  }
}

/** Plays the case's handler script in the `"async"` style. */
@MapErrors([DomainError, status.FAILED_PRECONDITION], [Missing, missingRule])
export class AsyncScriptedServicer {
  constructor(private readonly run: CaseRun) {}

  @MapErrors([Missing, status.OUT_OF_RANGE])
  execute(request: DummyRequest, context: ServerCallContext): Promise<DummyResponse> {
    return unaryScript(this.run, request, context);
  }

  @MapErrors([Leaf, leafRule])
  executeClientStream(requests: AsyncIterable<DummyRequest>, context: ServerCallContext): Promise<DummyResponse> {
    return unaryScript(this.run, requests, context);
  }

  executeServerStream(request: DummyRequest, context: ServerCallContext): AsyncIterable<DummyResponse> {
    return streamScript(this.run, request, context);
  }

  @MapErrors([DomainError, status.DATA_LOSS])
  executeClientServerStream(
    requests: AsyncIterable<DummyRequest>,
    context: ServerCallContext,
  ): AsyncIterable<DummyResponse> {
    return streamScript(this.run, requests, context);
  }
}

type AnyCall =
  | ServerUnaryCall<DummyRequest, DummyResponse>
  | ServerReadableStream<DummyRequest, DummyResponse>
  | ServerWritableStream<DummyRequest, DummyResponse>
  | ServerDuplexStream<DummyRequest, DummyResponse>;

/**
 * A handler script played over a grpc-js call, driven by its events: a read waits for a `"data"` (or
 * `"end"`) event and the script goes on inside that listener, so a `throw` there is a throw in a
 * `"data"` listener; delays and pauses go on from a timer or a promise.
 */
class GrpcJsScript {
  private index = 0;
  private readonly reads: string[] = [];
  private readonly queue: string[] = [];
  private emitted = 0;
  private ended = false;
  private waiting = false;
  private finished = false;
  private where: "handler" | "data listener" | "elsewhere" = "handler";

  constructor(
    private readonly run: CaseRun,
    private readonly kind: Kind,
    private readonly call: AnyCall,
    private readonly callback?: sendUnaryData<DummyResponse>,
  ) {}

  start(): void {
    if (this.kind === "clientStream" || this.kind === "bidi") {
      const stream = this.call as ServerReadableStream<DummyRequest, DummyResponse>;
      stream.on("data", (request: DummyRequest) => {
        this.queue.push(request.input);
        this.wake("data listener");
      });
      stream.on("end", () => {
        this.ended = true;
        this.wake("elsewhere");
      });
    }
    this.where = "handler";
    try {
      this.step();
    } finally {
      this.where = "elsewhere";
    }
  }

  private wake(where: "data listener" | "elsewhere"): void {
    if (!this.waiting || this.finished) return;
    this.waiting = false;
    this.where = where;
    try {
      this.step();
    } finally {
      this.where = "elsewhere";
    }
  }

  private resume = (): void => {
    this.where = "elsewhere";
    this.step();
  };

  private take(): boolean {
    const next = this.queue.shift();
    if (next !== undefined) this.reads.push(next);
    return next !== undefined || this.ended;
  }

  private step(): void {
    const ops = this.run.c.handler;
    while (this.index < ops.length) {
      const op: HandlerOp = ops[this.index]!;
      switch (op.type) {
        case "read":
          if (!this.take()) {
            this.waiting = true;
            return;
          }
          break;
        case "readAll":
          while (this.queue.length > 0) this.take();
          if (!this.ended) {
            this.waiting = true;
            return;
          }
          break;
        case "emit": {
          const output =
            this.kind === "bidi"
              ? `${this.reads.at(-1) ?? "-"}<${this.emitted}`
              : `${(this.call as ServerWritableStream<DummyRequest, DummyResponse>).request.input}#${this.emitted}`;
          (this.call as ServerWritableStream<DummyRequest, DummyResponse>).write({ output });
          this.emitted++;
          break;
        }
        case "delay":
          this.index++;
          if (op.delay === "none") continue;
          if (op.delay === "microtask") queueMicrotask(this.resume);
          else if (op.delay === "immediate") setImmediate(this.resume);
          else setTimeout(this.resume, 1);
          return;
        case "pause":
          this.index++;
          this.run.pause("handler").then(this.resume, (error: unknown) => this.run.problems.push(String(error)));
          return;
        case "fail":
          this.finished = true;
          this.fail(errorFor(op.error), op.how);
          return;
        case "destroyBare":
          this.finished = true;
          (this.call as ServerWritableStream<DummyRequest, DummyResponse>).destroy();
          return;
      }
      this.index++;
    }
    this.finished = true;
    if (this.callback) {
      const output =
        this.kind === "unary"
          ? `${(this.call as ServerUnaryCall<DummyRequest, DummyResponse>).request.input}!`
          : this.reads.join("+");
      this.callback(null, { output });
    } else {
      (this.call as ServerWritableStream<DummyRequest, DummyResponse>).end();
    }
  }

  // Fails the way `how` says where that way exists; otherwise the style's ordinary way for the kind.
  private fail(error: unknown, how: "throw" | "callback" | "emit" | "destroy"): void {
    if (how === "throw" && this.where !== "elsewhere") throw error;
    if (how === "destroy" && this.kind !== "unary") {
      (this.call as ServerWritableStream<DummyRequest, DummyResponse>).destroy(error as Error);
    } else if (this.callback) {
      this.callback(error as Error);
    } else {
      (this.call as ServerWritableStream<DummyRequest, DummyResponse>).emit("error", error);
    }
  }
}

/** Plays the case's handler script in the `"grpc-js"` style. */
@MapErrors([DomainError, status.FAILED_PRECONDITION], [Missing, missingRule])
export class GrpcJsScriptedServicer {
  constructor(private readonly run: CaseRun) {}

  @MapErrors([Missing, status.OUT_OF_RANGE])
  execute(call: ServerUnaryCall<DummyRequest, DummyResponse>, callback: sendUnaryData<DummyResponse>): void {
    new GrpcJsScript(this.run, "unary", call, callback).start();
  }

  @MapErrors([Leaf, leafRule])
  executeClientStream(
    call: ServerReadableStream<DummyRequest, DummyResponse>,
    callback: sendUnaryData<DummyResponse>,
  ): void {
    new GrpcJsScript(this.run, "clientStream", call, callback).start();
  }

  executeServerStream(call: ServerWritableStream<DummyRequest, DummyResponse>): void {
    new GrpcJsScript(this.run, "serverStream", call).start();
  }

  @MapErrors([DomainError, status.DATA_LOSS])
  executeClientServerStream(call: ServerDuplexStream<DummyRequest, DummyResponse>): void {
    new GrpcJsScript(this.run, "bidi", call).start();
  }
}
