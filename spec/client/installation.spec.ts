import { expect } from "chai";
import { credentials, Metadata } from "@grpc/grpc-js";
import type { ClientCallDetails, ClientMethod } from "grpc-interceptor";
import { ClientInterceptor, toGrpcInterceptor } from "grpc-interceptor";
import { DummyServiceClient, dummyClient } from "grpc-interceptor/testing";
import { soon } from "../support/calls.js";
import { passThrough } from "./support/interceptors.js";

class Tagging extends ClientInterceptor {
  // Fields named like a function's own read-only properties must still work.
  override name = "tagger";
  override length = 7;
  #seen = 0;
  constructor(private readonly tag: string) {
    super();
  }
  get seen(): number {
    return this.#seen;
  }
  intercept(method: ClientMethod, request: { input: string }, details: ClientCallDetails) {
    this.#seen++;
    return method({ input: `${request.input}+${this.tag}` }, details);
  }
}

class Plain extends ClientInterceptor {
  intercept(method: ClientMethod, request: unknown, details: ClientCallDetails) {
    return method(request, details);
  }
}

describe("client interceptors: installation", () => {
  it("are grpc-js Interceptor functions themselves, and still instances of their class", () => {
    const interceptor = new Tagging("t");
    expect(interceptor).to.be.a("function");
    expect(interceptor).to.be.instanceOf(Tagging).and.instanceOf(ClientInterceptor);
    expect([interceptor.name, interceptor.length, interceptor.seen]).to.deep.equal(["tagger", 7, 0]);
    expect(typeof interceptor.call).to.equal("function");
    expect(new Plain().name).to.equal("Plain");
  });

  it("go straight into a client's interceptors option, first listed outermost", async () => {
    const outer = new Tagging("outer");
    const inner = new Tagging("inner");
    await using client = await dummyClient({ clientInterceptors: [outer, inner] });
    expect((await client.execute({ input: "x" }, soon())).output).to.equal("x+outer+inner");
    expect([outer.seen, inner.seen]).to.deep.equal([1, 1]);
  });

  it("toGrpcInterceptor returns instances as they are and wraps plain functions", async () => {
    const instance = new Plain();
    expect(toGrpcInterceptor(instance)).to.equal(instance);
    const wrapped = toGrpcInterceptor(passThrough);
    expect(wrapped).to.be.instanceOf(ClientInterceptor);
    const tagged = toGrpcInterceptor((method: ClientMethod, request: { input: string }, details: ClientCallDetails) =>
      method({ input: request.input + "!" }, details),
    );
    await using server = await dummyClient();
    const client = new DummyServiceClient(server.address, credentials.createInsecure(), {
      interceptors: [tagged, wrapped],
    });
    try {
      const response = await new Promise((resolve, reject) =>
        client.execute({ input: "x" }, new Metadata(), soon(), (error, value) =>
          error ? reject(error) : resolve(value),
        ),
      );
      expect(response).to.deep.equal({ output: "x!" });
    } finally {
      client.close();
    }
  });

  it("toGrpcInterceptor rejects anything else", () => {
    expect(() => toGrpcInterceptor(42 as never)).to.throw(TypeError, /ClientInterceptor or a function/);
  });

  it("serve many calls with one instance, each call with its own state", async () => {
    const tagging = new Tagging("t");
    await using client = await dummyClient({ clientInterceptors: [tagging] });
    const outputs = await Promise.all(["a", "b", "c"].map((input) => client.execute({ input }, soon())));
    expect(outputs.map((r) => r.output)).to.deep.equal(["a+t", "b+t", "c+t"]);
    expect(tagging.seen).to.equal(3);
  });
});
