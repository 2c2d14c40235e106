import { execFile } from "node:child_process";
import { expect } from "chai";

/** Runs an example as its header says (`npx tsx examples/<file>`, or `node` for JavaScript), returning its output. */
function runExample(file: string): Promise<string> {
  const runner = file.endsWith(".js") ? process.execPath : "node_modules/.bin/tsx";
  return new Promise((resolve, reject) =>
    execFile(runner, [`examples/${file}`], { timeout: 30_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`examples/${file} failed: ${error.message}\n${stdout}\n${stderr}`)) : resolve(stdout),
    ),
  );
}

describe("examples", function () {
  this.timeout(40_000);

  it("demo: decorated service, per-method auth, mapped domain errors, all four kinds", async () => {
    const output = await runExample("demo.ts");
    for (const line of [
      'status  NOT_FOUND: No book with id "42"',
      "server  auth: accepted",
      "status  UNAUTHENTICATED: A valid token is required to add books",
      'status  INVALID_ARGUMENT: Book "7" has no title',
      "status  FAILED_PRECONDITION: The library is closed for inventory",
      "logging: /library.Library/ListBooks (serverStream) OK in",
      "logging: /library.Library/GetBook (unary) NOT_FOUND in",
      "logging: /library.Library/Chat (bidi) ABORTED in",
      "status  ABORTED: The librarian left the chat",
      "10 calls: 4 OK, 6 failed",
    ]) {
      expect(output).to.contain(line);
    }
    expect(output.match(/server {2}auth:/g)).to.have.length(4); // AddBooks only, never the other methods
  });

  it("quick start: the README's program, logging each call of either kind once it is over", async () => {
    const output = await runExample("quickstart.mts");
    expect(output).to.match(/\/DummyService\/Execute: OK in \d+\.\d ms\n\{ output: 'hello' \}/);
    expect(output).to.match(/\/DummyService\/Execute: NOT_FOUND in \d+\.\d ms\nNOT_FOUND no missing here/);
    expect(output).to.match(/\/DummyService\/ExecuteServerStream: OK in \d+\.\d ms/);
    expect(output).to.contain("{ output: 'a' }\n{ output: 'b' }\n{ output: 'c' }");
  });

  it("grpc-js style: an existing XxxServer class decorated without changing its handlers", async () => {
    const output = await runExample("grpc-js-style.ts");
    expect(output).to.match(/NOT_FOUND/);
  });

  it("policies: ProtoValidate from a descriptor set, a zod Validate replacing it on one method", async () => {
    const output = await runExample("policies/bookstore.ts");
    expect(output).to.contain("client  ok { id: 'b1', title: 'Dune' }");
    expect(output).to.contain('server  createBook "Dune" by Frank Herbert, 2 s left'); // Deadline's default
    expect(output).to.contain('server  createBook "Emma" by Jane Austen, 10 s left'); // cut to maxMs
    expect(output).to.match(
      /INVALID_ARGUMENT: invalid request: title: .*\(fields: title, author, tags\[0\]\.name, pages\)/,
    );
    expect(output).to.match(
      /server {2}createBook "Emma" by Jane Austen, 10 s left\nclient {2}INVALID_ARGUMENT: invalid request: author\.name: /,
    );
    expect(output).to.contain("INVALID_ARGUMENT: invalid request: limit: at most 100 books at a time (fields: limit)");
  });

  it("metrics/prometheus: a /metrics scrape with go-grpc-prometheus's names and codes", async () => {
    const output = await runExample("metrics/prometheus.ts");
    expect(output).to.contain(
      'grpc_server_handled_total{grpc_type="unary",grpc_service="DummyService",grpc_method="Execute",grpc_code="NotFound"} 1',
    );
    expect(output).to.contain(
      'grpc_server_msg_sent_total{grpc_type="server_stream",grpc_service="DummyService",grpc_method="ExecuteServerStream"} 3',
    );
  });

  it("fleet/rolling-restart: three replicas restarted in turn, no unary call lost, the subscription moved", async () => {
    const output = await runExample("fleet/rolling-restart.ts");
    expect(output).to.match(/unary calls during the restart: \d+ succeeded, 0 failed/);
    expect(output.match(/^r\d reported \{"finished":\d+,"aborted":\d+,"durationMs":[\d.]+\}$/gm)).to.have.length(3);
    expect(output).to.contain('subscription: UNAVAILABLE "server shutting down", resubscribing');
  });

  it("rate-limit/shared-limit: two replicas share one Redis budget of 5 calls", async () => {
    const output = await runExample("rate-limit/shared-limit.ts");
    expect(output.match(/served by replica-\d/g)).to.have.length(5);
    expect(output.match(/RESOURCE_EXHAUSTED "rate limit exceeded", retry in \d+ s/g)).to.have.length(3);
  });

  it("metrics: calls counted per method and final status", async () => {
    const output = await runExample("metrics.ts");
    expect(output).to.contain("/DummyService/Execute OK: 2");
    expect(output).to.contain("/DummyService/Execute NOT_FOUND: 1");
    expect(output).to.contain("/DummyService/Execute UNKNOWN: 1");
    expect(output).to.contain("/DummyService/ExecuteServerStream OK: 1");
  });

  it("client retry: UNAVAILABLE retried with backoff until it succeeds", async () => {
    const output = await runExample("client-retry.ts");
    expect(output).to.contain("response: flaky after 3 attempts");
    expect(output.match(/attempt: \/DummyService\/Execute UNAVAILABLE/g)).to.have.length(2);
  });

  it("plain JavaScript: proto-loader, CommonJS, interceptors and error rules as bootstrap options", async () => {
    const output = await runExample("javascript/library.js");
    for (const line of [
      "book    Dune",
      'status  NOT_FOUND: No book with id "42"',
      "status  UNAUTHENTICATED: A valid token is required to add books",
      "added   1",
      'status  INVALID_ARGUMENT: Book "3" has no title',
      "listed  Emma",
    ]) {
      expect(output).to.contain(line);
    }
    // options.interceptors run for every call; options.methods.addBooks only for AddBooks.
    expect(output.match(/server {2}\/library\.Library\//g)).to.have.length(6);
  });

  it("propagation: the back service sees the front call's request id, deadline and cancellation", async () => {
    const output = await runExample("propagation.ts");
    expect(output).to.contain("front   handling request id req-1");
    expect(output).to.match(/back {4}saw request id req-1, deadline in (\d{1,3}|1\d{3}|2000) ms/);
    // Each case's lines, in any order: the client and the back service print independently.
    const [, second = "", third = ""] = output.split(/^\d\. .*$/m).slice(1);
    expect(second).to.match(/back {4}waiting, request id req-2, deadline in \d+ ms/);
    expect(second).to.contain("client  CANCELLED");
    expect(second).to.contain("back    the call ended early: CANCELLED");
    expect(third).to.match(/back {4}waiting, request id req-3, deadline in [0-3]\d{0,2} ms/);
    expect(third).to.contain("client  DEADLINE_EXCEEDED");
    // The back call ends by the propagated cancel or its own (propagated) deadline, whichever is first.
    expect(third).to.match(/back {4}the call ended early: (CANCELLED|DEADLINE_EXCEEDED)/);
  });

  it("testing your own interceptor with dummyClient", async () => {
    expect(await runExample("testing-your-interceptor.ts")).to.contain("ok: the metrics interceptor counts");
  });

  it("error details: a BadRequest's field violations read back by the client", async () => {
    const output = await runExample("error-details.ts");
    expect(output).to.contain("created book-1");
    expect(output).to.contain("status  INVALID_ARGUMENT: The book is not valid");
    for (const line of [
      "field   title must not be empty",
      "field   isbn must be 13 digits",
      "field   year is in the future",
    ]) {
      expect(output).to.contain(line);
    }
  });
});
