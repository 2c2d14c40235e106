import { expect } from "chai";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { Propagate, type ServerCallContext } from "grpc-interceptor";
import type { DummyResponse } from "grpc-interceptor/testing";
import { eventually } from "../support/calls.js";
import { start, kinds, type Outcome } from "./support/calls.js";
import { clientOf, serve, startChain, type Chain } from "./support/chain.js";
import { Leaf, type Seen } from "./support/Leaf.js";

/**
 * The latest deadline C may see for a deadline set at A: `grpc-timeout` is relative, so each hop's
 * receiver computes its deadline from its own receipt time and the deadline moves later by the time
 * the request took to reach it. Those delays add up to no more than the time from the call's start to
 * C's handler, so C's deadline is never later than A's plus that.
 */
function latestAllowed(deadline: number, startedAt: number, arrived: Seen): number {
  return deadline + (arrived.at - startedAt);
}

/** The Seen record C answered with (the last message: a server stream sends "first" before it). */
function seen(outcome: Outcome): Seen {
  expect(outcome.error, `the call failed: ${outcome.error?.details}`).to.equal(undefined);
  return JSON.parse(outcome.messages.at(-1)!) as Seen;
}

function metadataWith(entries: Record<string, string>): Metadata {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(entries)) metadata.set(key, value);
  return metadata;
}

describe("propagation A -> B -> C (one process)", () => {
  describe("deadline", () => {
    let chain: Chain;
    before(async () => (chain = await startChain()));
    after(() => chain.close());

    for (const kind of kinds) {
      it(`${kind}: the client's deadline at A arrives at C as a deadline no later than A's`, async () => {
        const startedAt = Date.now();
        const deadline = startedAt + 4000;
        const arrived = seen(await start(chain.client, kind, "seen", { deadline }).outcome);
        expect(arrived.deadline, "C has a deadline").to.be.a("number");
        expect(arrived.deadline).to.be.at.most(latestAllowed(deadline, startedAt, arrived));
        expect(arrived.deadline).to.be.above(Date.now());
      });
    }

    it("without a deadline at A, C has none", async () => {
      expect(seen(await start(chain.client, "unary", "seen").outcome).deadline).to.equal(null);
    });
  });

  describe("deadline: the earlier of the caller's own and the server call's", () => {
    let chain: Chain;
    before(async () => (chain = await startChain({ b: { deadlineMs: 1000 } })));
    after(() => chain.close());

    it("B's own deadline is earlier than A's: C gets B's", async () => {
      const before = Date.now();
      const arrived = seen(await start(chain.client, "unary", "seen", { deadline: Date.now() + 8000 }).outcome);
      expect(arrived.deadline)
        .to.be.at.most(Date.now() + 1000)
        .and.at.least(before + 900);
    });

    it("A's deadline is earlier than B's own: C gets A's", async () => {
      const startedAt = Date.now();
      const deadline = startedAt + 500;
      const arrived = seen(await start(chain.client, "unary", "seen", { deadline }).outcome);
      expect(arrived.deadline).to.be.at.most(latestAllowed(deadline, startedAt, arrived));
    });
  });

  describe("cancellation", () => {
    let chain: Chain;
    let leaf: Leaf;
    before(async () => {
      chain = await startChain();
      leaf = chain.c!;
    });
    after(() => chain.close());

    for (const kind of kinds) {
      it(`${kind}: a client cancel at A cancels the B and C calls in flight within 100 ms`, async () => {
        const key = `cancel-${kind}`;
        chain.a.records.length = 0;
        chain.b.records.length = 0;
        // A deadline far away, so only the cancel can end the calls in time.
        const call = start(chain.client, kind, `hang:${key}`, { deadline: Date.now() + 8000 });
        await eventually(() => leaf.started.has(key), "C is handling the call");
        const cancelledAt = Date.now();
        call.cancel();
        expect((await call.outcome).error?.code).to.equal(status.CANCELLED);
        await eventually(() => leaf.ended.has(key), "C's call ended", 2000);
        await eventually(() => chain.b.records[0]?.abortedAt !== undefined, "B's call was cancelled", 2000);
        const ended = leaf.ended.get(key)!;
        expect(ended.code).to.equal("CANCELLED");
        expect(ended.at - cancelledAt, "C's call cancelled within 100 ms").to.be.below(100);
        expect(chain.b.records[0]!.abortedAt! - cancelledAt, "B's call cancelled within 100 ms").to.be.below(100);
        // The clients inside A and B saw their calls fail with CANCELLED.
        await eventually(() => chain.b.records[0]?.downstreamCode !== undefined, "B's client saw the failure");
        expect(chain.a.records[0]!.downstreamCode).to.equal(status.CANCELLED);
        expect(chain.b.records[0]!.downstreamCode).to.equal(status.CANCELLED);
      });
    }
  });

  describe("the server call's deadline passing cancels the calls it started", () => {
    let chain: Chain;
    before(async () => (chain = await startChain({ propagateToLeaf: { deadline: false } })));
    after(() => chain.close());

    for (const kind of kinds) {
      it(`${kind}: C (without the deadline) is cancelled when B's deadline passes; B's client sees B's reason`, async () => {
        const key = `deadline-${kind}`;
        chain.b.records.length = 0;
        const call = start(chain.client, kind, `hang:${key}`, { deadline: Date.now() + 400 });
        expect((await call.outcome).error?.code).to.equal(status.DEADLINE_EXCEEDED);
        await eventually(() => chain.c!.ended.has(key), "C's call ended", 2000);
        expect(chain.c!.ended.get(key)!.code, "C had no deadline: it was cancelled").to.equal("CANCELLED");
        await eventually(() => chain.b.records[0]?.downstreamCode !== undefined, "B's client saw the failure");
        // B's call ends by its own deadline timer or by A's cancel when A's passes, whichever reaches it
        // first (grpc-timeout is relative, so B's deadline is a little later than A's): B's client sees
        // the same reason as B's call.
        const { abortCode, downstreamCode } = chain.b.records[0]!;
        expect(abortCode).to.be.oneOf([status.DEADLINE_EXCEEDED, status.CANCELLED]);
        expect(downstreamCode, "B's client sees its server call's reason").to.equal(abortCode);
      });
    }
  });

  describe("metadata", () => {
    let chain: Chain;
    before(async () => (chain = await startChain()));
    after(() => chain.close());

    for (const kind of kinds) {
      it(`${kind}: the chosen keys arrive at C; the others do not`, async () => {
        const metadata = metadataWith({ "x-request-id": `req-${kind}`, "x-other": "not chosen" });
        const arrived = seen(
          await start(chain.client, kind, "seen", { metadata, deadline: Date.now() + 4000 }).outcome,
        );
        expect(arrived.requestId).to.deep.equal([`req-${kind}`]);
        expect(arrived.other).to.deep.equal([]);
      });
    }

    it("a key the caller set itself is kept", async () => {
      const own = await startChain({ b: { requestId: "b's own" } });
      try {
        const metadata = metadataWith({ "x-request-id": "from the client" });
        const arrived = seen(
          await start(own.client, "unary", "seen", { metadata, deadline: Date.now() + 4000 }).outcome,
        );
        expect(arrived.requestId).to.deep.equal(["b's own"]);
      } finally {
        await own.close();
      }
    });
  });

  describe("outside a server call", () => {
    let chain: Chain;
    before(async () => (chain = await startChain()));
    after(() => chain.close());

    it("Propagate changes nothing: no deadline, no metadata added, not cancelled", async () => {
      const direct = clientOf(chain.leafAddress, { metadata: ["x-request-id", "x-caller"] });
      try {
        const plain = seen(await start(direct, "unary", "seen").outcome);
        expect({ ...plain, at: 0 }).to.deep.equal({ deadline: null, at: 0, requestId: [], caller: [], other: [] });
        const startedAt = Date.now();
        const deadline = startedAt + 3000;
        const metadata = metadataWith({ "x-caller": "test", "x-request-id": "own" });
        const own = seen(await start(direct, "server streaming", "seen", { deadline, metadata }).outcome);
        expect(own.caller).to.deep.equal(["test"]);
        expect(own.requestId).to.deep.equal(["own"]);
        expect(own.deadline)
          .to.be.at.most(latestAllowed(deadline, startedAt, own))
          .and.at.least(deadline);
      } finally {
        direct.close();
      }
    });

    it("Propagate's options are checked", () => {
      expect(() => new Propagate({ metadata: ["X-Request-Id"] })).to.throw(TypeError, /"X-Request-Id"/);
      expect(() => new Propagate({ metadata: ["grpc-timeout"] })).to.throw(TypeError, /grpc-/);
      expect(() => new Propagate({ metadata: "x-request-id" as unknown as string[] })).to.throw(TypeError, /array/);
    });
  });
});

describe("propagation to a response stream its caller is not reading", () => {
  it("the downstream call is cancelled at once; the caller's stream fails with CANCELLED without another read", async () => {
    const leaf = new Leaf();
    const servedLeaf = await serve(leaf);
    const toLeaf = clientOf(servedLeaf.address);
    let downstream: { error?: ServiceError; firstMessage?: string } = {};
    const front = await serve({
      async execute(_request: unknown, context: ServerCallContext) {
        const stream = toLeaf.executeServerStream({ input: "hang:unread" });
        const failed = new Promise<ServiceError>((resolve) => stream.once("error", resolve));
        downstream.firstMessage = await new Promise<string>((resolve) =>
          stream.once("data", (response: DummyResponse) => {
            stream.pause(); // no further reads from here on
            resolve(response.output);
          }),
        );
        await new Promise((resolve) => context.signal.addEventListener("abort", resolve, { once: true }));
        downstream.error = await failed;
        return { output: "never sent" };
      },
    });
    const client = clientOf(front.address, false);
    try {
      const call = start(client, "unary", "x", { deadline: Date.now() + 8000 });
      await eventually(() => leaf.started.has("unread"), "C is handling the call");
      const cancelledAt = Date.now();
      call.cancel();
      await eventually(() => leaf.ended.has("unread"), "C's call ended", 2000);
      expect(leaf.ended.get("unread")!.at - cancelledAt).to.be.below(100);
      await eventually(() => downstream.error !== undefined, "the paused stream failed", 2000);
      expect(downstream).to.deep.include({ firstMessage: "first" });
      expect(downstream.error!.code).to.equal(status.CANCELLED);
    } finally {
      client.close();
      toLeaf.close();
      await Promise.all([front.close(), servedLeaf.close()]);
      downstream = {};
    }
  });
});
