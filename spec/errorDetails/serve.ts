import { credentials, Metadata, Server, ServerCredentials, type ServiceError } from "@grpc/grpc-js";
import { bootstrap, type BootstrapOptions } from "grpc-interceptor";
import { DummyServiceClient, DummyServiceService, type DummyResponse } from "grpc-interceptor/testing";
import { soon } from "../support/calls.js";

/** A real server with `servicer` bootstrapped for the dummy service, and a plain grpc-js client to it. */
export interface Served extends AsyncDisposable {
  readonly client: DummyServiceClient;
  /** A unary call that must fail: its ServiceError. */
  unaryFailure(input: string): Promise<ServiceError>;
  /** A client-streaming call that must fail. */
  clientStreamFailure(inputs: string[]): Promise<ServiceError>;
  /** A streaming-response call that must fail: the messages before the error, and the error. */
  streamFailure(inputs: string | string[]): Promise<{ outputs: string[]; error: ServiceError }>;
}

export async function serve(servicer: object, options: BootstrapOptions = {}): Promise<Served> {
  const server = new Server();
  server.addService(DummyServiceService, bootstrap(DummyServiceService, servicer, options));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  const client = new DummyServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  const mustFail =
    (resolve: (error: ServiceError) => void, reject: (error: Error) => void) => (error: ServiceError | null) =>
      error ? resolve(error) : reject(new Error("the call succeeded but was expected to fail"));
  return {
    client,
    unaryFailure: (input) =>
      new Promise((resolve, reject) => client.execute({ input }, new Metadata(), soon(), mustFail(resolve, reject))),
    clientStreamFailure: (inputs) =>
      new Promise((resolve, reject) => {
        const call = client.executeClientStream(new Metadata(), soon(), mustFail(resolve, reject));
        for (const input of inputs) call.write({ input });
        call.end();
      }),
    streamFailure: (inputs) =>
      new Promise((resolve, reject) => {
        const outputs: string[] = [];
        let call;
        if (typeof inputs === "string") call = client.executeServerStream({ input: inputs }, soon());
        else {
          const bidi = client.executeClientServerStream(soon());
          for (const input of inputs) bidi.write({ input });
          bidi.end();
          call = bidi;
        }
        call.on("data", (response: DummyResponse) => outputs.push(response.output));
        call.on("error", (error: ServiceError) => resolve({ outputs, error }));
        call.on("end", () => reject(new Error(`the stream ended after ${outputs.length} messages without failing`)));
      }),
    async [Symbol.asyncDispose]() {
      client.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}
