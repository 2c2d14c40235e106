import { expect } from "chai";
import type { ServerCallContext, ServerMethod } from "grpc-interceptor";
import { dummyClient, type DummyRequest, type DummyResponse } from "grpc-interceptor/testing";
import { collect, soon } from "../support/calls.js";
import { handlerStyles } from "../support/styles.js";

/** Records what an interceptor sees: the request (or every streamed request) and every response. */
function recorder() {
  const seen: { method: string; requests: unknown[]; responses: unknown[] }[] = [];
  const intercept = (method: ServerMethod, request: any, context: ServerCallContext, methodName: string): any => {
    const record = { method: methodName, requests: [] as unknown[], responses: [] as unknown[] };
    seen.push(record);
    const streamed = typeof request?.[Symbol.asyncIterator] === "function";
    const passed = streamed
      ? (async function* () {
          for await (const item of request as AsyncIterable<unknown>) {
            record.requests.push(item);
            yield item;
          }
        })()
      : (record.requests.push(request), request);
    const result = method(passed, context);
    if (typeof result?.then === "function") {
      return (result as Promise<unknown>).then((response) => (record.responses.push(response), response));
    }
    return (async function* () {
      for await (const response of result as AsyncIterable<unknown>) {
        record.responses.push(response);
        yield response;
      }
    })();
  };
  return { seen, intercept };
}

async function everyKind(handlerStyle: (typeof handlerStyles)[number], interceptors: any[]) {
  await using client = await dummyClient({ handlerStyle, interceptors });
  return [
    await client.execute({ input: "one" }, soon()),
    await client.executeClientStream([{ input: "a" }, { input: "b" }], soon()),
    await collect(client.executeServerStream({ input: "xyz" }, soon())),
    await collect(client.executeClientServerStream([{ input: "p" }, { input: "q" }], soon())),
  ];
}

describe("grpc-js style: interceptors", () => {
  it("see the same requests and responses as with async-style handlers, for all four kinds", async () => {
    const records: Record<string, ReturnType<typeof recorder>["seen"]> = {};
    const results: Record<string, unknown> = {};
    for (const style of handlerStyles) {
      const { seen, intercept } = recorder();
      results[style] = await everyKind(style, [intercept]);
      records[style] = seen;
    }
    expect(records["grpc-js"]).to.deep.equal(records["async"]);
    expect(results["grpc-js"]).to.deep.equal(results["async"]);
    expect(records["grpc-js"]!.map((record) => record.method)).to.deep.equal([
      "/DummyService/Execute",
      "/DummyService/ExecuteClientStream",
      "/DummyService/ExecuteServerStream",
      "/DummyService/ExecuteClientServerStream",
    ]);
    expect(records["grpc-js"]![2]!.responses).to.have.length(3);
  });

  it("can change the request the handler gets, unary and streamed", async () => {
    const upper = (method: ServerMethod, request: any, context: ServerCallContext) => {
      if (typeof request?.[Symbol.asyncIterator] !== "function") {
        return method({ input: request.input.toUpperCase() }, context);
      }
      return method(
        (async function* () {
          for await (const item of request as AsyncIterable<DummyRequest>) yield { input: item.input.toUpperCase() };
        })(),
        context,
      );
    };
    await using client = await dummyClient({ handlerStyle: "grpc-js", interceptors: [upper] });
    expect(await client.execute({ input: "abc" }, soon())).to.deep.equal({ output: "ABC" });
    expect(await client.executeClientStream([{ input: "a" }, { input: "b" }], soon())).to.deep.equal({
      output: "AB",
    });
    expect(await collect(client.executeServerStream({ input: "hi" }, soon()))).to.deep.equal([
      { output: "H" },
      { output: "I" },
    ]);
    expect(await collect(client.executeClientServerStream([{ input: "x" }, { input: "y" }], soon()))).to.deep.equal([
      { output: "X" },
      { output: "Y" },
    ]);
  });

  it("can change or replace the responses", async () => {
    const decorate = (method: ServerMethod, request: any, context: ServerCallContext, methodName: string): any => {
      if (methodName.endsWith("/Execute") || methodName.endsWith("/ExecuteClientStream")) {
        return (method(request, context) as Promise<DummyResponse>).then((response) => ({
          output: `<${response.output}>`,
        }));
      }
      return (async function* () {
        for await (const response of method(request, context) as AsyncIterable<DummyResponse>) {
          yield { output: `[${response.output}]` };
        }
        yield { output: "extra" };
      })();
    };
    await using client = await dummyClient({ handlerStyle: "grpc-js", interceptors: [decorate] });
    expect(await client.execute({ input: "a" }, soon())).to.deep.equal({ output: "<a>" });
    expect(await client.executeClientStream([{ input: "a" }, { input: "b" }], soon())).to.deep.equal({
      output: "<ab>",
    });
    expect((await collect(client.executeServerStream({ input: "ab" }, soon()))).map((r) => r.output)).to.deep.equal([
      "[a]",
      "[b]",
      "extra",
    ]);
    expect(
      (await collect(client.executeClientServerStream([{ input: "q" }], soon()))).map((r) => r.output),
    ).to.deep.equal(["[q]", "extra"]);
  });

  it("can short-circuit: the grpc-js handler never runs", async () => {
    let handlerRuns = 0;
    const counting = () => {
      handlerRuns++;
      return "handled";
    };
    const cache = (method: ServerMethod, request: any, context: ServerCallContext, methodName: string): any => {
      if (methodName.endsWith("/Execute")) return { output: "cached" };
      if (methodName.endsWith("/ExecuteServerStream")) return [{ output: "c1" }, { output: "c2" }];
      return method(request, context);
    };
    await using client = await dummyClient({
      handlerStyle: "grpc-js",
      interceptors: [cache],
      specialCases: { count: counting },
    });
    expect(await client.execute({ input: "count" }, soon())).to.deep.equal({ output: "cached" });
    expect(await collect(client.executeServerStream({ input: "count" }, soon()))).to.deep.equal([
      { output: "c1" },
      { output: "c2" },
    ]);
    expect(handlerRuns).to.equal(0);
    expect(await client.executeClientStream([{ input: "count" }], soon())).to.deep.equal({ output: "handled" });
    expect(handlerRuns).to.equal(1);
  });

  it("take only part of a stream: the handler sees the call cancelled and stops", async () => {
    let cancelledSeen = false;
    let written = 0;
    const firstTwo = async function* (method: ServerMethod, request: any, context: ServerCallContext) {
      let count = 0;
      for await (const response of method(request, context) as AsyncIterable<unknown>) {
        yield response;
        if (++count === 2) return;
      }
    };
    const servicer = {
      executeServerStream(call: any) {
        call.on("cancelled", () => (cancelledSeen = true));
        const timer = setInterval(() => {
          if (call.cancelled) clearInterval(timer);
          else {
            call.write({ output: String(written++) });
          }
        }, 1);
      },
    };
    await using client = await dummyClient({ handlerStyle: "grpc-js", servicer, interceptors: [firstTwo] });
    expect(await collect(client.executeServerStream({ input: "" }, soon()))).to.deep.equal([
      { output: "0" },
      { output: "1" },
    ]);
    expect(cancelledSeen).to.equal(true);
  });
});
