import { expect } from "chai";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { bootstrap } from "grpc-interceptor";
import { dummyClient, DummyServiceService, GrpcJsDummyService } from "grpc-interceptor/testing";
import { collect, failure, sleep, soon } from "../support/calls.js";

/** Runs one raw unary call, resolving with its response, headers and trailers. */
function unaryWithMetadata(client: any, input: string, metadata = new Metadata()) {
  return new Promise<{ response: any; headers: Metadata; trailers: Metadata }>((resolve, reject) => {
    let headers = new Metadata();
    let trailers = new Metadata();
    const call = client.raw.execute({ input }, metadata, soon(), (error: ServiceError | null, response: any) => {
      if (error) reject(error);
      else setImmediate(() => resolve({ response, headers, trailers }));
    });
    call.on("metadata", (received: Metadata) => (headers = received));
    call.on("status", (received: { metadata: Metadata }) => (trailers = received.metadata));
  });
}

describe("grpc-js style: the call object", () => {
  it("has the request, metadata, peer, deadline and path of the call", async () => {
    let seen: any;
    const servicer = {
      execute(call: any, callback: any) {
        seen = {
          request: call.request,
          key: call.metadata.get("x-key"),
          peer: call.getPeer(),
          deadline: call.getDeadline(),
          path: call.getPath(),
          cancelled: call.cancelled,
        };
        callback(null, { output: "ok" });
      },
    };
    await using client = await dummyClient({ handlerStyle: "grpc-js", servicer });
    const metadata = new Metadata();
    metadata.set("x-key", "value");
    const deadline = Date.now() + 5000;
    await client.execute({ input: "in" }, { metadata, deadline });
    expect(seen.request).to.deep.equal({ input: "in" });
    expect(seen.key).to.deep.equal(["value"]);
    expect(seen.peer).to.match(/^127\.0\.0\.1:\d+$/);
    expect(Number(seen.deadline)).to.be.within(deadline - 1000, deadline + 1000);
    expect(seen.path).to.equal("/DummyService/Execute");
    expect(seen.cancelled).to.equal(false);
  });

  it("sendMetadata() headers and callback trailers reach the client", async () => {
    const servicer = {
      execute(call: any, callback: any) {
        const headers = new Metadata();
        headers.set("x-header", "h");
        call.sendMetadata(headers);
        call.sendMetadata(new Metadata()); // ignored, as in grpc-js
        const trailer = new Metadata();
        trailer.set("x-trailer", "t");
        callback(null, { output: "ok" }, trailer);
      },
    };
    await using client = await dummyClient({ handlerStyle: "grpc-js", servicer });
    const { response, headers, trailers } = await unaryWithMetadata(client, "x");
    expect(response).to.deep.equal({ output: "ok" });
    expect(headers.get("x-header")).to.deep.equal(["h"]);
    expect(trailers.get("x-trailer")).to.deep.equal(["t"]);
  });

  it("end(trailer) sends the trailers of a stream", async () => {
    const servicer = {
      executeServerStream(call: any) {
        call.write({ output: "1" });
        const trailer = new Metadata();
        trailer.set("x-trailer", "end");
        call.end(trailer);
      },
    };
    await using client = await dummyClient({ handlerStyle: "grpc-js", servicer });
    const call = client.raw.executeServerStream({ input: "" }, new Metadata(), soon());
    const trailers = new Promise<Metadata>((resolve) => call.on("status", (s: any) => resolve(s.metadata)));
    expect(await collect(call as AsyncIterable<unknown>)).to.deep.equal([{ output: "1" }]);
    expect((await trailers).get("x-trailer")).to.deep.equal(["end"]);
  });

  it("write() returns false and 'drain' follows under backpressure; every message arrives in order", async () => {
    const total = 3000;
    let refusals = 0;
    let drains = 0;
    const servicer = {
      executeServerStream(call: any) {
        let next = 0;
        call.on("drain", () => {
          drains++;
          pump();
        });
        function pump() {
          while (next < total) {
            if (!call.write({ output: `m${next++}`.padEnd(200, ".") })) {
              refusals++;
              return;
            }
          }
          call.end();
        }
        pump();
      },
    };
    await using client = await dummyClient({ handlerStyle: "grpc-js", servicer });
    const received = await collect(client.executeServerStream({ input: "" }, soon(10000)));
    expect(received).to.have.length(total);
    expect(received.every((r, i) => r.output.startsWith(`m${i}.`))).to.equal(true);
    expect(refusals).to.be.greaterThan(0);
    expect(drains).to.equal(refusals);
  });

  it("a request stream gives 'data' and 'end' events", async () => {
    const servicer = {
      executeClientStream(call: any, callback: any) {
        const inputs: string[] = [];
        call.on("data", (request: any) => inputs.push(request.input));
        call.on("end", () => callback(null, { output: inputs.join("+") }));
      },
    };
    await using client = await dummyClient({ handlerStyle: "grpc-js", servicer });
    const requests = Array.from({ length: 50 }, (_, i) => ({ input: String(i) }));
    expect(await client.executeClientStream(requests, soon())).to.deep.equal({
      output: requests.map((r) => r.input).join("+"),
    });
  });

  it("a request stream can be iterated with for await, and the responses still go out after the loop", async () => {
    const servicer = {
      async executeClientServerStream(call: any) {
        let count = 0;
        for await (const request of call) {
          call.write({ output: request.input });
          count++;
        }
        call.write({ output: `count=${count}` });
        call.end();
      },
      async executeClientStream(call: any, callback: any) {
        for await (const request of call) {
          if (request.input === "stop") break; // destroys the readable side; the callback still answers
        }
        callback(null, { output: "stopped" });
      },
    };
    await using client = await dummyClient({ handlerStyle: "grpc-js", servicer });
    expect(
      (await collect(client.executeClientServerStream([{ input: "a" }, { input: "b" }], soon()))).map((r) => r.output),
    ).to.deep.equal(["a", "b", "count=2"]);
    expect(await client.executeClientStream([{ input: "a" }, { input: "stop" }, { input: "c" }], soon())).to.deep.equal(
      { output: "stopped" },
    );
  });

  it("'cancelled' fires when the client cancels, and not at the normal end of a call", async () => {
    const events: string[] = [];
    let cancelledFlag: boolean | undefined;
    const servicer = {
      execute(call: any, callback: any) {
        call.on("cancelled", () => {
          events.push(`cancelled:${call.request.input}`);
          cancelledFlag = call.cancelled;
        });
        if (call.request.input === "fast") callback(null, { output: "fast" });
        else setTimeout(() => callback(null, { output: "late" }), 5000).unref();
      },
      executeServerStream(call: any) {
        call.on("cancelled", () => events.push("cancelled:stream"));
        call.write({ output: "1" });
        setTimeout(() => call.end(), 20);
      },
    };
    await using client = await dummyClient({ handlerStyle: "grpc-js", servicer });
    await client.execute({ input: "fast" }, soon());
    await collect(client.executeServerStream({ input: "" }, soon()));
    await sleep(50);
    expect(events).to.deep.equal([]);

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await failure(client.execute({ input: "slow" }, { ...soon(), signal: controller.signal }));
    expect(error.code).to.equal(status.CANCELLED);
    await sleep(50);
    expect(events).to.deep.equal(["cancelled:slow"]);
    expect(cancelledFlag).to.equal(true);
  });

  it("GrpcJsDummyService also serves plain grpc-js, with a context built over the raw call", async () => {
    const { Server, ServerCredentials, credentials } = await import("@grpc/grpc-js");
    const { DummyServiceClient } = await import("grpc-interceptor/testing");
    const server = new Server();
    server.addService(
      DummyServiceService,
      new GrpcJsDummyService({ who: (_input, context) => context.methodName }) as any,
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    const raw = new DummyServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      const response = await new Promise((resolve, reject) =>
        raw.execute({ input: "who" }, new Metadata(), soon(), (e, r) => (e ? reject(e) : resolve(r))),
      );
      expect(response).to.deep.equal({ output: "/DummyService/Execute" });
    } finally {
      raw.close();
      server.forceShutdown();
    }
  });

  it("bootstrap rejects an unknown handlerStyle", () => {
    expect(() =>
      bootstrap(DummyServiceService, new GrpcJsDummyService(), { handlerStyle: "callback" as any }),
    ).to.throw(TypeError, /handlerStyle "callback" is not supported/);
  });
});
