// `npx tsx examples/grpc-js-style.ts` (after `npm run build`): an existing grpc-js servicer, written
// against ts-proto's `DummyServiceServer` interface with `(call, callback)` / `(call)` handlers, gets
// interceptors and error mapping from decorators and `bootstrap(…, { handlerStyle: "grpc-js" })`,
// without any change to its handlers.
import {
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServerDuplexStream,
  type ServiceError,
  type UntypedHandleCall,
} from "@grpc/grpc-js";
import {
  bootstrap,
  Intercept,
  MapErrors,
  type GrpcJsServicer,
  type ServerCallContext,
  type ServerMethod,
} from "grpc-interceptor";
import {
  DummyServiceClient,
  DummyServiceService,
  type DummyRequest,
  type DummyResponse,
  type DummyServiceServer,
} from "grpc-interceptor/testing";

/** The servicer's own domain error. */
class UnknownWord extends Error {
  override name = "UnknownWord";
}

/** Logs every call and how it ended, for all four kinds of method. */
function logCalls(method: ServerMethod, request: unknown, context: ServerCallContext, methodName: string): unknown {
  console.log(`  server  ${methodName} from ${context.peer}`);
  const result = method(request, context);
  if (typeof (result as Promise<unknown>).then === "function") {
    return (result as Promise<unknown>).then(
      (response) => (console.log(`  server  ${methodName} answered ${JSON.stringify(response)}`), response),
      (error: unknown) => {
        console.log(`  server  ${methodName} failed: ${String(error)}`);
        throw error;
      },
    );
  }
  return result;
}

/** Shouts: upper-cases every streamed response. */
async function* shout(method: ServerMethod, request: unknown, context: ServerCallContext) {
  for await (const response of method(request, context) as AsyncIterable<DummyResponse>) {
    yield { output: response.output.toUpperCase() };
  }
}

const dictionary = new Map([
  ["hello", "a greeting"],
  ["grpc", "a remote procedure call framework"],
]);

/** A dictionary service, written as plain grpc-js handlers (as it was before this library). */
@Intercept(logCalls)
@MapErrors([UnknownWord, status.NOT_FOUND])
class DictionaryServicer implements DummyServiceServer, GrpcJsServicer<typeof DummyServiceService> {
  [name: string]: UntypedHandleCall;

  /** Looks one word up. */
  execute(call: ServerUnaryCall<DummyRequest, DummyResponse>, callback: sendUnaryData<DummyResponse>): void {
    const meaning = dictionary.get(call.request.input);
    if (meaning === undefined) callback(new UnknownWord(`no such word: ${call.request.input}`));
    else callback(null, { output: meaning });
  }

  /** Counts the known words among those sent. */
  executeClientStream(
    call: ServerReadableStream<DummyRequest, DummyResponse>,
    callback: sendUnaryData<DummyResponse>,
  ): void {
    let known = 0;
    call.on("data", (request: DummyRequest) => void (dictionary.has(request.input) && known++));
    call.on("end", () => callback(null, { output: `${known} known` }));
  }

  /** Spells a known word, one letter a message. */
  @Intercept(shout)
  executeServerStream(call: ServerWritableStream<DummyRequest, DummyResponse>): void {
    const word = call.request.input;
    if (!dictionary.has(word)) {
      call.emit("error", new UnknownWord(`cannot spell an unknown word: ${word}`));
      return;
    }
    for (const letter of word) call.write({ output: letter });
    call.end();
  }

  /** Answers each word with its meaning. */
  executeClientServerStream(call: ServerDuplexStream<DummyRequest, DummyResponse>): void {
    call.on("data", (request: DummyRequest) => {
      const meaning = dictionary.get(request.input);
      if (meaning === undefined) throw new UnknownWord(`no such word: ${request.input}`);
      call.write({ output: meaning });
    });
    call.on("end", () => call.end());
  }
}

async function main(): Promise<void> {
  const server = new Server();
  server.addService(
    DummyServiceService,
    bootstrap(DummyServiceService, new DictionaryServicer(), { handlerStyle: "grpc-js" }),
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  const client = new DummyServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  const options = () => ({ deadline: Date.now() + 5000 });
  const outcome = (error: ServiceError | null) => (error ? `${status[error.code]}: ${error.details}` : "OK");

  const unary = (input: string) =>
    new Promise<void>((resolve) =>
      client.execute({ input }, new Metadata(), options(), (error, response) => {
        console.log(`  client  execute(${input}) → ${error ? outcome(error) : JSON.stringify(response)}\n`);
        resolve();
      }),
    );
  const stream = (input: string) =>
    new Promise<void>((resolve) => {
      const letters: string[] = [];
      const call = client.executeServerStream({ input }, new Metadata(), options());
      call.on("data", (response: DummyResponse) => letters.push(response.output));
      call.on("error", () => {});
      call.on("status", (s) => {
        const error = s.code === status.OK ? null : ({ ...s } as ServiceError);
        console.log(`  client  executeServerStream(${input}) → [${letters.join(" ")}] ${outcome(error)}\n`);
        resolve();
      });
    });
  const bidi = (inputs: string[]) =>
    new Promise<void>((resolve) => {
      const answers: string[] = [];
      const call = client.executeClientServerStream(new Metadata(), options());
      call.on("data", (response: DummyResponse) => answers.push(response.output));
      call.on("error", () => {});
      call.on("status", (s) => {
        const error = s.code === status.OK ? null : ({ ...s } as ServiceError);
        console.log(`  client  executeClientServerStream → ${JSON.stringify(answers)} ${outcome(error)}\n`);
        resolve();
      });
      for (const input of inputs) call.write({ input });
      call.end();
    });

  await unary("hello");
  await unary("nope");
  await stream("grpc");
  await stream("nope");
  await bidi(["hello", "grpc"]);
  await bidi(["hello", "nope", "grpc"]);

  client.close();
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
