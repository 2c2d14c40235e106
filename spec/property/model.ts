import { status } from "@grpc/grpc-js";

// The vocabulary of the property-based test: one generated case is one call, described as data so
// the oracle can predict it, the servers can play it and fast-check can shrink and print it.

/** The four method kinds, by their DummyService method. */
export type Kind = "unary" | "clientStream" | "serverStream" | "bidi";

/** The servicer handler style. */
export type Style = "async" | "grpc-js";

/** An await that gives way: none, a microtask, a macrotask, or a 1 ms timer. */
export type Delay = "none" | "microtask" | "immediate" | "timer";

/** Error classes the servicers' `@MapErrors` rules know (see mappedErrors.ts). */
export type MappedClass = "DomainError" | "Missing" | "Leaf" | "Invalid";

/** Something a step throws (or passes to `callback` / `emit("error")` / `destroy`). */
export type ErrorSpec =
  | { type: "grpc"; code: status; details: string; via: "throw" | "abort"; trailer?: string }
  | { type: "mapped"; errorClass: MappedClass; message: string }
  | { type: "unknown"; value: "Error" | "TypeError" | "Unrelated" | "string"; message: string };

/** What an interceptor of a unary-response method (unary, client streaming) does. */
export type UnaryOp =
  | { type: "pass" }
  | { type: "mapRequest"; tag: string }
  | { type: "dropFirst" } // stream requests: reads one request itself, passes the rest on
  | { type: "mapResponse"; tag: string }
  | { type: "shortCircuit"; output: string }
  | { type: "throwBefore"; error: ErrorSpec }
  | { type: "throwAfter"; error: ErrorSpec }
  | { type: "recover"; output: string }
  | { type: "pauseAfter" };

/** What an interceptor of a streaming-response method (server streaming, bidi) does. */
export type StreamOp =
  | { type: "pass" }
  | { type: "mapRequest"; tag: string }
  | { type: "dropFirst" }
  | { type: "mapEach"; tag: string }
  | { type: "prepend"; output: string }
  | { type: "append"; output: string }
  | { type: "shortCircuit"; outputs: string[] }
  | { type: "throwBefore"; error: ErrorSpec }
  | { type: "throwAt"; after: number; error: ErrorSpec } // after forwarding `after` messages (or at the end)
  | { type: "recover"; output: string }
  | { type: "take"; count: number }
  | { type: "pauseAt"; after: number };

/** One interceptor of the chain. */
export interface InterceptorSpec {
  /** Which of the three accepted forms it is given in. */
  form: "instance" | "class" | "function";
  /** Awaited first (and, for `mapEach`, before each message). */
  delay: Delay;
  /** `context.setCode` + `setDetails` before acting. */
  setCode?: { code: status; details: string };
  /** Pauses (a cancellation point) before acting. */
  pause: boolean;
  op: UnaryOp | StreamOp;
}

/** How a grpc-js-style handler fails; the async style always throws. */
export type FailHow = "throw" | "callback" | "emit" | "destroy";

/** One step of a handler's script. */
export type HandlerOp =
  | { type: "read" } // one request of the request stream
  | { type: "readAll" }
  | { type: "emit" } // one response message (streaming responses)
  | { type: "delay"; delay: Delay }
  | { type: "pause" }
  | { type: "fail"; error: ErrorSpec; how: FailHow }
  | { type: "destroyBare" }; // grpc-js style, streams: `call.destroy()` with no error

/** What the client does. */
export type ClientMode =
  | "normal" // sends everything, half-closes, reads everything
  | "cancel" // cancels when the call reaches its first pause point or blocks on a read
  | "cancelAtStart" // cancels right after starting the call
  | "deadline"; // a short deadline instead of a cancel

/** One generated call. */
export interface Case {
  kind: Kind;
  style: Style;
  /** The request of unary-request kinds. */
  input: string;
  /** The requests of request-streaming kinds. */
  requests: string[];
  /** Request streams: the client does not half-close (so reading past `requests` blocks). */
  withhold: boolean;
  /** Outermost first; `bootstrap`'s `options.interceptors`. */
  interceptors: InterceptorSpec[];
  handler: HandlerOp[];
  client: ClientMode;
  /** Reads `context.signal` at the start of the call (otherwise first only after it ended). */
  touchSignalEarly: boolean;
  /** `context.setTrailingMetadata` at the start of the call. */
  setTrailer: boolean;
  /** `context.sendInitialMetadata` at the start of the call. */
  sendHeaders: boolean;
  /** grpc-js style: once the handler has answered, it answers again (a second `callback`, a write after `end()`). */
  answerTwice: boolean;
  /** The exception-to-status stage's options. */
  ets: { unknownCode: status; stringDetails: boolean; subclass: boolean };
}

/** The path of each kind's method. */
export const pathOf: Record<Kind, string> = {
  unary: "/DummyService/Execute",
  clientStream: "/DummyService/ExecuteClientStream",
  serverStream: "/DummyService/ExecuteServerStream",
  bidi: "/DummyService/ExecuteClientServerStream",
};

/** The method of the dummy service each kind is served by (the definition's key). */
export const methodOf: Record<Kind, string> = {
  unary: "execute",
  clientStream: "executeClientStream",
  serverStream: "executeServerStream",
  bidi: "executeClientServerStream",
};

/** Whether the kind's requests come as a stream. */
export function requestStreams(kind: Kind): boolean {
  return kind === "clientStream" || kind === "bidi";
}

/** Whether the kind's responses go as a stream. */
export function responseStreams(kind: Kind): boolean {
  return kind === "serverStream" || kind === "bidi";
}

/** `status` code name, e.g. `"NOT_FOUND"`. */
export function codeName(code: number): string {
  return (status as unknown as Record<number, string>)[code] ?? String(code);
}

function describeError(error: ErrorSpec): string {
  switch (error.type) {
    case "grpc":
      return `${error.via === "abort" ? "abort" : "GrpcException"}(${codeName(error.code)}, ${JSON.stringify(error.details)}${error.trailer ? `, trailer ${error.trailer}` : ""})`;
    case "mapped":
      return `${error.errorClass}(${JSON.stringify(error.message)})`;
    case "unknown":
      return `${error.value}(${JSON.stringify(error.message)})`;
  }
}

function describeOp(op: UnaryOp | StreamOp): string {
  const { type, ...rest } = op;
  const args = Object.entries(rest).map(([key, value]) =>
    key === "error" ? describeError(value as ErrorSpec) : `${key}=${JSON.stringify(value)}`,
  );
  return args.length ? `${type}(${args.join(", ")})` : type;
}

function describeHandlerOp(op: HandlerOp): string {
  switch (op.type) {
    case "delay":
      return `delay(${op.delay})`;
    case "fail":
      return `fail(${describeError(op.error)}, ${op.how})`;
    default:
      return op.type;
  }
}

/** A one-paragraph, readable description of a case (what fast-check prints for a counterexample). */
export function describeCase(c: Case): string {
  const chain = c.interceptors.map((spec) => {
    const extras = [
      spec.form !== "instance" ? spec.form : "",
      spec.delay !== "none" ? `delay=${spec.delay}` : "",
      spec.setCode ? `setCode(${codeName(spec.setCode.code)}, ${JSON.stringify(spec.setCode.details)})` : "",
      spec.pause ? "pause" : "",
    ].filter(Boolean);
    return `${describeOp(spec.op)}${extras.length ? ` [${extras.join(" ")}]` : ""}`;
  });
  const request = requestStreams(c.kind)
    ? `requests=${JSON.stringify(c.requests)}${c.withhold ? " (no half-close)" : ""}`
    : `input=${JSON.stringify(c.input)}`;
  const ets = [
    c.ets.unknownCode !== status.UNKNOWN ? `statusOnUnknownException=${codeName(c.ets.unknownCode)}` : "",
    c.ets.stringDetails ? "detailsOnUnknownException=String" : "",
    c.ets.subclass ? "subclass overriding handleException" : "",
  ].filter(Boolean);
  return [
    `${c.kind} / ${c.style} style / client ${c.client}, ${request}`,
    `  interceptors: ${chain.length ? chain.join(" → ") : "(none)"}`,
    `  handler: [${c.handler.map(describeHandlerOp).join(", ")}]`,
    `  ${[
      c.touchSignalEarly ? "signal read early" : "signal read after the call",
      c.setTrailer ? "setTrailingMetadata" : "",
      c.sendHeaders ? "sendInitialMetadata" : "",
      c.answerTwice ? "answers twice" : "",
      ...ets,
    ]
      .filter(Boolean)
      .join(", ")}`,
  ].join("\n");
}
