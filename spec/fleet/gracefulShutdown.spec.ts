import { expect } from "chai";
import { status } from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";
import { GracefulShutdown, type ServerCallContext } from "grpc-interceptor";
import { dummyClient, type SpecialCase } from "grpc-interceptor/testing";
import { checkHealth } from "../support/healthClient.js";
import { collectUntilFailure, eventually, failure, soon } from "../support/calls.js";
import { handlerStyles } from "../support/styles.js";

/** A special case that answers only when the test says so, and one that streams until its signal aborts. */
function handlers() {
  const aborted: unknown[] = [];
  let release: (() => void) | undefined;
  const hold: SpecialCase = () => new Promise<string>((resolve) => (release = () => resolve("done")));
  const subscribe: SpecialCase = (_input, context: ServerCallContext) =>
    new Promise<string>((_resolve, reject) =>
      context.signal.addEventListener("abort", () => {
        aborted.push(context.signal.reason);
        reject(context.signal.reason as Error);
      }),
    );
  return {
    aborted,
    release: () => release?.(),
    specialCases: { hold, subscribe, never: () => new Promise<string>(() => {}) },
  };
}

for (const handlerStyle of handlerStyles) {
  describe(`GracefulShutdown (${handlerStyle} style)`, function () {
    this.timeout(10_000);

    it("marks health NOT_SERVING, lets a unary call finish, ends a stream UNAVAILABLE at once, and reports both", async () => {
      const health = new HealthImplementation({ "": "SERVING", DummyService: "SERVING" });
      const shutdown = new GracefulShutdown({ health });
      const { aborted, release, specialCases } = handlers();
      await using client = await dummyClient({ handlerStyle, specialCases, interceptors: [shutdown] });
      health.addToServer(client.server);
      expect(await checkHealth(client.address, "DummyService")).to.equal("SERVING");
      const unary = client.execute({ input: "hold" }, soon());
      const stream = collectUntilFailure(client.executeServerStream({ input: "subscribe" }, soon()));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const done = shutdown.shutdown(client.server, { delayMs: 200, graceMs: 5_000 });
      expect(await checkHealth(client.address)).to.equal("NOT_SERVING");
      expect(await checkHealth(client.address, "DummyService")).to.equal("NOT_SERVING");
      const ended = await stream;
      expect(ended.error.code).to.equal(status.UNAVAILABLE);
      expect(ended.error.details).to.equal("server shutting down");
      await eventually(() => aborted.length === 1, "the stream's signal aborted");
      expect(aborted[0]).to.have.property("statusCode", status.UNAVAILABLE);
      release();
      expect(await unary).to.deep.include({ output: "done" });
      const report = await done;
      expect(report).to.include({ finished: 1, aborted: 1 });
      expect(report.durationMs).to.be.below(5_000);
      expect((await failure(client.execute({ input: "late" }, soon(1000)))).code).to.equal(status.UNAVAILABLE);
    });

    it("aborts what is left after graceMs and forces the shutdown, resolving within graceMs and a little", async () => {
      const shutdown = new GracefulShutdown();
      const { specialCases } = handlers();
      await using client = await dummyClient({ handlerStyle, specialCases, interceptors: [shutdown] });
      const stuck = failure(client.execute({ input: "never" }, soon()));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = Date.now();
      const report = await shutdown.shutdown(client.server, { graceMs: 300 });
      expect(Date.now() - started).to.be.within(250, 1_300);
      expect(report).to.include({ finished: 0, aborted: 1 });
      const error = await stuck;
      expect(error.code).to.equal(status.UNAVAILABLE);
      expect(error.details).to.equal("server shutting down");
    });
  });
}

describe("GracefulShutdown", () => {
  it("knows the services it was bootstrapped into", async () => {
    const statuses: string[] = [];
    const shutdown = new GracefulShutdown({
      health: { setStatus: (service, status) => statuses.push(`${service}=${status}`) },
    });
    await using client = await dummyClient({ interceptors: [shutdown] });
    await shutdown.shutdown(client.server);
    expect(statuses).to.deep.equal(["=NOT_SERVING", "DummyService=NOT_SERVING"]);
  });

  it("rejects bad options, naming them", async () => {
    expect(() => new GracefulShutdown({ health: {} as never })).to.throw(TypeError, /options\.health is .*setStatus/);
    await using client = await dummyClient();
    try {
      await new GracefulShutdown().shutdown(client.server, { graceMs: -1 });
      expect.fail("expected a TypeError");
    } catch (error) {
      expect(error)
        .to.be.instanceOf(TypeError)
        .with.property("message")
        .that.matches(/options\.graceMs is number -1/);
    }
  });
});
