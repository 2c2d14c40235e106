import { expect } from "chai";
import { join } from "node:path";
import {
  credentials,
  InterceptingCall,
  loadPackageDefinition,
  makeGenericClientConstructor,
  Metadata,
  type Client,
  type ClientReadableStream,
  type Interceptor,
  type ServiceError,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import type { ServerCallContext } from "grpc-interceptor";
import { Unavailable } from "grpc-interceptor/exceptions";
import { DummyServiceClient, DummyServiceService, dummyClient } from "grpc-interceptor/testing";
import { collect } from "../support/calls.js";
import { RetryInterceptor } from "./support/examples.js";
import { CountingInterceptor, failingFirst, MetadataInterceptor } from "./support/interceptors.js";

type Callback = (error: ServiceError | null, response?: { output: string }) => void;
/** A client of any of the three kinds: its methods are looked up by name. */
interface Untyped extends Client {
  [name: string]: unknown;
}

const root = join(__dirname, "..", "..", "..", "protos", "dummy.proto");

const clientTypes: Array<{ name: string; make: (address: string, interceptors: Interceptor[]) => Untyped }> = [
  {
    name: "a ts-proto generated client",
    make: (address, interceptors) =>
      new DummyServiceClient(address, credentials.createInsecure(), { interceptors }) as unknown as Untyped,
  },
  {
    name: "a makeGenericClientConstructor client",
    make: (address, interceptors) => {
      const Constructor = makeGenericClientConstructor(DummyServiceService, "DummyService");
      return new Constructor(address, credentials.createInsecure(), { interceptors }) as unknown as Untyped;
    },
  },
  {
    name: "a @grpc/proto-loader client",
    make: (address, interceptors) => {
      const definition = loadPackageDefinition(loadSync(root));
      const Constructor = definition.DummyService as unknown as new (...args: unknown[]) => Untyped;
      return new Constructor(address, credentials.createInsecure(), { interceptors });
    },
  },
];

function unary(client: Untyped, input: string): Promise<string> {
  const execute = (client.execute ?? client.Execute) as (...args: unknown[]) => unknown;
  return new Promise((resolve, reject) =>
    execute.call(client, { input }, new Metadata(), { deadline: Date.now() + 5000 }, ((error, response) =>
      error ? reject(error) : resolve(response!.output)) as Callback),
  );
}

async function serverStream(client: Untyped, input: string): Promise<string[]> {
  const method = (client.executeServerStream ?? client.ExecuteServerStream) as (...args: unknown[]) => unknown;
  const stream = method.call(client, { input }, new Metadata(), { deadline: Date.now() + 5000 });
  return (await collect(stream as ClientReadableStream<{ output: string }>)).map((r) => r.output);
}

describe("client interceptors on every kind of grpc-js client", () => {
  for (const { name, make } of clientTypes) {
    it(`work on ${name}: metadata, retry and counting, callback and stream APIs`, async () => {
      const flaky = failingFirst(1, () => new Unavailable(), "yes");
      await using server = await dummyClient({
        specialCases: {
          flaky,
          whoami: (_input: string, context: ServerCallContext) => context.metadata.get("x-user").join(","),
        },
      });
      const counter = new CountingInterceptor();
      const client = make(server.address, [
        new RetryInterceptor({ initialBackoffMs: 1 }),
        counter,
        new MetadataInterceptor("x-user", "carol"),
      ]);
      try {
        expect(await unary(client, "whoami")).to.equal("carol");
        expect(await unary(client, "flaky")).to.equal("yes");
        expect(await serverStream(client, "ab")).to.deep.equal(["a", "b"]);
        expect(counter.codes).to.deep.equal({ OK: 3, UNAVAILABLE: 1 });
      } finally {
        client.close();
      }
    });
  }

  it("are replaced by per-call interceptors, as grpc-js does", async () => {
    const clientLevel = new CountingInterceptor();
    const callLevel = new CountingInterceptor();
    await using server = await dummyClient({ clientInterceptors: [clientLevel] });
    const response = await new Promise((resolve, reject) =>
      server.raw.execute(
        { input: "x" },
        new Metadata(),
        { deadline: Date.now() + 5000, interceptors: [callLevel] },
        (error, value) => (error ? reject(error) : resolve(value)),
      ),
    );
    expect(response).to.deep.equal({ output: "x" });
    expect([clientLevel.calls, callLevel.calls]).to.deep.equal([0, 1]);
  });

  it("sit next to native grpc-js interceptors", async () => {
    const seen: string[] = [];
    const native: Interceptor = (options, nextCall) =>
      new InterceptingCall(nextCall(options), {
        start(metadata, listener, next) {
          seen.push(`native sees x-user=${metadata.get("x-user").join(",")}`);
          next(metadata, listener);
        },
      });
    await using server = await dummyClient({
      specialCases: { whoami: (_input, context) => context.metadata.get("x-user").join(",") },
    });
    const client = new DummyServiceClient(server.address, credentials.createInsecure(), {
      interceptors: [new MetadataInterceptor("x-user", "dan"), native],
    });
    try {
      expect(await unary(client as unknown as Untyped, "whoami")).to.equal("dan");
      expect(seen).to.deep.equal(["native sees x-user=dan"]);
    } finally {
      client.close();
    }
  });
});
