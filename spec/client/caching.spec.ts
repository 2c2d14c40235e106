import { expect } from "chai";
import type { ClientCallDetails, ClientMethod } from "grpc-interceptor";
import { ClientInterceptor } from "grpc-interceptor";
import { dummyClient } from "grpc-interceptor/testing";
import { collect, soon } from "../support/calls.js";
import { CountingInterceptor } from "./support/interceptors.js";

type Request = { input: string };

/** Caches responses by request (for client streams: by the whole sequence of requests). */
class CachingInterceptor extends ClientInterceptor {
  readonly cache = new Map<string, unknown>();
  misses = 0;

  async intercept(method: ClientMethod, requests: Request | AsyncIterable<Request>, details: ClientCallDetails) {
    let request: Request | Request[] = requests as Request;
    if (Symbol.asyncIterator in requests) {
      const all: Request[] = [];
      for await (const item of requests) all.push(item);
      request = all;
    }
    const key = `${details.method}:${JSON.stringify(request)}`;
    if (this.cache.has(key)) return this.cache.get(key);
    this.misses++;
    const response: unknown = await method(request, details);
    this.cache.set(key, response);
    return response;
  }
}

describe("client interceptors: caching", () => {
  it("answers a repeated unary request without calling the method again", async () => {
    const cache = new CachingInterceptor();
    const server = new CountingInterceptor();
    await using client = await dummyClient({ clientInterceptors: [cache, server] });
    expect((await client.execute({ input: "a" }, soon())).output).to.equal("a");
    expect((await client.execute({ input: "a" }, soon())).output).to.equal("a");
    expect((await client.execute({ input: "b" }, soon())).output).to.equal("b");
    expect([cache.misses, server.calls]).to.deep.equal([2, 2]);
  });

  it("answers a repeated client stream without calling the method again", async () => {
    const cache = new CachingInterceptor();
    const server = new CountingInterceptor();
    await using client = await dummyClient({ clientInterceptors: [cache, server] });
    const send = (...inputs: string[]) =>
      client.executeClientStream(
        inputs.map((input) => ({ input })),
        soon(),
      );
    expect((await send("a", "b")).output).to.equal("ab");
    expect((await send("a", "b")).output).to.equal("ab");
    expect((await send("a", "c")).output).to.equal("ac");
    expect([cache.misses, server.calls]).to.deep.equal([2, 2]);
  });

  it("delivers a cached response through the raw callback API, with an OK status event", async () => {
    const cache = new CachingInterceptor();
    await using client = await dummyClient({ clientInterceptors: [cache] });
    await client.execute({ input: "a" }, soon());
    const events: string[] = [];
    const response = await new Promise((resolve, reject) => {
      const call = client.raw.execute({ input: "a" }, (error, value) => (error ? reject(error) : resolve(value)));
      call.on("status", (status) => events.push(`status ${status.code}`));
    });
    expect(response).to.deep.equal({ output: "a" });
    expect(events).to.deep.equal(["status 0"]);
    expect(cache.misses).to.equal(1);
  });

  it("lets an async intercept resolve to the response stream of a server-streaming call", async () => {
    await using client = await dummyClient({ clientInterceptors: [new CachingInterceptor()] });
    expect((await collect(client.executeServerStream({ input: "ok" }, soon()))).length).to.equal(2);
  });
});
