// Regressions of issue #21: how a call ends. Each case fails on 0.2 (f13f79b).
import http2 from "node:http2";
import { expect } from "chai";
import {
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  status,
  type ChannelOptions,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServerWritableStream,
} from "@grpc/grpc-js";
import {
  bootstrap,
  contextOf,
  ExceptionToStatusInterceptor,
  MapErrors,
  type BootstrapOptions,
  type CallOutcome,
  type InterceptFunction,
  type ServerCallContext,
} from "grpc-interceptor";
import { DeadlineExceeded, Internal } from "grpc-interceptor/exceptions";
import {
  DummyServiceClient,
  DummyServiceService,
  type DummyRequest,
  type DummyResponse,
} from "grpc-interceptor/testing";
import { collect, collectUntilFailure, eventually, failure, sleep, soon } from "../support/calls.js";

// A response grpc-js's serializer for DummyResponse cannot read.
const unserializable = {
  get output(): string {
    throw new TypeError("this response cannot be serialized");
  },
};

interface Served {
  client: DummyServiceClient;
  port: number;
  outcomes: CallOutcome[];
  reported: unknown[];
  close(): Promise<void>;
}

/** Serves `servicer` on a real server (with `serverOptions`), every call's onComplete recorded. */
async function serve(
  servicer: object,
  options: BootstrapOptions = {},
  serverOptions: ChannelOptions = {},
  recordOutcomes = true,
): Promise<Served> {
  const outcomes: CallOutcome[] = [];
  const reported: unknown[] = [];
  const record: InterceptFunction = (method, request, context) => {
    context.onComplete((outcome) => outcomes.push(outcome));
    return method(request, context);
  };
  const server = new Server(serverOptions);
  server.addService(
    DummyServiceService,
    bootstrap(
      DummyServiceService,
      servicer as never,
      {
        allowUnimplemented: true,
        exceptionToStatus: new ExceptionToStatusInterceptor({ onUnknownException: (error) => reported.push(error) }),
        ...options,
        interceptors: [...(recordOutcomes ? [record] : []), ...(options.interceptors ?? [])],
      } as never,
    ),
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  const client = new DummyServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  return {
    client,
    port,
    outcomes,
    reported,
    close: () =>
      new Promise((resolve) => {
        client.close();
        server.forceShutdown();
        resolve();
      }),
  };
}

function unary(client: DummyServiceClient, input: string, deadline = soon()): Promise<DummyResponse> {
  return new Promise((resolve, reject) =>
    client.execute({ input }, new Metadata(), deadline, (error, response) =>
      error ? reject(error) : resolve(response!),
    ),
  );
}

function clientStream(client: DummyServiceClient, inputs: string[]): Promise<DummyResponse> {
  return new Promise((resolve, reject) => {
    const call = client.executeClientStream(new Metadata(), soon(), (error, response) =>
      error ? reject(error) : resolve(response!),
    );
    for (const input of inputs) call.write({ input });
    call.end();
  });
}

function serverStream(client: DummyServiceClient, input: string): AsyncIterable<DummyResponse> {
  return client.executeServerStream({ input }, soon());
}

function bidi(client: DummyServiceClient, inputs: string[]): AsyncIterable<DummyResponse> {
  const call = client.executeClientServerStream(soon());
  for (const input of inputs) call.write({ input });
  call.end();
  return call;
}

async function onlyOutcome(served: Served): Promise<CallOutcome> {
  await eventually(() => served.outcomes.length > 0, "onComplete ran");
  await sleep(20);
  expect(served.outcomes, "onComplete ran once").to.have.length(1);
  return served.outcomes[0]!;
}

describe("how a call ends (issue #21)", () => {
  describe("1. a streamed response grpc-js cannot serialize after a good one", () => {
    for (const kind of ["serverStream", "bidi"] as const) {
      it(`${kind}, async style: the client, onComplete and the reporter agree on INTERNAL; the generator stops`, async () => {
        let pulled = 0;
        let pulledWhenOver = -1;
        let finished = false;
        const watch: InterceptFunction = (method, request, context) => {
          context.onComplete(() => (pulledWhenOver = pulled));
          return method(request, context);
        };
        async function* responses() {
          try {
            for (let i = 0; i < 100; i++) {
              pulled++;
              yield i === 1 ? unserializable : { output: String(i) };
            }
          } finally {
            finished = true;
          }
        }
        const served = await serve(
          { executeServerStream: () => responses(), executeClientServerStream: () => responses() },
          { interceptors: [watch] },
        );
        try {
          const { items, error } = await collectUntilFailure(
            kind === "serverStream" ? serverStream(served.client, "x") : bidi(served.client, ["x"]),
          );
          expect(error.code).to.equal(status.INTERNAL);
          expect(items.length).to.be.at.most(1);
          const outcome = await onlyOutcome(served);
          expect(outcome.code).to.equal(status.INTERNAL);
          expect(String(outcome.error)).to.contain("could not serialize");
          expect(served.reported).to.have.length(1);
          await eventually(() => finished, "the generator was closed");
          // Pulled before the failure: what the writable buffered (16 objects) behind the first write.
          expect(pulled).to.be.below(100);
          expect(pulled - pulledWhenOver, "messages pulled into a call that was over").to.be.at.most(1);
        } finally {
          await served.close();
        }
      });

      it(`${kind}, grpc-js style: onComplete says INTERNAL, and the failure is reported`, async () => {
        const write = (call: ServerWritableStream<DummyRequest, DummyResponse>) => {
          call.write({ output: "good" });
          call.write(unserializable);
          call.write({ output: "after" });
          call.end();
        };
        const served = await serve(
          { executeServerStream: write, executeClientServerStream: write },
          { handlerStyle: "grpc-js" },
        );
        try {
          const { error } = await collectUntilFailure(
            kind === "serverStream" ? serverStream(served.client, "x") : bidi(served.client, ["x"]),
          );
          expect(error.code).to.equal(status.INTERNAL);
          expect((await onlyOutcome(served)).code).to.equal(status.INTERNAL);
          expect(served.reported).to.have.length(1);
        } finally {
          await served.close();
        }
      });
    }
  });

  describe("2. a response over grpc.max_send_message_length", () => {
    const big = "x".repeat(500);
    for (const kind of ["unary", "serverStream"] as const) {
      it(`${kind}: onComplete says RESOURCE_EXHAUSTED, as the client does`, async () => {
        const served = await serve(
          {
            execute: async () => ({ output: big }),
            executeServerStream: async function* () {
              yield { output: "small" };
              yield { output: big };
            },
          },
          {},
          { "grpc.max_send_message_length": 100 },
        );
        try {
          const error = await failure(
            kind === "unary" ? unary(served.client, "x") : collect(serverStream(served.client, "x")),
          );
          expect(error.code).to.equal(status.RESOURCE_EXHAUSTED);
          expect((await onlyOutcome(served)).code).to.equal(status.RESOURCE_EXHAUSTED);
        } finally {
          await served.close();
        }
      });
    }
  });

  describe("3. a request stream is read once", () => {
    it("a second iteration throws a TypeError at once instead of hanging", async () => {
      const served = await serve({
        executeClientStream: async (requests: AsyncIterable<DummyRequest>) => {
          let output = "";
          for await (const request of requests) output += request.input;
          try {
            for await (const request of requests) output += request.input;
          } catch (error) {
            return { output: `${output}|${(error as Error).name}: ${(error as Error).message}` };
          }
          return { output };
        },
      });
      try {
        const response = await clientStream(served.client, ["a", "b"]);
        expect(response.output).to.match(/^ab\|TypeError: .*request stream .*(once|already)/);
      } finally {
        await served.close();
      }
    });

    it("a second concurrent reader throws instead of splitting the messages", async () => {
      const served = await serve({
        executeClientStream: async (requests: AsyncIterable<DummyRequest>) => {
          const first = requests[Symbol.asyncIterator]();
          try {
            requests[Symbol.asyncIterator]();
          } catch (error) {
            let output = "";
            for (let step = await first.next(); !step.done; step = await first.next()) output += step.value.input;
            return { output: `${output}|${(error as Error).name}` };
          }
          return { output: "split" };
        },
      });
      try {
        expect((await clientStream(served.client, ["a", "b"])).output).to.equal("ab|TypeError");
      } finally {
        await served.close();
      }
    });
  });

  describe("4. long non-ASCII details", () => {
    it("are cut to fit the trailer budget as they travel (percent-encoded)", async () => {
      const served = await serve({
        execute: async () => {
          throw new Internal("ж".repeat(1350));
        },
      });
      try {
        const error = await failure(unary(served.client, "x"));
        expect(error.code).to.equal(status.INTERNAL);
        expect(error.details.startsWith("жжж")).to.equal(true);
        // The whole trailer block must stay under C-core's 8 KiB: grpc-message travels percent-encoded.
        expect(encodeURI(error.details).length).to.be.below(8192 - 217 - "grpc-message".length - 32);
      } finally {
        await served.close();
      }
    });
  });

  describe("5. grpc-js style: an error with a numeric code but no details", () => {
    const leaky = () => Object.assign(new Error("connect failed host=10.0.3.7"), { code: 13 });
    it("callback(err) is answered as an unknown error, its message not sent", async () => {
      const served = await serve(
        {
          execute: (_call: ServerUnaryCall<DummyRequest, DummyResponse>, callback: sendUnaryData<DummyResponse>) =>
            callback(leaky()),
        },
        { handlerStyle: "grpc-js" },
      );
      try {
        const error = await failure(unary(served.client, "x"));
        expect(error.code).to.equal(status.UNKNOWN);
        expect(error.details).not.to.contain("10.0.3.7");
        expect(served.reported).to.have.length(1);
      } finally {
        await served.close();
      }
    });

    it('emit("error", err) is answered as an unknown error; { code, details } keeps its status', async () => {
      const served = await serve(
        {
          executeServerStream: (call: ServerWritableStream<DummyRequest, DummyResponse>) =>
            call.emit("error", call.request.input === "leak" ? leaky() : { code: 5, details: "no such thing" }),
        },
        { handlerStyle: "grpc-js" },
      );
      try {
        const leaked = await failure(collect(serverStream(served.client, "leak")));
        expect(leaked.code).to.equal(status.UNKNOWN);
        expect(leaked.details).not.to.contain("10.0.3.7");
        const deliberate = await failure(collect(serverStream(served.client, "status")));
        expect([deliberate.code, deliberate.details]).to.deep.equal([status.NOT_FOUND, "no such thing"]);
      } finally {
        await served.close();
      }
    });
  });

  describe("8. durationMs", () => {
    it("of a method's first call is timed from the start of the call", async () => {
      const late: InterceptFunction = async (method, request, context) => {
        await sleep(60);
        context.onComplete((outcome) => served.outcomes.push(outcome));
        return method(request, context);
      };
      const served = await serve({ execute: async () => ({ output: "ok" }) }, { interceptors: [late] }, {}, false);
      try {
        await unary(served.client, "x");
        expect((await onlyOutcome(served)).durationMs).to.be.at.least(55);
      } finally {
        await served.close();
      }
    });
  });

  describe("9. a unary response that is not a message", () => {
    const values: Record<string, unknown> = {
      number: 42,
      string: "text",
      array: [],
      boolean: true,
      "async iterable": (async function* () {})(),
      undefined: undefined,
    };
    for (const [name, value] of Object.entries(values)) {
      it(`${name}: fails INTERNAL and is reported`, async () => {
        const served = await serve({ execute: async () => value });
        try {
          const error = await failure(unary(served.client, "x"));
          expect(error.code).to.equal(status.INTERNAL);
          expect(served.reported).to.have.length(1);
          expect(String(served.reported[0])).to.contain("/DummyService/Execute");
          const outcome = await onlyOutcome(served);
          expect(outcome.code).to.equal(status.INTERNAL);
        } finally {
          await served.close();
        }
      });
    }
  });

  describe("10. what onComplete and the definition keep", () => {
    it("onComplete's error is what was thrown, with handleException overridden", async () => {
      class Mapping extends ExceptionToStatusInterceptor {
        override handleException(error: unknown, request: unknown, context: ServerCallContext, methodName: string) {
          if (error instanceof RangeError) throw new Internal("mapped");
          return super.handleException(error, request, context, methodName);
        }
      }
      const thrown = new RangeError("raw");
      const served = await serve(
        {
          execute: async () => {
            throw thrown;
          },
        },
        { exceptionToStatus: new Mapping() },
      );
      try {
        expect((await failure(unary(served.client, "x"))).details).to.equal("mapped");
        const outcome = await onlyOutcome(served);
        expect(outcome.code).to.equal(status.INTERNAL);
        expect(outcome.error).to.equal(thrown);
      } finally {
        await served.close();
      }
    });

    it("a @MapErrors function rule runs once per failed call in grpc-js style", async () => {
      class Domain extends Error {}
      let runs = 0;
      @MapErrors([
        Domain,
        (error: Domain) => {
          runs++;
          return new Internal(`mapped ${error.message}`);
        },
      ])
      class Servicer {
        execute(_call: unknown, callback: sendUnaryData<DummyResponse>) {
          callback(Object.assign(new Domain("d"), { code: 5, details: "x" }));
        }
      }
      const served = await serve(new Servicer(), { handlerStyle: "grpc-js" });
      try {
        expect((await failure(unary(served.client, "x"))).details).to.equal("mapped d");
        expect(runs).to.equal(1);
      } finally {
        await served.close();
      }
    });

    it("bootstrap leaves the definition as it is, and a frozen one still has serialization failures noticed", async () => {
      const definition = Object.freeze(
        Object.fromEntries(
          Object.entries(DummyServiceService).map(([key, method]) => [
            key,
            Object.freeze({ ...method, responseSerialize: (value: DummyResponse) => method.responseSerialize(value) }),
          ]),
        ),
      ) as unknown as typeof DummyServiceService;
      const serialize = definition.execute.responseSerialize;
      const server = new Server();
      const outcomes: CallOutcome[] = [];
      server.addService(
        definition,
        bootstrap(definition, { execute: async () => unserializable } as never, {
          allowUnimplemented: true,
          exceptionToStatus: new ExceptionToStatusInterceptor({ onUnknownException: () => {} }),
          interceptors: [
            (method, request, context) => {
              context.onComplete((outcome) => outcomes.push(outcome));
              return method(request, context);
            },
          ],
        }),
      );
      const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
      );
      const client = new DummyServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
      try {
        expect(definition.execute.responseSerialize).to.equal(serialize);
        expect((await failure(unary(client, "x"))).code).to.equal(status.INTERNAL);
        await eventually(() => outcomes.length > 0, "onComplete ran");
        expect(outcomes[0]!.code).to.equal(status.INTERNAL);
      } finally {
        client.close();
        server.forceShutdown();
      }
    });

    it("bootstrap does not replace the caller's responseSerialize", () => {
      const original = DummyServiceService.execute.responseSerialize;
      const copy = {
        ...DummyServiceService,
        execute: { ...DummyServiceService.execute, responseSerialize: (value: DummyResponse) => original(value) },
      };
      const serialize = copy.execute.responseSerialize;
      bootstrap(copy, { execute: async () => ({ output: "" }) } as never, { allowUnimplemented: true } as never);
      expect(copy.execute.responseSerialize).to.equal(serialize);
    });

    it("contextOf is exported and finds a grpc-js-style handler's context", async () => {
      let found: ServerCallContext | undefined;
      const served = await serve(
        {
          execute: (call: ServerUnaryCall<DummyRequest, DummyResponse>, callback: sendUnaryData<DummyResponse>) => {
            found = contextOf(call);
            callback(null, { output: "ok" });
          },
        },
        { handlerStyle: "grpc-js" },
      );
      try {
        await unary(served.client, "x");
        expect(found?.methodName).to.equal("/DummyService/Execute");
      } finally {
        await served.close();
      }
    });
  });

  describe("11. nothing goes out after the server decided the deadline passed", () => {
    it("grpc-js style bidi: a recovery message yielded after DeadlineExceeded is not sent", async () => {
      const recover: InterceptFunction = (method, requests, context) =>
        method(
          (async function* () {
            try {
              yield* requests as AsyncIterable<DummyRequest>;
            } catch (error) {
              if (error instanceof DeadlineExceeded) yield { input: "recovered" };
              else throw error;
            }
          })(),
          context,
        );
      const served = await serve(
        {
          executeClientServerStream: (call: ServerDuplexStream<DummyRequest, DummyResponse>) =>
            call.on("data", (request: DummyRequest) => call.write({ output: request.input })),
        },
        { handlerStyle: "grpc-js", interceptors: [recover] },
      );
      try {
        for (let attempt = 0; attempt < 5; attempt++) {
          const call = served.client.executeClientServerStream({ deadline: Date.now() + 10 });
          const received: unknown[] = [];
          call.on("data", (response: DummyResponse) => received.push(response));
          const error = await new Promise<{ code: number }>((resolve) => call.on("error", resolve));
          expect(error.code).to.equal(status.DEADLINE_EXCEEDED);
          await sleep(30);
          expect(received).to.deep.equal([]);
        }
        // A call whose deadline passed before grpc-js handed it over never reaches the chain.
        await sleep(100);
        for (const outcome of served.outcomes) expect(outcome.code).to.equal(status.DEADLINE_EXCEEDED);
      } finally {
        await served.close();
      }
    });
  });
});

describe("7. a deadline passing on a loaded server (issue #21)", () => {
  // A server that read the headers late has its deadline that much after the client's: the client's
  // reset (sent when its deadline passed) arrives before the server's own deadline. A raw HTTP/2 client
  // sends the reset when it wants: `lateBy` ms before the server's deadline.
  async function resetBeforeDeadline(lateBy: number): Promise<CallOutcome> {
    let seen: CallOutcome | undefined;
    const served = await serve(
      {
        execute: (_request: DummyRequest, context: ServerCallContext) =>
          new Promise((resolve) => context.signal.addEventListener("abort", resolve)),
      },
      {
        interceptors: [
          (method, request, context) => {
            context.onComplete((outcome) => (seen = outcome));
            return method(request, context);
          },
        ],
      },
      {},
      false,
    );
    const session = http2.connect(`http://127.0.0.1:${served.port}`);
    try {
      const stream = session.request({
        ":method": "POST",
        ":path": "/DummyService/Execute",
        "content-type": "application/grpc",
        te: "trailers",
        "grpc-timeout": "400m",
      });
      const message = DummyServiceService.execute.requestSerialize({ input: "x" });
      const frame = Buffer.alloc(5 + message.length);
      frame.writeUInt32BE(message.length, 1);
      message.copy(frame, 5);
      stream.end(frame);
      stream.on("error", () => {});
      await sleep(400 - lateBy);
      stream.close(http2.constants.NGHTTP2_CANCEL);
      await eventually(() => seen !== undefined, "the call completed");
      return seen!;
    } finally {
      session.destroy();
      await served.close();
    }
  }

  it("a reset 40 ms before the server's deadline (of 400 ms) is the deadline passing", async () => {
    expect((await resetBeforeDeadline(40)).code).to.equal(status.DEADLINE_EXCEEDED);
  });

  it("a reset half-way through the deadline is a cancel", async () => {
    expect((await resetBeforeDeadline(200)).code).to.equal(status.CANCELLED);
  });
});
