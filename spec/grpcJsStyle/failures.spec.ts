import { expect } from "chai";
import { Metadata, status } from "@grpc/grpc-js";
import { MapErrors, type ServerCallContext, type ServerMethod } from "grpc-interceptor";
import { DeadlineExceeded, NotFound } from "grpc-interceptor/exceptions";
import { dummyClient } from "grpc-interceptor/testing";
import { collectUntilFailure, failure, recordingExceptionToStatus, sleep, soon } from "../support/calls.js";

/** A domain error a servicer maps with @MapErrors. */
class MyError extends Error {}

/** A grpc-js-style servicer that fails in every way a grpc-js handler can, picked by the request's input. */
@MapErrors([MyError, status.NOT_FOUND])
class FailingServicer {
  execute(call: any, callback: any): void {
    const input: string = call.request.input;
    if (input === "throw") throw new MyError("thrown");
    if (input === "callback") return void setImmediate(() => callback(new MyError("via callback")));
    if (input === "exception") return void callback(new NotFound("grpc exception"));
    if (input === "emit") return void setImmediate(() => call.emit("error", new MyError("emitted")));
    if (input === "destroy") return void setImmediate(() => call.destroy(new MyError("destroyed")));
    if (input === "plain") return void callback(new Error("secret internals"));
    if (input === "status") {
      const metadata = new Metadata();
      metadata.set("x-why", "duplicate");
      return void callback({ code: status.ALREADY_EXISTS, details: "exists already", metadata });
    }
    if (input === "mapped-status") {
      return void callback(Object.assign(new MyError("mapped wins"), { code: status.ALREADY_EXISTS }));
    }
    callback(null, { output: input });
  }

  executeClientStream(call: any, callback: any): void {
    call.on("data", (request: any) => {
      if (request.input === "throw-in-data") throw new MyError("thrown in a data listener");
    });
    call.on("end", () => callback(null, { output: "done" }));
  }

  executeServerStream(call: any): void {
    const input: string = call.request.input;
    call.write({ output: "1" });
    call.write({ output: "2" });
    setImmediate(() => {
      if (input === "emit") call.emit("error", new MyError("emitted mid-stream"));
      else if (input === "destroy") call.destroy(new MyError("destroyed mid-stream"));
      else if (input === "destroy-bare") call.destroy();
      else if (input === "throw-in-drain") {
        call.on("drain", () => {
          throw new MyError("thrown in drain");
        });
        while (call.write({ output: "x" }));
      } else call.end();
    });
  }

  executeClientServerStream(call: any): void {
    call.on("data", (request: any) => {
      if (request.input === "emit") call.emit("error", new MyError("emitted in bidi"));
      else if (request.input === "throw") throw new MyError("thrown in bidi data listener");
      else call.write({ output: request.input });
    });
    call.on("end", () => call.end());
  }
}

describe("grpc-js style: failures go through the exception-to-status stage", () => {
  const cases: [string, status, string?][] = [
    ["throw", status.NOT_FOUND, "thrown"],
    ["callback", status.NOT_FOUND, "via callback"],
    ["exception", status.NOT_FOUND, "grpc exception"],
    ["emit", status.NOT_FOUND, "emitted"],
    ["destroy", status.NOT_FOUND, "destroyed"],
    ["plain", status.UNKNOWN],
    ["status", status.ALREADY_EXISTS, "exists already"],
    ["mapped-status", status.NOT_FOUND, "mapped wins"],
  ];
  for (const [input, code, details] of cases) {
    it(`unary: ${input} → ${status[code]}`, async () => {
      const stage = recordingExceptionToStatus();
      await using client = await dummyClient({
        handlerStyle: "grpc-js",
        servicer: new FailingServicer(),
        exceptionToStatus: stage,
      });
      const error = await failure(client.execute({ input }, soon()));
      expect(error.code).to.equal(code);
      if (details !== undefined) expect(error.details).to.equal(details);
      if (input === "plain") {
        expect(error.details).not.to.contain("secret");
        expect(stage.reported).to.have.length(1);
      }
      if (input === "status") expect(error.metadata.get("x-why")).to.deep.equal(["duplicate"]);
    });
  }

  it("client streaming: a throw inside a 'data' listener → NOT_FOUND", async () => {
    await using client = await dummyClient({ handlerStyle: "grpc-js", servicer: new FailingServicer() });
    const error = await failure(
      client.executeClientStream([{ input: "a" }, { input: "throw-in-data" }, { input: "b" }], soon()),
    );
    expect(error.code).to.equal(status.NOT_FOUND);
    expect(error.details).to.equal("thrown in a data listener");
  });

  for (const [input, code] of [
    ["emit", status.NOT_FOUND],
    ["destroy", status.NOT_FOUND],
    ["destroy-bare", status.UNKNOWN],
    ["throw-in-drain", status.NOT_FOUND],
  ] as const) {
    it(`server streaming: ${input} → ${status[code]}, never a hang`, async () => {
      const stage = recordingExceptionToStatus();
      await using client = await dummyClient({
        handlerStyle: "grpc-js",
        servicer: new FailingServicer(),
        exceptionToStatus: stage,
      });
      const { items, error } = await collectUntilFailure(client.executeServerStream({ input }, soon()));
      expect(error.code).to.equal(code);
      // emit("error") keeps grpc-js's behaviour: messages written before it are still delivered.
      if (input === "emit") expect(items).to.deep.equal([{ output: "1" }, { output: "2" }]);
    });
  }

  for (const input of ["emit", "throw"]) {
    it(`bidi: ${input} in a 'data' listener → NOT_FOUND after the earlier answers`, async () => {
      await using client = await dummyClient({ handlerStyle: "grpc-js", servicer: new FailingServicer() });
      const { items, error } = await collectUntilFailure(
        client.executeClientServerStream([{ input: "a" }, { input }, { input: "c" }], soon()),
      );
      expect(error.code).to.equal(status.NOT_FOUND);
      expect(items).to.deep.equal([{ output: "a" }]);
    });
  }

  it("the handler's own 'error' listener sees a failing request stream and can answer with it", async () => {
    const reject = (method: ServerMethod, request: any, context: ServerCallContext) =>
      method(
        (async function* () {
          yield* request as AsyncIterable<unknown>;
          throw new NotFound("rejected by an interceptor");
        })(),
        context,
      );
    let seenByHandler: unknown;
    const servicer = {
      executeClientStream(call: any, callback: any) {
        call.on("data", () => {});
        call.on("error", (error: unknown) => {
          seenByHandler = error;
          callback(error);
        });
      },
    };
    const stage = recordingExceptionToStatus();
    await using client = await dummyClient({
      handlerStyle: "grpc-js",
      servicer,
      interceptors: [reject],
      exceptionToStatus: stage,
    });
    const error = await failure(client.executeClientStream([{ input: "a" }], soon()));
    expect(error.code).to.equal(status.NOT_FOUND);
    expect(seenByHandler).to.be.instanceOf(NotFound);
    expect(stage.reported).to.deep.equal([]); // one outcome, no misuse
  });
});

describe("grpc-js style: misuse and hangs", () => {
  it("a second callback is reported, and the first outcome stands", async () => {
    const stage = recordingExceptionToStatus();
    const servicer = {
      execute(_call: any, callback: any) {
        callback(null, { output: "first" });
        callback(null, { output: "second" });
        callback(new Error("third"));
      },
    };
    await using client = await dummyClient({ handlerStyle: "grpc-js", servicer, exceptionToStatus: stage });
    expect(await client.execute({ input: "" }, soon())).to.deep.equal({ output: "first" });
    expect(stage.reported).to.have.length(2);
    expect(String(stage.reported[0])).to.match(
      /\/DummyService\/Execute.*callback more than once.*first outcome stands/,
    );
  });

  it("a write after end() is reported and dropped: write() returns false and its callback gets the error", async () => {
    const stage = recordingExceptionToStatus();
    let accepted: boolean | undefined;
    let callbackError: unknown;
    const servicer = {
      executeServerStream(call: any) {
        call.write({ output: "kept" });
        call.end();
        accepted = call.write({ output: "dropped" }, (error: unknown) => (callbackError = error));
      },
    };
    await using client = await dummyClient({ handlerStyle: "grpc-js", servicer, exceptionToStatus: stage });
    const { collect } = await import("../support/calls.js");
    expect(await collect(client.executeServerStream({ input: "" }, soon()))).to.deep.equal([{ output: "kept" }]);
    expect(accepted).to.equal(false);
    expect(String(callbackError)).to.match(/wrote a message after end\(\)/);
    expect(stage.reported).to.have.length(1);
  });

  for (const kind of ["unary", "server streaming"] as const) {
    it(`${kind}: a handler that never answers ends with DEADLINE_EXCEEDED, and nothing is left listening`, async () => {
      let shim: any;
      let realCall: any;
      let seenByInterceptor: unknown;
      const watch = (method: ServerMethod, request: any, context: ServerCallContext): any => {
        realCall = (context as any).call;
        const note = (error: unknown) => {
          seenByInterceptor = error;
          throw error;
        };
        const result = method(request, context);
        if (kind === "unary") return (result as Promise<unknown>).catch(note);
        return (async function* () {
          try {
            yield* result as AsyncIterable<unknown>;
          } catch (error) {
            note(error);
          }
        })();
      };
      const servicer = {
        execute(call: any) {
          shim = call;
        },
        executeServerStream(call: any) {
          shim = call;
          call.write({ output: "only one" });
        },
      };
      await using client = await dummyClient({ handlerStyle: "grpc-js", servicer, interceptors: [watch] });
      const started = Date.now();
      const error =
        kind === "unary"
          ? await failure(client.execute({ input: "" }, soon(300)))
          : (await collectUntilFailure(client.executeServerStream({ input: "" }, soon(300)))).error;
      expect(error.code).to.equal(status.DEADLINE_EXCEEDED);
      expect(Date.now() - started).to.be.lessThan(2000);
      await sleep(50);
      expect(seenByInterceptor).to.be.instanceOf(DeadlineExceeded);
      expect(shim.cancelled).to.equal(true);
      expect(realCall.listenerCount("cancelled")).to.equal(0);
    });
  }
});
