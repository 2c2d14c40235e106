import { expect } from "chai";
import { status } from "@grpc/grpc-js";
import type { ClientCallDetails, ClientMethod } from "grpc-interceptor";
import { ClientInterceptor } from "grpc-interceptor";
import { DataLoss } from "grpc-interceptor/exceptions";
import { dummyClient, raises } from "grpc-interceptor/testing";
import { collect, collectUntilFailure, failure, sleep, soon } from "../support/calls.js";
import { CountingInterceptor } from "./support/interceptors.js";

type Request = { input: string };
type Response = { output: string };

/** Upper-cases every request message on its way out. */
class ShoutRequests extends ClientInterceptor {
  intercept(method: ClientMethod, requests: AsyncIterable<Request> | Request, details: ClientCallDetails) {
    if (!(Symbol.asyncIterator in requests)) return method({ input: requests.input.toUpperCase() }, details);
    return method(
      (async function* () {
        for await (const request of requests) yield { input: request.input.toUpperCase() };
      })(),
      details,
    );
  }
}

/** Appends "!" to every response message on its way in, as an `async *intercept`. */
class MarkResponses extends ClientInterceptor {
  async *intercept(method: ClientMethod, request: unknown, details: ClientCallDetails) {
    for await (const response of method(request, details) as AsyncIterable<Response>) {
      yield { output: response.output + "!" };
    }
  }
}

describe("client interceptors: streamed messages", () => {
  it("changes each message of a client stream", async () => {
    await using client = await dummyClient({ clientInterceptors: [new ShoutRequests()] });
    const response = await client.executeClientStream([{ input: "a" }, { input: "b" }, { input: "c" }], soon());
    expect(response.output).to.equal("ABC");
  });

  it("changes each message of a bidi stream in both directions, written while responses are read", async () => {
    await using client = await dummyClient({ clientInterceptors: [new MarkResponses(), new ShoutRequests()] });
    async function* requests() {
      for (const input of ["x", "y", "z"]) {
        await sleep(5);
        yield { input };
      }
    }
    const outputs = (await collect(client.executeClientServerStream(requests(), soon()))).map((r) => r.output);
    expect(outputs).to.deep.equal(["X!", "Y!", "Z!"]);
  });

  it("changes each message of a server stream", async () => {
    await using client = await dummyClient({ clientInterceptors: [new MarkResponses()] });
    const outputs = (await collect(client.executeServerStream({ input: "hey" }, soon()))).map((r) => r.output);
    expect(outputs).to.deep.equal(["h!", "e!", "y!"]);
  });

  it("streams responses one at a time, before the call has finished", async () => {
    await using client = await dummyClient({ clientInterceptors: [new MarkResponses()] });
    const requests = (async function* () {
      yield { input: "first" };
      await sleep(300);
      yield { input: "second" };
    })();
    const started = Date.now();
    for await (const response of client.executeClientServerStream(requests, soon())) {
      expect(response.output).to.equal("first!");
      expect(Date.now() - started).to.be.below(250);
      break;
    }
  });

  it("answers a streaming call from the interceptor alone, with an array", async () => {
    const counter = new CountingInterceptor();
    await using client = await dummyClient({
      clientInterceptors: [() => [{ output: "canned" }, { output: "answer" }], counter],
    });
    const outputs = (await collect(client.executeServerStream({ input: "x" }, soon()))).map((r) => r.output);
    expect(outputs).to.deep.equal(["canned", "answer"]);
    expect(counter.calls).to.equal(0);
  });

  it("ends the call OK when the interceptor stops reading early, and cancels the attempt", async () => {
    let serverCancelled = false;
    class FirstTwo extends ClientInterceptor {
      async *intercept(method: ClientMethod, request: unknown, details: ClientCallDetails) {
        let count = 0;
        for await (const response of method(request, details) as AsyncIterable<Response>) {
          yield response;
          if (++count === 2) return;
        }
      }
    }
    await using client = await dummyClient({
      clientInterceptors: [new FirstTwo()],
      specialCases: {
        slow: async (_input, context) => {
          context.signal.addEventListener("abort", () => (serverCancelled = true));
          await sleep(100);
          return "s";
        },
      },
    });
    async function* requests() {
      for (const input of ["a", "b", "slow", "c"]) yield { input };
    }
    const outputs = (await collect(client.executeClientServerStream(requests(), soon()))).map((r) => r.output);
    expect(outputs).to.deep.equal(["a", "b"]);
    await sleep(50);
    expect(serverCancelled).to.equal(true);
  });

  it("passes on the messages received before a stream fails, then the error", async () => {
    await using client = await dummyClient({
      clientInterceptors: [new MarkResponses()],
      specialCases: { boom: raises(new DataLoss("boom")) },
    });
    async function* requests() {
      for (const input of ["a", "boom"]) yield { input };
    }
    const { items, error } = await collectUntilFailure(client.executeClientServerStream(requests(), soon()));
    expect(items.map((r) => r.output)).to.deep.equal(["a!"]);
    expect([error.code, error.details]).to.deep.equal([status.DATA_LOSS, "boom"]);
  });

  it("fails a streaming call whose interceptor returns something that is not iterable", async () => {
    await using client = await dummyClient({ clientInterceptors: [() => 42] });
    const error = await failure(collect(client.executeServerStream({ input: "x" }, soon())));
    expect(error.code).to.equal(status.INTERNAL);
    expect(error.details).to.match(/AsyncIterable or an Iterable/);
  });

  it("fails the attempt with the error of a request stream the interceptor passes", async () => {
    const oops = new RangeError("bad source");
    await using client = await dummyClient({
      clientInterceptors: [
        (method: ClientMethod, _requests: unknown, details: ClientCallDetails) =>
          method(
            (async function* () {
              yield { input: "a" };
              throw oops;
            })(),
            details,
          ),
      ],
    });
    const error = await failure(client.executeClientStream([{ input: "a" }], soon()));
    expect(error.code).to.equal(status.INTERNAL);
    expect(error.cause).to.equal(oops);
  });
});
