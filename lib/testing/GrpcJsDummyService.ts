import type {
  sendUnaryData,
  ServerDuplexStream,
  ServerReadableStream,
  ServerUnaryCall,
  ServerWritableStream,
  UntypedHandleCall,
} from "@grpc/grpc-js";
import type { DummyRequest, DummyResponse, DummyServiceServer, DummyServiceService } from "../generated/dummy.js";
import { contextOf } from "../server/grpcJsStyle/common.js";
import { CallContext } from "../server/CallContext.js";
import type { CallKind } from "../server/CallOutcome.js";
import type { ServerCallContext, ServerSurfaceCall } from "../server/ServerCallContext.js";
import type { GrpcJsServicer } from "../server/servicerTypes.js";
import type { SpecialCase } from "./DummyService.js";

/**
 * The testing kit's echo service written in the `"grpc-js"` handler style: ts-proto's
 * `DummyServiceServer`, with the same behaviour as `DummyService` (echo, and `specialCases` replacing
 * the echo of an input). A special case gets the call's `ServerCallContext`, the very one interceptors
 * see (so `context.abort`, `setCode`, `signal` act as in the async style); served by plain grpc-js
 * without `bootstrap`, it gets a context built over the raw call.
 */
export class GrpcJsDummyService implements DummyServiceServer, GrpcJsServicer<typeof DummyServiceService> {
  [name: string]: UntypedHandleCall;
  readonly #specialCases: Record<string, SpecialCase>;

  /** @param specialCases - inputs that run a function instead of being echoed. */
  constructor(specialCases: Record<string, SpecialCase> = {}) {
    this.#specialCases = specialCases;
  }

  /** Answers with the input (or its special case's result). */
  execute(call: ServerUnaryCall<DummyRequest, DummyResponse>, callback: sendUnaryData<DummyResponse>): void {
    const input = call.request.input;
    const special = specialCase(this.#specialCases, input);
    if (!special) {
      callback(null, { output: input });
      return;
    }
    run(special, input, call, "unary").then(
      (output) => callback(null, { output }),
      (error: unknown) => fail(callback, error),
    );
  }

  /** Answers with the concatenation of the inputs, handling them one at a time. */
  executeClientStream(
    call: ServerReadableStream<DummyRequest, DummyResponse>,
    callback: sendUnaryData<DummyResponse>,
  ): void {
    let output = "";
    let failed = false;
    call.on("data", (request: DummyRequest) => {
      const special = specialCase(this.#specialCases, request.input);
      if (!special) {
        output += request.input;
        return;
      }
      call.pause(); // Special cases run in order, one at a time, as in DummyService.
      run(special, request.input, call, "clientStream").then(
        (result) => {
          output += result;
          call.resume();
        },
        (error: unknown) => {
          failed = true;
          fail(callback, error);
        },
      );
    });
    call.on("end", () => {
      if (!failed) callback(null, { output });
    });
    call.on("error", (error) => callback(error));
  }

  /** Streams the output one character a message. */
  executeServerStream(call: ServerWritableStream<DummyRequest, DummyResponse>): void {
    const input = call.request.input;
    const special = specialCase(this.#specialCases, input);
    if (!special) {
      writeCharacters(call, input);
      return;
    }
    run(special, input, call, "serverStream").then(
      (output) => writeCharacters(call, output),
      (error: unknown) => call.emit("error", error),
    );
  }

  /** Answers each request with its output, in order. */
  executeClientServerStream(call: ServerDuplexStream<DummyRequest, DummyResponse>): void {
    call.on("data", (request: DummyRequest) => {
      const special = specialCase(this.#specialCases, request.input);
      if (!special) {
        call.write({ output: request.input });
        return;
      }
      call.pause();
      run(special, request.input, call, "bidi").then(
        (output) => {
          call.write({ output });
          call.resume();
        },
        (error: unknown) => call.emit("error", error),
      );
    });
    call.on("end", () => call.end());
  }
}

// `callback(undefined)` means success without a response: a special case that threw nothing at all
// (undefined or null) fails the call with an error that says so.
function fail(callback: sendUnaryData<DummyResponse>, error: unknown): void {
  callback((error ?? new Error(`a special case threw ${String(error)}`)) as Error);
}

function specialCase(specialCases: Record<string, SpecialCase>, input: string): SpecialCase | undefined {
  return Object.hasOwn(specialCases, input) ? specialCases[input] : undefined;
}

// A special case's result, awaited; a synchronous throw becomes a rejection.
async function run(
  special: SpecialCase,
  input: string,
  call: ServerSurfaceCall & { getPath(): string },
  kind: CallKind,
) {
  return await special(input, contextFor(call, kind));
}

function contextFor(call: ServerSurfaceCall & { getPath(): string }, kind: CallKind): ServerCallContext {
  const plan = { path: call.getPath(), kind, errorMapper: undefined, exceptionToStatus: undefined };
  return contextOf(call) ?? new CallContext(call, plan);
}

function writeCharacters(call: ServerWritableStream<DummyRequest, DummyResponse>, output: string): void {
  for (const character of output) call.write({ output: character });
  call.end();
}
