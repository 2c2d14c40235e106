// Type tests (compiled, never run): servicer classes and objects against AsyncServicer / GrpcJsServicer of a
// ts-proto definition. Every `@ts-expect-error` must meet an error (an unused one fails the compile).
import type {
  handleUnaryCall,
  sendUnaryData,
  ServerReadableStream,
  ServerUnaryCall,
  ServerWritableStream,
} from "@grpc/grpc-js";
import type { AsyncServicer, GrpcJsServicer, RequestOf, ResponseOf, ServerCallContext } from "grpc-interceptor";
import {
  DummyService,
  GrpcJsDummyService,
  type DummyRequest,
  type DummyResponse,
  type DummyServiceService,
} from "grpc-interceptor/testing";
import type { DummyServiceServer } from "../../lib/generated/dummy.js";

type Dummy = typeof DummyServiceService;
const echo = (request: DummyRequest): DummyResponse => ({ output: request.input });
async function* echoAll(requests: AsyncIterable<DummyRequest>): AsyncGenerator<DummyResponse> {
  for await (const request of requests) yield echo(request);
}

// --- must compile -------------------------------------------------------------------------------

// The four kinds, the usual way: async methods and async generators, the context where needed.
export class Complete implements AsyncServicer<Dummy> {
  async execute(request: DummyRequest, context: ServerCallContext): Promise<DummyResponse> {
    return { output: `${request.input} ${context.methodName}` };
  }
  async executeClientStream(requests: AsyncIterable<DummyRequest>): Promise<DummyResponse> {
    let output = "";
    for await (const request of requests) output += request.input;
    return { output };
  }
  async *executeServerStream(request: DummyRequest): AsyncGenerator<DummyResponse> {
    yield echo(request);
  }
  executeClientServerStream(requests: AsyncIterable<DummyRequest>): AsyncIterable<DummyResponse> {
    return echoAll(requests);
  }
}

// Parameters left out, plain values, sync generators, arrays and promises of iterables; extra members.
export class Relaxed implements AsyncServicer<Dummy> {
  readonly greeting = "hi";
  execute(): DummyResponse {
    return { output: this.greeting };
  }
  executeClientStream = async () => ({ output: "" }); // an arrow-function property
  *executeServerStream(request: DummyRequest) {
    yield echo(request);
    yield { output: "and a plain object" };
  }
  async executeClientServerStream() {
    return [{ output: "an array, promised" }];
  }
  helper(): number {
    return 42;
  }
}

// Arrow-function properties for every method.
export class Arrows implements AsyncServicer<Dummy> {
  execute = async (request: DummyRequest) => echo(request);
  executeClientStream = async (requests: AsyncIterable<DummyRequest>) => {
    for await (const request of requests) return echo(request);
    return { output: "" };
  };
  executeServerStream = (request: DummyRequest) => [echo(request)];
  executeClientServerStream = (requests: AsyncIterable<DummyRequest>) => echoAll(requests);
}

// Inheritance and an abstract base.
export class Derived extends Complete {
  override async execute(request: DummyRequest): Promise<DummyResponse> {
    return { output: request.input.toUpperCase() };
  }
}
export abstract class AbstractBase implements AsyncServicer<Dummy> {
  abstract execute(request: DummyRequest): Promise<DummyResponse>;
  async executeClientStream(): Promise<DummyResponse> {
    return { output: "" };
  }
  async *executeServerStream() {}
  async *executeClientServerStream() {}
}
export class Concrete extends AbstractBase {
  async execute(request: DummyRequest) {
    return echo(request);
  }
}

// An object literal, contextually typed: `request` and `context` get their types from the definition.
export const literal: AsyncServicer<Dummy> = {
  async execute(request, context) {
    return { output: request.input + context.peer };
  },
  async executeClientStream(requests) {
    for await (const request of requests) return { output: request.input };
    return { output: "" };
  },
  async *executeServerStream(request) {
    yield { output: request.input };
  },
  executeClientServerStream: (requests) => echoAll(requests),
};

// The testing kit's servicers, ts-proto's XxxServer, and a grpc-js-style class.
export const kit: AsyncServicer<Dummy> = new DummyService();
export const kitGrpcJs: GrpcJsServicer<Dummy> = new GrpcJsDummyService();
export const tsProtoServer = (server: DummyServiceServer): GrpcJsServicer<Dummy> => server;
export class GrpcJsStyle implements GrpcJsServicer<Dummy> {
  execute(call: ServerUnaryCall<DummyRequest, DummyResponse>, callback: sendUnaryData<DummyResponse>): void {
    callback(null, echo(call.request));
  }
  executeClientStream(call: ServerReadableStream<DummyRequest, DummyResponse>, callback: sendUnaryData<DummyResponse>) {
    call.on("end", () => callback(null, { output: "" }));
  }
  executeServerStream(call: ServerWritableStream<DummyRequest, DummyResponse>) {
    call.end();
  }
  executeClientServerStream: GrpcJsServicer<Dummy>["executeClientServerStream"] = (call) => call.end();
}

// The message types, read off the definition.
export const request: RequestOf<Dummy["execute"]> = { input: "x" };
export const response: ResponseOf<Dummy["executeServerStream"]> = { output: "x" };
export const handler: GrpcJsServicer<Dummy>["execute"] = (() => {}) as handleUnaryCall<DummyRequest, DummyResponse>;

// --- must fail ----------------------------------------------------------------------------------

// @ts-expect-error a method is missing
export class Missing implements AsyncServicer<Dummy> {
  async execute(request: DummyRequest) {
    return echo(request);
  }
  async executeClientStream() {
    return { output: "" };
  }
  async *executeServerStream() {}
}

export class WrongRequest extends Complete {
  // @ts-expect-error the request is a DummyRequest, not { id: number }
  override async execute(request: { id: number }) {
    return { output: String(request.id) };
  }
}

export class WrongResponse extends Complete {
  // @ts-expect-error 42 is not a DummyResponse
  override async execute() {
    return 42;
  }
}

export class WrongResponseField extends Complete {
  // @ts-expect-error the response's field is `output`
  override execute() {
    return { outptu: "x" };
  }
}

export class UnaryForServerStream extends Complete {
  // @ts-expect-error a server-streaming method returns a stream, not one message
  override async executeServerStream(request: DummyRequest) {
    return echo(request);
  }
}

export class UnaryForClientStream extends Complete {
  // @ts-expect-error a client-streaming method reads an AsyncIterable of requests
  override async executeClientStream(request: DummyRequest) {
    return echo(request);
  }
}

export class StreamForUnary extends Complete {
  // @ts-expect-error a unary method returns one message, not a stream
  override async *execute(request: DummyRequest) {
    yield echo(request);
  }
}

export class SyncIterableRequests extends Complete {
  // @ts-expect-error requests arrive as an AsyncIterable, not an Iterable
  override async executeClientStream(requests: Iterable<DummyRequest>) {
    for (const request of requests) return echo(request);
    return { output: "" };
  }
}

// @ts-expect-error an "async"-style class is not a GrpcJsServicer
export const asyncAsGrpcJs: GrpcJsServicer<Dummy> = new Complete();
// @ts-expect-error a grpc-js-style class is not an AsyncServicer
export const grpcJsAsAsync: AsyncServicer<Dummy> = new GrpcJsStyle();

export const wrongLiteral: AsyncServicer<Dummy> = {
  ...literal,
  // @ts-expect-error the object literal's method returns the wrong message
  async execute(request) {
    return { input: request.input };
  },
};
