// The grpc-js client side of the interop run: our client interceptors (the AuthInterceptor and
// RetryInterceptor of examples/client, and one defined here) on a grpc-js client of a Python grpcio
// server (py_server.py), checked through the client's ordinary callback and stream API.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { credentials, Metadata, status, type ServiceError, type StatusObject } from "@grpc/grpc-js";
import { ClientInterceptor, type ClientCallDetails, type ClientMethod } from "grpc-interceptor";
import { GrpcException } from "grpc-interceptor/exceptions";
import { STATUS_DETAILS_KEY, Status, statusDetailsOf } from "grpc-interceptor/error-details";
import { DummyServiceClient } from "grpc-interceptor/testing";
import { detailsFor, traceBin } from "./ourServer.js";
import { interopErrorDetails } from "./richDetails.js";

type Report = (ok: boolean, name: string, why?: string) => void;

interface RetryOptions {
  maxAttempts?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

/** The example interceptors, loaded at run time: they live outside spec/, which the spec build compiles alone. */
async function exampleInterceptors(): Promise<{
  AuthInterceptor: new (token: string) => ClientInterceptor;
  RetryInterceptor: new (options?: RetryOptions) => ClientInterceptor;
}> {
  const dir = join(__dirname, "..", "..", "examples", "client");
  const load = (name: string) => import(pathToFileURL(join(dir, `${name}.ts`)).href);
  const [{ AuthInterceptor }, { RetryInterceptor }] = await Promise.all([
    load("AuthInterceptor"),
    load("RetryInterceptor"),
  ]);
  return { AuthInterceptor, RetryInterceptor };
}

/** Adds binary metadata, `x-interop-bin`, to every call; keeps the caller's metadata object unchanged. */
class BinaryTraceInterceptor extends ClientInterceptor {
  intercept(method: ClientMethod, request: unknown, details: ClientCallDetails): unknown {
    const metadata = details.metadata.clone();
    metadata.set("x-interop-bin", Buffer.from([0xde, 0xad, 0x00, 0xbe, 0xef]));
    return method(request, { ...details, metadata });
  }
}

/** Counts the attempts that reach it: installed inside the retry interceptor. */
class AttemptCounter extends ClientInterceptor {
  count = 0;
  intercept(method: ClientMethod, request: unknown, details: ClientCallDetails): unknown {
    this.count++;
    return method(request, details);
  }
}

interface Outcome {
  messages: string[];
  error?: ServiceError;
  headers?: Metadata;
  status?: StatusObject;
  ms: number;
}

class Failure extends Error {}

function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Failure(message);
}

function expectEqual(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  expect(a === e, `${what}: expected ${e}, got ${a}`);
}

function expectFailure(outcome: Outcome, code: status, details?: string): ServiceError {
  const error = outcome.error;
  expect(error !== undefined, `expected ${status[code]}, the call succeeded with ${JSON.stringify(outcome.messages)}`);
  expect(error.code === code, `expected ${status[code]}, got ${status[error.code]}: ${error.details}`);
  if (details !== undefined) expectEqual(error.details, details, "details");
  return error;
}

function expectChosen(outcome: Outcome, code: number): void {
  const error = expectFailure(outcome, code, detailsFor(code));
  expectEqual(error.metadata.get("x-code"), [String(code)], "trailing x-code");
  const bin = error.metadata.get("x-trace-bin")[0];
  expect(Buffer.isBuffer(bin) && bin.equals(traceBin(code)), `trailing x-trace-bin: got ${String(bin)}`);
}

function expectOk(outcome: Outcome): void {
  expect(!outcome.error, `failed: ${outcome.error?.code} ${outcome.error?.details}`);
}

/** JSON of a value with every byte array as a plain array (a Buffer and a Uint8Array of the same bytes agree). */
function comparable(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, json: unknown) {
    const raw = this[key];
    return raw instanceof Uint8Array ? Array.from(raw) : json;
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runNodeClientChecks(address: string, report: Report): Promise<void> {
  const { AuthInterceptor, RetryInterceptor } = await exampleInterceptors();
  const counter = new AttemptCounter();
  const client = new DummyServiceClient(address, credentials.createInsecure(), {
    interceptors: [
      new AuthInterceptor("interop-token"),
      new BinaryTraceInterceptor(),
      new RetryInterceptor({ maxAttempts: 4, initialBackoffMs: 20, maxBackoffMs: 200 }),
      counter,
    ],
  });
  const deadline = (ms: number) => ({ deadline: Date.now() + ms });
  const callerMetadata = () => {
    const metadata = new Metadata();
    metadata.set("x-caller", "yes");
    return metadata;
  };

  // Each helper resolves once the call's "status" event has fired (with the callback's or stream's result).
  function settle(
    call: NodeJS.EventEmitter,
    started: number,
    result: Promise<{ messages: string[]; error?: ServiceError }>,
  ): Promise<Outcome> {
    let headers: Metadata | undefined;
    call.on("metadata", (metadata: Metadata) => (headers = metadata));
    const statusEvent = new Promise<StatusObject>((resolve) => call.on("status", resolve));
    return result.then(async (partial) => ({
      ...partial,
      headers,
      status: await Promise.race([statusEvent, sleep(2000).then(() => undefined)]),
      ms: Date.now() - started,
    }));
  }
  const fromCallback = () => {
    let done!: (value: { messages: string[]; error?: ServiceError }) => void;
    const result = new Promise<{ messages: string[]; error?: ServiceError }>((resolve) => (done = resolve));
    const callback = (error: ServiceError | null, response?: { output: string }) =>
      done(error ? { messages: [], error } : { messages: [response!.output] });
    return { result, callback };
  };
  async function readAll(
    stream: AsyncIterable<{ output: string }>,
  ): Promise<{ messages: string[]; error?: ServiceError }> {
    const messages: string[] = [];
    try {
      for await (const response of stream) messages.push(response.output);
      return { messages };
    } catch (error) {
      return { messages, error: error as ServiceError };
    }
  }

  const unary = (input: string, ms = 5000, metadata = callerMetadata()) => {
    const { result, callback } = fromCallback();
    const call = client.execute({ input }, metadata, deadline(ms), callback);
    return { call, outcome: settle(call, Date.now(), result) };
  };
  const clientStream = (inputs: string[], ms = 5000) => {
    const { result, callback } = fromCallback();
    const call = client.executeClientStream(callerMetadata(), deadline(ms), callback);
    for (const input of inputs) call.write({ input });
    call.end();
    return settle(call, Date.now(), result);
  };
  const serverStream = (input: string, ms = 5000) => {
    const call = client.executeServerStream({ input }, callerMetadata(), deadline(ms));
    return { call, outcome: settle(call, Date.now(), readAll(call)) };
  };
  const bidi = (inputs: string[], ms = 5000) => {
    const call = client.executeClientServerStream(callerMetadata(), deadline(ms));
    for (const input of inputs) call.write({ input });
    call.end();
    return { call, outcome: settle(call, Date.now(), readAll(call)) };
  };
  const query = async (input: string) => {
    const outcome = await unary(input).outcome;
    expectOk(outcome);
    return outcome.messages[0];
  };
  const pollStatus = async (key: string, untilNot: string) => {
    const end = Date.now() + 3000;
    for (;;) {
      const state = await query(`status:${key}`);
      if (state !== untilNot || Date.now() > end) return state;
      await sleep(20);
    }
  };
  const countAttempts = async <T>(run: () => Promise<T>): Promise<[T, number]> => {
    const before = counter.count;
    const value = await run();
    return [value, counter.count - before];
  };

  async function check(name: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
      report(true, name);
    } catch (error) {
      report(false, name, error instanceof Failure ? error.message : String((error as Error)?.stack ?? error));
    }
  }

  const kinds: Array<[string, (input: string) => Promise<Outcome>]> = [
    ["unary", (input) => unary(input).outcome],
    ["client streaming", (input) => clientStream([input])],
    ["server streaming", (input) => serverStream(input).outcome],
    ["bidi", (input) => bidi([input]).outcome],
  ];

  // --- all four kinds succeed --------------------------------------------------------------------
  await check("success: unary echo (unicode)", async () => {
    const outcome = await unary("héllo ✓ 😀").outcome;
    expectOk(outcome);
    expectEqual(outcome.messages, ["héllo ✓ 😀"], "echo");
    expectEqual(outcome.status?.code, status.OK, "status event");
  });
  await check("success: client streaming", async () => {
    const outcome = await clientStream(["a", "b", "c"]);
    expectOk(outcome);
    expectEqual(outcome.messages, ["abc"], "concatenation");
  });
  await check("success: server streaming", async () => {
    const outcome = await serverStream("xyz").outcome;
    expectOk(outcome);
    expectEqual(outcome.messages, ["x", "y", "z"], "messages");
  });
  await check("success: bidi streaming", async () => {
    const inputs = Array.from({ length: 300 }, (_, i) => `b${i}`);
    const outcome = await bidi(inputs).outcome;
    expectOk(outcome);
    expectEqual(outcome.messages, inputs, "300 messages");
  });

  // --- metadata injection, seen by the Python server -------------------------------------------------
  for (const [kind, run] of kinds) {
    await check(`metadata injection: ${kind}`, async () => {
      const outcome = await run("echo-metadata");
      expectOk(outcome);
      const seen = JSON.parse(outcome.messages.join("")) as Record<string, string>;
      expectEqual(seen.authorization, "Bearer interop-token", "authorization (AuthInterceptor)");
      expectEqual(seen["x-interop-bin"], "hex:dead00beef", "x-interop-bin (BinaryTraceInterceptor)");
      expectEqual(seen["x-caller"], "yes", "the caller's own metadata");
      expectEqual(outcome.headers?.get("echo-x-caller"), ["yes"], "response headers reach the caller");
    });
  }

  // --- retry: UNAVAILABLE twice, then success ------------------------------------------------------
  for (const [kind, run] of kinds) {
    await check(`retry: ${kind} succeeds after 2 UNAVAILABLE attempts`, async () => {
      const key = `${kind.replace(" ", "-")}-${Date.now()}`;
      const [outcome, clientAttempts] = await countAttempts(() => run(`flaky:${key}:2`));
      expectOk(outcome);
      expectEqual(outcome.messages.join(""), "ok after 3 attempts", "response");
      expectEqual(await query(`attempts:${key}`), "3", "attempts seen by the server");
      expectEqual(clientAttempts, 3, "attempts started by the retry interceptor");
    });
  }
  await check("retry: gives up after maxAttempts (4) with UNAVAILABLE", async () => {
    const key = `giveup-${Date.now()}`;
    const outcome = await unary(`flaky:${key}:10`).outcome;
    expectFailure(outcome, status.UNAVAILABLE, `flaky ${key}: attempt 4 fails`);
    expectEqual(await query(`attempts:${key}`), "4", "attempts seen by the server");
  });

  // --- the 16 non-OK codes from C-core, with details and trailing metadata ---------------------------
  for (let code = 1; code <= 16; code++) {
    await check(`status ${String(code).padStart(2)} ${status[code]}: unary`, async () => {
      const [outcome, attempts] = await countAttempts(() => unary(`fail:${code}`).outcome);
      expectChosen(outcome, code);
      expectEqual(attempts, code === status.UNAVAILABLE ? 4 : 1, "attempts (only UNAVAILABLE is retried)");
    });
  }

  // --- errors after streamed messages ----------------------------------------------------------------
  await check("mid-stream: server stream fails after 3 messages", async () => {
    const outcome = await serverStream("fail-after:3:9").outcome;
    expectChosen(outcome, 9);
    expectEqual(outcome.messages, ["m0", "m1", "m2"], "messages before the error");
  });
  await check("mid-stream: bidi fails after 2 messages", async () => {
    const outcome = await bidi(["a", "b", "fail:6"]).outcome;
    expectChosen(outcome, 6);
    expectEqual(outcome.messages, ["a", "b"], "messages before the error");
  });
  await check("mid-stream: client stream fails on its second message", async () => {
    expectChosen(await clientStream(["a", "fail:3", "c"]), 3);
  });

  // --- rich error details from C-core: statusDetailsOf and fromServiceError, through the interceptors ---
  const expectRich = (outcome: Outcome, code: number) => {
    expectChosen(outcome, code);
    const error = outcome.error!;
    const trailer = error.metadata.get(STATUS_DETAILS_KEY)[0];
    expect(Buffer.isBuffer(trailer), `a ${STATUS_DETAILS_KEY} trailer: got ${String(trailer)}`);
    const sent = Status.decode(trailer);
    expectEqual([sent.code, sent.message], [code, detailsFor(code)], "the Status's code and message");
    const problems: Error[] = [];
    const details = statusDetailsOf(error, { onMalformed: (problem) => problems.push(problem) });
    expectEqual(problems.map(String), [], "problems reading the details");
    expectEqual(comparable(details), comparable(interopErrorDetails()), "statusDetailsOf");
    const rethrown = GrpcException.fromServiceError(error);
    expectEqual(
      comparable(rethrown.errorDetails),
      comparable(interopErrorDetails()),
      "fromServiceError's errorDetails",
    );
    expectEqual([rethrown.statusCode, rethrown.details], [code, detailsFor(code)], "fromServiceError's status");
  };
  await check("rich status: unary, all ten detail types and an unknown one from Python protobuf", async () => {
    expectRich(await unary("rich:3").outcome, 3);
  });
  await check("rich status: server stream, after 2 messages", async () => {
    const outcome = await serverStream("rich-after:2:9").outcome;
    expectRich(outcome, 9);
    expectEqual(outcome.messages, ["m0", "m1"], "messages before the error");
  });
  await check("rich status: none on a status without error details", async () => {
    const outcome = await unary("fail:5").outcome;
    expectChosen(outcome, 5);
    expectEqual(statusDetailsOf(outcome.error), [], "statusDetailsOf");
  });

  // --- deadlines -------------------------------------------------------------------------------------
  await check("deadline: unary -> DEADLINE_EXCEEDED, the server sees it", async () => {
    const outcome = await unary("watch:deadline", 300).outcome;
    expectFailure(outcome, status.DEADLINE_EXCEEDED);
    expect(outcome.ms < 2000, `took ${outcome.ms} ms`);
    expectEqual(await pollStatus("deadline", "started"), "deadline", "server-side state");
  });
  await check("deadline: server stream -> DEADLINE_EXCEEDED", async () => {
    const outcome = await serverStream("sleep:3000", 300).outcome;
    expectFailure(outcome, status.DEADLINE_EXCEEDED);
    expect(outcome.ms < 2000, `took ${outcome.ms} ms`);
  });
  await check("deadline: bidi -> messages before, then DEADLINE_EXCEEDED", async () => {
    const outcome = await bidi(["a", "sleep:3000"], 500).outcome;
    expectFailure(outcome, status.DEADLINE_EXCEEDED);
    expectEqual(outcome.messages, ["a"], "messages before the deadline");
  });

  // --- cancellation, seen by the Python server ---------------------------------------------------------
  const cancellations: Array<[string, (key: string) => { call: { cancel(): void }; outcome: Promise<Outcome> }]> = [
    ["unary", (key) => unary(`watch:${key}`)],
    ["server streaming", (key) => serverStream(`watch:${key}`)],
    // The request side is ended: RetryInterceptor buffers a request stream whole before its first attempt.
    ["bidi", (key) => bidi(["a", `watch:${key}`])],
  ];
  for (const [kind, start] of cancellations) {
    await check(`cancel: ${kind}, the server sees it`, async () => {
      const key = `cancel-${kind.replace(" ", "-")}`;
      const { call, outcome } = start(key);
      expectEqual(await pollStatus(key, "unknown"), "started", "server started watching");
      call.cancel();
      expectFailure(await outcome, status.CANCELLED);
      expectEqual(await pollStatus(key, "started"), "cancelled", "server-side state");
    });
  }

  client.close();
}
