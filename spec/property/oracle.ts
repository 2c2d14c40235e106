import { status } from "@grpc/grpc-js";
import {
  requestStreams,
  responseStreams,
  type Case,
  type ErrorSpec,
  type InterceptorSpec,
  type Kind,
  type MappedClass,
  type StreamOp,
  type UnaryOp,
} from "./model.js";

// What a case must do, written from the contract (../shared/API.md and the README's Concepts), not from
// the implementation. The chain is played here as plain synchronous code: a unary response is a return
// value; a response stream is a generator that runs nothing until pulled, pulled one message at a time
// by the call, as the contract's lazy `AsyncIterable`s are; a request stream is an iterator the handler
// and interceptors pull from. A pause point, or a read past the last request of a stream the client
// does not half-close, is a "stop": only the client's cancel or its deadline can end the call there.

/** The status the contract gives a call that does not stop. */
export interface ExpectedStatus {
  code: status;
  /** Undefined where the contract leaves the details open. */
  details: string | undefined;
  /** The GrpcException's trailer value (`TRAILER_KEY`), when the status comes from one that has it. */
  exceptionTrailer: string | undefined;
  /** What decided the status. */
  cause: "ok" | "grpc" | "rule" | "setCode" | "unknown";
  /** The error that failed the call ("bare": a grpc-js `destroy()` with no error). */
  error: ErrorSpec | "bare" | undefined;
}

/** What the client must see, per the contract. */
export interface Expected {
  /** Set when the call reaches a stop before it can end. */
  stop: "pause" | "block" | undefined;
  /** The response messages (outputs) the client receives: all of them, or those before the stop. */
  messages: string[];
  /** The final status, when the call does not stop. */
  status: ExpectedStatus | undefined;
}

/** The details the exception-to-status stage sends for an unknown error by default (README). */
export const UNKNOWN_DETAILS = "Internal server error";

type Rule = { code: status; prefix: string | undefined }; // prefix undefined: a bare status, details = message

// The servicers' @MapErrors rules: class level, and per method (kind).
const classRules: Partial<Record<MappedClass, Rule>> = {
  DomainError: { code: status.FAILED_PRECONDITION, prefix: undefined },
  Missing: { code: status.NOT_FOUND, prefix: "missing: " },
};
const methodRules: Record<Kind, Partial<Record<MappedClass, Rule>>> = {
  unary: { Missing: { code: status.OUT_OF_RANGE, prefix: undefined } },
  clientStream: { Leaf: { code: status.ABORTED, prefix: "leaf: " } },
  serverStream: {},
  bidi: { DomainError: { code: status.DATA_LOSS, prefix: undefined } },
};
const prototypeChain: Record<MappedClass, MappedClass[]> = {
  DomainError: ["DomainError"],
  Missing: ["Missing", "DomainError"],
  Leaf: ["Leaf", "Missing", "DomainError"],
  Invalid: ["Invalid", "DomainError"],
};

/** The nearest class in the error's prototype chain that has a rule wins; for one class, the method's rule. */
function ruleFor(kind: Kind, errorClass: MappedClass): Rule | undefined {
  for (const cls of prototypeChain[errorClass]) {
    const rule = methodRules[kind][cls] ?? classRules[cls];
    if (rule) return rule;
  }
  return undefined;
}

class Stopped {
  constructor(readonly reason: "pause" | "block") {}
}
class Thrown {
  constructor(readonly error: ErrorSpec | "bare") {}
}

interface ModelContext {
  code?: status;
  details?: string;
}

function fromRequests(requests: string[], halfCloses: boolean): Iterator<string> {
  let index = 0;
  return {
    next() {
      if (index < requests.length) return { done: false, value: requests[index++]! };
      if (!halfCloses) throw new Stopped("block");
      return { done: true, value: undefined };
    },
  };
}

function mapped(requests: Iterator<string>, tag: string): Iterator<string> {
  return {
    next() {
      const next = requests.next();
      return next.done ? next : { done: false, value: next.value + tag };
    },
  };
}

type Request = string | Iterator<string>;

function mapRequest(request: Request, tag: string): Request {
  return typeof request === "string" ? request + tag : mapped(request, tag);
}

function asStream(request: Request): Iterator<string> {
  if (typeof request === "string") throw new Error("oracle: a stream operation on a unary request");
  return request;
}

class Model {
  readonly context: ModelContext = {};
  readonly sent: string[] = [];

  constructor(readonly c: Case) {}

  private enter(spec: InterceptorSpec): void {
    if (spec.setCode) {
      this.context.code = spec.setCode.code;
      this.context.details = spec.setCode.details;
    }
    if (spec.pause) throw new Stopped("pause");
  }

  unary(index: number, request: Request): string {
    const spec = this.c.interceptors[index];
    if (!spec) return this.unaryHandler(request);
    this.enter(spec);
    const next = (r: Request) => this.unary(index + 1, r);
    const op = spec.op as UnaryOp;
    switch (op.type) {
      case "pass":
        return next(request);
      case "mapRequest":
        return next(mapRequest(request, op.tag));
      case "dropFirst":
        asStream(request).next();
        return next(request);
      case "mapResponse":
        return next(request) + op.tag;
      case "shortCircuit":
        return op.output;
      case "throwBefore":
        throw new Thrown(op.error);
      case "throwAfter":
        next(request);
        throw new Thrown(op.error);
      case "recover":
        try {
          return next(request);
        } catch (error) {
          if (error instanceof Thrown) return op.output;
          throw error;
        }
      case "pauseAfter":
        next(request);
        throw new Stopped("pause");
    }
  }

  private unaryHandler(request: Request): string {
    const reads: string[] = [];
    for (const op of this.c.handler) {
      switch (op.type) {
        case "read":
          this.read(asStream(request), reads);
          break;
        case "readAll":
          while (this.read(asStream(request), reads));
          break;
        case "pause":
          throw new Stopped("pause");
        case "fail":
          throw new Thrown(op.error);
        case "destroyBare":
          throw new Thrown("bare");
        case "delay":
        case "emit":
          break;
      }
    }
    return typeof request === "string" ? `${request}!` : reads.join("+");
  }

  private read(requests: Iterator<string>, reads: string[]): boolean {
    const next = requests.next();
    if (!next.done) reads.push(next.value);
    return !next.done;
  }

  *stream(index: number, request: Request): Generator<string, void, undefined> {
    const spec = this.c.interceptors[index];
    if (!spec) {
      yield* this.streamHandler(request);
      return;
    }
    this.enter(spec);
    const next = (r: Request) => this.stream(index + 1, r);
    const op = spec.op as StreamOp;
    switch (op.type) {
      case "pass":
        yield* next(request);
        return;
      case "mapRequest":
        yield* next(mapRequest(request, op.tag));
        return;
      case "dropFirst":
        asStream(request).next();
        yield* next(request);
        return;
      case "mapEach":
        for (const output of next(request)) yield output + op.tag;
        return;
      case "prepend":
        yield op.output;
        yield* next(request);
        return;
      case "append":
        yield* next(request);
        yield op.output;
        return;
      case "shortCircuit":
        yield* op.outputs;
        return;
      case "throwBefore":
        throw new Thrown(op.error);
      case "throwAt": {
        let count = 0;
        for (const output of next(request)) {
          if (count === op.after) throw new Thrown(op.error);
          yield output;
          count++;
        }
        throw new Thrown(op.error);
      }
      case "recover":
        try {
          yield* next(request);
        } catch (error) {
          if (!(error instanceof Thrown)) throw error;
          yield op.output;
        }
        return;
      case "take": {
        if (op.count === 0) return;
        let count = 0;
        for (const output of next(request)) {
          yield output;
          if (++count === op.count) return;
        }
        return;
      }
      case "pauseAt": {
        let count = 0;
        for (const output of next(request)) {
          if (count === op.after) throw new Stopped("pause");
          yield output;
          count++;
        }
        throw new Stopped("pause");
      }
    }
  }

  private *streamHandler(request: Request): Generator<string, void, undefined> {
    const reads: string[] = [];
    let emitted = 0;
    for (const op of this.c.handler) {
      switch (op.type) {
        case "read":
          this.read(asStream(request), reads);
          break;
        case "readAll":
          while (this.read(asStream(request), reads));
          break;
        case "emit":
          yield typeof request === "string" ? `${request}#${emitted}` : `${reads.at(-1) ?? "-"}<${emitted}`;
          emitted++;
          break;
        case "pause":
          throw new Stopped("pause");
        case "fail":
          throw new Thrown(op.error);
        case "destroyBare":
          throw new Thrown("bare");
        case "delay":
          break;
      }
    }
  }

  status(error: ErrorSpec | "bare"): ExpectedStatus {
    const failed = { exceptionTrailer: undefined, error };
    if (error !== "bare" && error.type === "grpc") {
      return { ...failed, code: error.code, details: error.details, exceptionTrailer: error.trailer, cause: "grpc" };
    }
    if (error !== "bare" && error.type === "mapped") {
      const rule = ruleFor(this.c.kind, error.errorClass);
      if (rule) return { ...failed, code: rule.code, details: (rule.prefix ?? "") + error.message, cause: "rule" };
    }
    if (this.context.code !== undefined) {
      return { ...failed, code: this.context.code, details: this.context.details, cause: "setCode" };
    }
    return {
      ...failed,
      code: this.c.ets.unknownCode,
      details: !this.c.ets.stringDetails ? UNKNOWN_DETAILS : error === "bare" ? undefined : stringOf(error),
      cause: "unknown",
    };
  }
}

function stringOf(error: ErrorSpec): string {
  if (error.type !== "unknown") throw new Error("oracle: stringOf a known error");
  return error.value === "string" ? error.message : `${error.value}: ${error.message}`;
}

/** What the contract says the client sees for case `c`. */
export function expectedOutcome(c: Case): Expected {
  const model = new Model(c);
  const halfCloses = !c.withhold;
  const request: Request = requestStreams(c.kind) ? fromRequests(c.requests, halfCloses) : c.input;
  const ok: ExpectedStatus = {
    code: status.OK,
    details: undefined,
    exceptionTrailer: undefined,
    cause: "ok",
    error: undefined,
  };
  try {
    if (responseStreams(c.kind)) {
      for (const output of model.stream(0, request)) model.sent.push(output);
    } else {
      model.sent.push(model.unary(0, request));
    }
    return { stop: undefined, messages: model.sent, status: ok };
  } catch (error) {
    if (error instanceof Stopped) return { stop: error.reason, messages: model.sent, status: undefined };
    if (error instanceof Thrown) return { stop: undefined, messages: model.sent, status: model.status(error.error) };
    throw error;
  }
}
