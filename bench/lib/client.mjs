// A load-client process: `node client.mjs <client setup>`. Keeps one client per server (by key) and runs
// bounded loads on the parent's request, measuring its own wall time and CPU over each.
import { setTimeout } from "node:timers";
import { cpuMicros, grpc, loadOurs, serveParent, status, Unavailable } from "./common.mjs";

const [clientSetupId] = process.argv.slice(2);
const { testing, ClientInterceptor } = await loadOurs();
const { DummyServiceClient, DummyServiceService } = testing;

/** Client setups for the client-side scenario; "plain" also drives every server-side scenario. */
export const CLIENT_SETUPS = {
  plain: async (address) => callbackClient(new DummyServiceClient(address, grpc.credentials.createInsecure())),
  native3: async (address) => {
    const passThrough = (options, nextCall) => new grpc.InterceptingCall(nextCall(options));
    return callbackClient(
      new DummyServiceClient(address, grpc.credentials.createInsecure(), {
        interceptors: [passThrough, passThrough, passThrough],
      }),
    );
  },
  ours3: async (address) => {
    if (typeof ClientInterceptor !== "function") {
      throw new Unavailable("n/a (ClientInterceptor is not exported by the build yet)");
    }
    class PassThrough extends ClientInterceptor {
      intercept(method, request, details) {
        return method(request, details);
      }
    }
    return callbackClient(
      new DummyServiceClient(address, grpc.credentials.createInsecure(), {
        interceptors: [new PassThrough(), new PassThrough(), new PassThrough()],
      }),
    );
  },
  nice3: async (address) => {
    let nice;
    try {
      nice = await import("nice-grpc");
    } catch (error) {
      throw new Unavailable(`nice-grpc is not installed (${error.code ?? error.message})`);
    }
    const passThrough = async function* (call, options) {
      return yield* call.next(call.request, options);
    };
    const channel = nice.createChannel(address);
    const client = nice
      .createClientFactory()
      .use(passThrough)
      .use(passThrough)
      .use(passThrough)
      .create(DummyServiceService, channel);
    return {
      unary: (request, done) =>
        client.execute(request).then(
          (response) => done(null, response),
          (error) => done(error),
        ),
      close: () => channel.close(),
    };
  },
};

/** Adapts a grpc-js client to the load loops below (callback API, as callers use it). */
function callbackClient(client) {
  return {
    raw: client,
    unary: (request, done, deadlineMs) =>
      deadlineMs ? client.execute(request, { deadline: Date.now() + deadlineMs }, done) : client.execute(request, done),
    close: () => client.close(),
  };
}

const clients = new Map();

/** Runs `calls` operations with `concurrency` in flight; `operation(i, done)` calls `done(valid)` once. */
function load(calls, concurrency, operation) {
  return new Promise((resolve) => {
    const cpu = cpuMicros();
    const start = process.hrtime.bigint();
    let started = 0;
    let finished = 0;
    let invalid = 0;
    const next = () => {
      if (started >= calls) return;
      const index = started++;
      operation(index, (valid) => {
        if (!valid) invalid++;
        if (++finished === calls) {
          resolve({
            calls,
            invalid,
            wallMicros: Number(process.hrtime.bigint() - start) / 1e3,
            cpuMicros: cpuMicros() - cpu,
          });
        } else next();
      });
    };
    for (let i = 0; i < Math.min(concurrency, calls); i++) next();
  });
}

/** `deadlineMs`: each call sends a deadline that far ahead (the callback clients only). */
function unaryOperation(client, input, expectedCode, deadlineMs) {
  const request = { input };
  return (_index, done) =>
    client.unary(
      request,
      (error, response) =>
        done(expectedCode === status.OK ? !error && response?.output === input : error?.code === expectedCode),
      deadlineMs,
    );
}

function serverStream(raw, input, expected, done) {
  const call = raw.executeServerStream({ input });
  let received = 0;
  call.on("data", () => received++);
  call.on("error", () => done(false));
  call.on("end", () => done(received === expected));
}

function clientStream(raw, inputs, done) {
  const call = raw.executeClientStream((error, response) => done(!error && response.output === inputs.join("")));
  for (const input of inputs) call.write({ input });
  call.end();
}

function bidi(raw, inputs, done) {
  const call = raw.executeClientServerStream();
  let received = 0;
  call.on("data", () => received++);
  call.on("error", () => done(false));
  call.on("end", () => done(received === inputs.length));
  for (const input of inputs) call.write({ input });
  call.end();
}

// A mix of every method kind, successes and failures: 14 unary, 2 failing unary, 2 server streams of
// 10 messages, 1 client stream and 1 bidi call of 3 messages, in every 20 calls.
function mixedOperation(client) {
  const { raw } = client;
  const ok = unaryOperation(client, "mixed", status.OK);
  const failing = unaryOperation(client, "fail", status.NOT_FOUND);
  return (index, done) => {
    const slot = index % 20;
    if (slot < 14) ok(index, done);
    else if (slot < 16) failing(index, done);
    else if (slot < 18) serverStream(raw, "10", 10, done);
    else if (slot < 19) clientStream(raw, ["a", "b", "c"], done);
    else bidi(raw, ["a", "b", "c"], done);
  };
}

// Reads a big server stream slowly: a pause of `pauseMs` after every message.
function slowStream(raw, input, pauseMs) {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const call = raw.executeServerStream({ input });
    let messages = 0;
    let bytes = 0;
    call.on("data", (message) => {
      messages++;
      bytes += message.output.length;
      call.pause();
      setTimeout(() => call.resume(), pauseMs);
    });
    const finish = (error) =>
      resolve({ messages, bytes, error: error?.message, wallMicros: Number(process.hrtime.bigint() - start) / 1e3 });
    call.on("error", finish);
    call.on("end", () => finish());
  });
}

serveParent(async (request) => {
  const client = clients.get(request.key);
  switch (request.type) {
    case "connect": {
      let created;
      try {
        created = await CLIENT_SETUPS[clientSetupId](`127.0.0.1:${request.port}`);
      } catch (error) {
        if (error instanceof Unavailable) return { unavailable: error.message };
        throw error;
      }
      clients.set(request.key, created);
      // One call to open the connection before anything is measured.
      await new Promise((resolve) => created.unary({ input: "hello" }, resolve));
      return {};
    }
    case "unary":
      return load(
        request.calls,
        request.concurrency,
        unaryOperation(client, request.input, request.expectedCode, request.deadlineMs),
      );
    case "stream":
      return load(request.calls, request.concurrency, (_index, done) =>
        serverStream(client.raw, request.input, request.expectedMessages, done),
      );
    case "mixed":
      return load(request.calls, request.concurrency, mixedOperation(client));
    case "slowStream":
      return slowStream(client.raw, request.input, request.pauseMs);
    case "holdStart": {
      // In-flight memory: start `calls` calls the server holds open; "holdEnd" awaits their answers.
      const operation = unaryOperation(client, "hold", status.OK);
      client.holding = load(request.calls, request.calls, operation);
      return {};
    }
    case "holdEnd":
      return client.holding;
    case "close":
      client?.close();
      clients.delete(request.key);
      return null;
    case "exit":
      for (const each of clients.values()) each.close();
      setTimeout(() => process.exit(0), 10);
      return null;
    default:
      throw new Error(`unknown request ${request.type}`);
  }
});

process.send({ type: "ready" });
