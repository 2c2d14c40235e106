import { expect } from "chai";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Metadata, status } from "@grpc/grpc-js";
import type { ServerCallContext } from "grpc-interceptor";
import { NotFound, Unavailable } from "grpc-interceptor/exceptions";
import { dummyClient, raises } from "grpc-interceptor/testing";
import ts from "typescript";
import { collect, failure, sleep, soon } from "../support/calls.js";
import {
  AuthInterceptor,
  examplesDir,
  LoggingInterceptor,
  RetryInterceptor,
  type CallLog,
} from "./support/examples.js";
import { failingFirst } from "./support/interceptors.js";

const authorization = (_input: string, context: ServerCallContext) => context.metadata.get("authorization").join(",");

describe("client interceptor examples", () => {
  describe("AuthInterceptor", () => {
    it("adds a fixed bearer token, leaving the caller's metadata alone", async () => {
      await using client = await dummyClient({
        clientInterceptors: [new AuthInterceptor("s3cret")],
        specialCases: { authorization },
      });
      const metadata = new Metadata();
      expect((await client.execute({ input: "authorization" }, { ...soon(), metadata })).output).to.equal(
        "Bearer s3cret",
      );
      expect(metadata.get("authorization")).to.deep.equal([]);
    });

    it("awaits an async token source, for streaming calls too", async () => {
      let fetched = 0;
      const token = async () => {
        await sleep(10);
        return `t${++fetched}`;
      };
      await using client = await dummyClient({
        clientInterceptors: [new AuthInterceptor(token, "x-token", "Token")],
        specialCases: { who: (_input, context) => context.metadata.get("x-token").join(",") },
      });
      expect((await client.execute({ input: "who" }, soon())).output).to.equal("Token t1");
      const outputs = await collect(client.executeClientServerStream([{ input: "who" }], soon()));
      expect(outputs).to.deep.equal([{ output: "Token t2" }]);
    });
  });

  describe("RetryInterceptor", () => {
    it("backs off exponentially, with jitter within bounds and a cap", () => {
      const retry = new RetryInterceptor({ initialBackoffMs: 100, multiplier: 2, jitter: 0.2, maxBackoffMs: 500 });
      for (let i = 0; i < 50; i++) {
        expect(retry.backoffMs(1)).to.be.within(80, 120);
        expect(retry.backoffMs(2)).to.be.within(160, 240);
        expect(retry.backoffMs(5)).to.be.within(400, 600);
      }
      const spread = new Set(Array.from({ length: 20 }, () => retry.backoffMs(1)));
      expect(spread.size).to.be.greaterThan(1);
    });

    it("waits between attempts, and retries only the chosen codes", async () => {
      const flaky = failingFirst(2, () => new Unavailable());
      const missing = failingFirst(5, () => new NotFound());
      await using client = await dummyClient({
        clientInterceptors: [new RetryInterceptor({ initialBackoffMs: 40, jitter: 0, maxAttempts: 4 })],
        specialCases: { flaky, missing },
      });
      const started = Date.now();
      expect((await client.execute({ input: "flaky" }, soon())).output).to.equal("ok");
      expect(Date.now() - started).to.be.at.least(40 + 80 - 5);
      expect((await failure(client.execute({ input: "missing" }, soon()))).code).to.equal(status.NOT_FOUND);
      expect([flaky.runs, missing.runs]).to.deep.equal([3, 1]);
    });

    it("retries a client stream by sending the buffered requests again", async () => {
      const flaky = failingFirst(1, () => new Unavailable(), "B");
      await using client = await dummyClient({
        clientInterceptors: [new RetryInterceptor({ initialBackoffMs: 1 })],
        specialCases: { b: flaky },
      });
      const response = await client.executeClientStream([{ input: "a" }, { input: "b" }, { input: "c" }], soon());
      expect(response.output).to.equal("aBc");
    });

    it("does not retry a streaming response once a message was passed on", async () => {
      const flaky = failingFirst(1, () => new Unavailable());
      await using client = await dummyClient({
        clientInterceptors: [new RetryInterceptor({ initialBackoffMs: 1 })],
        specialCases: { bad: flaky },
      });
      const requests = [{ input: "a" }, { input: "bad" }];
      const error = await failure(collect(client.executeClientServerStream(requests, soon())));
      expect(error.code).to.equal(status.UNAVAILABLE);
      expect(flaky.runs).to.equal(1);
    });

    it("does not sleep past the deadline", async () => {
      await using client = await dummyClient({
        clientInterceptors: [new RetryInterceptor({ initialBackoffMs: 2000, jitter: 0 })],
        specialCases: { down: raises(new Unavailable()) },
      });
      const started = Date.now();
      const error = await failure(client.execute({ input: "down" }, { deadline: Date.now() + 500 }));
      expect(error.code).to.equal(status.UNAVAILABLE);
      expect(Date.now() - started).to.be.below(400);
    });
  });

  describe("LoggingInterceptor", () => {
    it("logs method, status, duration and response count of every kind of call", async () => {
      const logs: CallLog[] = [];
      await using client = await dummyClient({
        clientInterceptors: [new LoggingInterceptor((log) => logs.push(log))],
        specialCases: {
          slow: async () => {
            await sleep(30);
            return "slow";
          },
          missing: raises(new NotFound()),
        },
      });
      await client.execute({ input: "slow" }, soon());
      await failure(client.execute({ input: "missing" }, soon()));
      await client.executeClientStream([{ input: "a" }], soon());
      await collect(client.executeServerStream({ input: "abc" }, soon()));
      await failure(collect(client.executeClientServerStream([{ input: "x" }, { input: "missing" }], soon())));
      const summary = logs.map(({ method, status, responses }) => [method, status, responses]);
      expect(summary).to.deep.equal([
        ["/DummyService/Execute", "OK", 1],
        ["/DummyService/Execute", "NOT_FOUND", 0],
        ["/DummyService/ExecuteClientStream", "OK", 1],
        ["/DummyService/ExecuteServerStream", "OK", 3],
        ["/DummyService/ExecuteClientServerStream", "NOT_FOUND", 1],
      ]);
      expect(logs[0]!.durationMs).to.be.within(25, 2000);
    });
  });

  it("type-check against the package's public types", function () {
    this.timeout(60_000);
    const files = readdirSync(examplesDir)
      .filter((file) => file.endsWith(".ts"))
      .map((file) => join(examplesDir, file));
    expect(files).to.have.length.of.at.least(3);
    const program = ts.createProgram(files, {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.Node16,
      moduleResolution: ts.ModuleResolutionKind.Node16,
      lib: ["lib.es2023.d.ts"],
      types: ["node"],
      skipLibCheck: true,
    });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(diagnostics).to.deep.equal([]);
  });
});
