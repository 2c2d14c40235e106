import { expect } from "chai";
import { credentials, Metadata, status } from "@grpc/grpc-js";
import { ServerInterceptor, type ServerCallContext, type ServerMethod } from "grpc-interceptor";
import { NotFound } from "grpc-interceptor/exceptions";
import { dummyClient, raises, type DummyRequest, type DummyResponse } from "grpc-interceptor/testing";
import { collect, failure, recordingExceptionToStatus, soon } from "../support/calls.js";
import { handlerStyles } from "../support/styles.js";

/** Counts calls and errors per method, for every kind of RPC (as the Python package's CountingInterceptor). */
class CountingInterceptor extends ServerInterceptor {
  calls = new Map<string, number>();
  errors = new Map<string, number>();
  intercept(method: ServerMethod, request: unknown, context: ServerCallContext, methodName: string): unknown {
    this.calls.set(methodName, (this.calls.get(methodName) ?? 0) + 1);
    const countError = (error: unknown) => {
      this.errors.set(methodName, (this.errors.get(methodName) ?? 0) + 1);
      throw error;
    };
    const result = method(request, context);
    if (Symbol.asyncIterator in result) {
      const errors = this.errors;
      return (async function* () {
        try {
          yield* result as AsyncIterable<unknown>;
        } catch (error) {
          errors.set(methodName, (errors.get(methodName) ?? 0) + 1);
          throw error;
        }
      })();
    }
    return (result as Promise<unknown>).catch(countError);
  }
}

/** Records its name in a shared trace on the way in and on the way out. */
function tracing(name: string, trace: string[]) {
  return async (method: ServerMethod, request: unknown, context: ServerCallContext) => {
    trace.push(`${name}>`);
    const response = await method(request, context);
    trace.push(`<${name}`);
    return response;
  };
}

for (const handlerStyle of handlerStyles) {
  describe(`server interceptors (${handlerStyle} style)`, () => {
    it("counts calls and errors per method", async () => {
      const counter = new CountingInterceptor();
      const esi = recordingExceptionToStatus();
      await using client = await dummyClient({
        handlerStyle,
        interceptors: [counter],
        exceptionToStatus: esi,
        specialCases: { error: raises(new Error("boom")) },
      });
      await client.execute({ input: "a" }, soon());
      await client.execute({ input: "b" }, soon());
      await failure(client.execute({ input: "error" }, soon()));
      await client.executeClientStream([{ input: "x" }], soon());
      await failure(collect(client.executeServerStream({ input: "error" }, soon())));
      expect(Object.fromEntries(counter.calls)).to.deep.equal({
        "/DummyService/Execute": 3,
        "/DummyService/ExecuteClientStream": 1,
        "/DummyService/ExecuteServerStream": 1,
      });
      expect(Object.fromEntries(counter.errors)).to.deep.equal({
        "/DummyService/Execute": 1,
        "/DummyService/ExecuteServerStream": 1,
      });
      expect(esi.reported).to.have.length(2);
    });

    it("runs the first interceptor outermost", async () => {
      const trace: string[] = [];
      await using client = await dummyClient({
        handlerStyle,
        interceptors: [tracing("one", trace), tracing("two", trace), tracing("three", trace)],
      });
      await client.execute({ input: "x" }, soon());
      expect(trace).to.deep.equal(["one>", "two>", "three>", "<three", "<two", "<one"]);
    });

    it("accepts an instance, a class (built once per bootstrap) and a function", async () => {
      const built: object[] = [];
      const seen: string[] = [];
      class ClassForm extends ServerInterceptor {
        constructor() {
          super();
          built.push(this);
        }
        intercept(method: ServerMethod, request: DummyRequest, context: ServerCallContext) {
          seen.push("class");
          return method(request, context);
        }
      }
      class InstanceForm extends ServerInterceptor {
        intercept(method: ServerMethod, request: DummyRequest, context: ServerCallContext) {
          seen.push("instance");
          return method(request, context);
        }
      }
      const functionForm = (method: ServerMethod, request: DummyRequest, context: ServerCallContext) => {
        seen.push("function");
        return method(request, context);
      };
      await using client = await dummyClient({
        handlerStyle,
        interceptors: [new InstanceForm(), ClassForm, functionForm],
      });
      await client.execute({ input: "x" }, soon());
      await collect(client.executeServerStream({ input: "ab" }, soon()));
      expect(seen).to.deep.equal(["instance", "class", "function", "instance", "class", "function"]);
      expect(built).to.have.length(1);
    });

    it("lets an interceptor modify the request", async () => {
      const upper = (method: ServerMethod, request: DummyRequest, context: ServerCallContext) =>
        method({ input: request.input.toUpperCase() }, context);
      await using client = await dummyClient({ handlerStyle, interceptors: [upper] });
      expect(await client.execute({ input: "hello" }, soon())).to.deep.equal({ output: "HELLO" });
    });

    it("lets an interceptor modify the response", async () => {
      const exclaim = async (method: ServerMethod, request: DummyRequest, context: ServerCallContext) => {
        const response = (await method(request, context)) as DummyResponse;
        return { output: `${response.output}!` };
      };
      await using client = await dummyClient({ handlerStyle, interceptors: [exclaim] });
      expect(await client.execute({ input: "hello" }, soon())).to.deep.equal({ output: "hello!" });
    });

    it("lets an interceptor abort without calling the method", async () => {
      let handled = 0;
      const deny = (_method: ServerMethod, _request: unknown, context: ServerCallContext) =>
        context.abort(status.PERMISSION_DENIED, "go away");
      await using client = await dummyClient({
        handlerStyle,
        interceptors: [deny],
        specialCases: {
          x: () => {
            handled++;
            return "x";
          },
        },
      });
      const error = await failure(client.execute({ input: "x" }, soon()));
      expect([error.code, error.details]).to.deep.equal([status.PERMISSION_DENIED, "go away"]);
      expect(handled).to.equal(0);
    });

    it("lets an interceptor short-circuit with its own response", async () => {
      const cached = () => ({ output: "from cache" });
      await using client = await dummyClient({ handlerStyle, interceptors: [cached] });
      expect(await client.execute({ input: "x" }, soon())).to.deep.equal({ output: "from cache" });
    });

    it("answers UNIMPLEMENTED for a method the server does not register, without running an interceptor", async () => {
      const counter = new CountingInterceptor();
      await using client = await dummyClient({ handlerStyle, interceptors: [counter] });
      const error = await failure(
        new Promise((resolve, reject) =>
          client.raw.makeUnaryRequest(
            "/DummyService/NotThere",
            (value: DummyRequest) => Buffer.from(value.input),
            (bytes: Buffer) => bytes,
            { input: "x" },
            new Metadata(),
            soon(),
            (err, value) => (err ? reject(err) : resolve(value)),
          ),
        ),
      );
      expect(error.code).to.equal(status.UNIMPLEMENTED);
      expect(counter.calls.size).to.equal(0);
    });

    it("sees unary, client-streaming, server-streaming and bidi calls with one intercept", async () => {
      const kinds: string[] = [];
      const observe = (method: ServerMethod, request: unknown, context: ServerCallContext, methodName: string) => {
        const streamingRequest = typeof request === "object" && request !== null && Symbol.asyncIterator in request;
        const result = method(request, context);
        kinds.push(
          `${methodName.split("/")[2]}:${streamingRequest ? "stream" : "message"}:${Symbol.asyncIterator in result ? "stream" : "promise"}`,
        );
        return result;
      };
      await using client = await dummyClient({ handlerStyle, interceptors: [observe] });
      expect(await client.execute({ input: "u" }, soon())).to.deep.equal({ output: "u" });
      expect(await client.executeClientStream([{ input: "a" }, { input: "b" }], soon())).to.deep.equal({
        output: "ab",
      });
      expect(await collect(client.executeServerStream({ input: "abc" }, soon()))).to.deep.equal([
        { output: "a" },
        { output: "b" },
        { output: "c" },
      ]);
      expect(await collect(client.executeClientServerStream([{ input: "1" }, { input: "2" }], soon()))).to.deep.equal([
        { output: "1" },
        { output: "2" },
      ]);
      expect(kinds).to.deep.equal([
        "Execute:message:promise",
        "ExecuteClientStream:stream:promise",
        "ExecuteServerStream:message:stream",
        "ExecuteClientServerStream:stream:stream",
      ]);
    });

    it("runs an async * interceptor that logs and changes each streamed response", async () => {
      const log: string[] = [];
      class StreamLogger extends ServerInterceptor {
        async *intercept(method: ServerMethod, request: unknown, context: ServerCallContext) {
          for await (const response of method(request, context) as AsyncIterable<DummyResponse>) {
            log.push(response.output);
            yield { output: response.output.toUpperCase() };
          }
        }
      }
      await using client = await dummyClient({ handlerStyle, interceptors: [StreamLogger] });
      expect(await collect(client.executeServerStream({ input: "abc" }, soon()))).to.deep.equal([
        { output: "A" },
        { output: "B" },
        { output: "C" },
      ]);
      expect(await collect(client.executeClientServerStream([{ input: "x" }, { input: "y" }], soon()))).to.deep.equal([
        { output: "X" },
        { output: "Y" },
      ]);
      expect(log).to.deep.equal(["a", "b", "c", "x", "y"]);
    });

    it("lets an interceptor log and change each message of a client stream", async () => {
      const log: string[] = [];
      const wrap = (method: ServerMethod, requests: AsyncIterable<DummyRequest>, context: ServerCallContext) =>
        method(
          (async function* () {
            for await (const request of requests) {
              log.push(request.input);
              yield { input: `[${request.input}]` };
            }
          })(),
          context,
        );
      await using client = await dummyClient({ handlerStyle, interceptors: [wrap] });
      expect(await client.executeClientStream([{ input: "a" }, { input: "b" }], soon())).to.deep.equal({
        output: "[a][b]",
      });
      expect(await collect(client.executeClientServerStream([{ input: "c" }], soon()))).to.deep.equal([
        { output: "[c]" },
      ]);
      expect(log).to.deep.equal(["a", "b", "c"]);
    });

    it("runs nothing of a response stream until it is iterated", async () => {
      const order: string[] = [];
      const lazy = async (method: ServerMethod, request: unknown, context: ServerCallContext) => {
        const responses = method(request, context) as AsyncIterable<unknown>;
        order.push("method returned");
        await Promise.resolve();
        order.push("iterating");
        return responses;
      };
      await using client = await dummyClient({
        handlerStyle,
        interceptors: [lazy],
        specialCases: {
          x: () => {
            order.push("handler ran");
            return "x";
          },
        },
      });
      expect(await collect(client.executeServerStream({ input: "x" }, soon()))).to.deep.equal([{ output: "x" }]);
      expect(order).to.deep.equal(["method returned", "iterating", "handler ran"]);
    });

    it("accepts an Iterable (an array) from a streaming interceptor", async () => {
      const fixed = () => [{ output: "one" }, { output: "two" }];
      await using client = await dummyClient({ handlerStyle, interceptors: [fixed] });
      expect(await collect(client.executeServerStream({ input: "x" }, soon()))).to.deep.equal([
        { output: "one" },
        { output: "two" },
      ]);
    });

    it("works with a servicer of a @grpc/proto-loader definition", async () => {
      const { loadSync } = await import("@grpc/proto-loader");
      const { loadPackageDefinition, Server, ServerCredentials } = await import("@grpc/grpc-js");
      const { bootstrap } = await import("grpc-interceptor");
      const { DummyService } = await import("grpc-interceptor/testing");
      const loaded = loadPackageDefinition(loadSync("protos/dummy.proto")) as unknown as Record<
        string,
        { service: import("@grpc/grpc-js").ServiceDefinition } & (new (
          address: string,
          creds: unknown,
        ) => Record<string, CallableFunction> & { close(): void })
      >;
      const DummyServiceCtor = loaded.DummyService!;
      const seen: string[] = [];
      const server = new Server();
      server.addService(
        DummyServiceCtor.service,
        bootstrap(DummyServiceCtor.service, new DummyService(), {
          interceptors: [(method, request, context, name) => (seen.push(name), method(request, context))],
        }),
      );
      const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
      );
      const client = new DummyServiceCtor(`127.0.0.1:${port}`, credentials.createInsecure());
      try {
        const response = await new Promise((resolve, reject) =>
          client.Execute!({ input: "via proto-loader" }, soon(), (e: Error | null, r: unknown) =>
            e ? reject(e) : resolve(r),
          ),
        );
        expect(response).to.deep.equal({ output: "via proto-loader" });
        expect(seen).to.deep.equal(["/DummyService/Execute"]);
      } finally {
        client.close();
        server.forceShutdown();
      }
    });

    it("fails the call when an interceptor throws, with NotFound kept", async () => {
      const thrower = () => {
        throw new NotFound("no such thing");
      };
      await using client = await dummyClient({ handlerStyle, interceptors: [thrower] });
      const unary = await failure(client.execute({ input: "x" }, soon()));
      const stream = await failure(collect(client.executeServerStream({ input: "x" }, soon())));
      const bidi = await failure(collect(client.executeClientServerStream([{ input: "x" }], soon())));
      for (const error of [unary, stream, bidi])
        expect([error.code, error.details]).to.deep.equal([status.NOT_FOUND, "no such thing"]);
    });
  });
}
