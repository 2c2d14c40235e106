import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Metadata, status } from "@grpc/grpc-js";
import { setTimeout as delay } from "node:timers/promises";
import { soon } from "../support/calls.js";
import { start, type Outcome } from "./support/calls.js";
import { clientOf, startChain, type Chain } from "./support/chain.js";
import type { Ended, Seen } from "./support/Leaf.js";

/** Starts C (support/leafServer.js) in a child process and resolves with it and its port. */
async function startChild(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [join(__dirname, "support", "leafServer.js")], {
    stdio: ["pipe", "pipe", "inherit"], // it exits when its stdin closes
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the child C printed no port within 10 s")), 10_000);
    child.once("exit", (code) => reject(new Error(`the child C exited with ${code}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const match = /^PORT (\d+)$/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
  return { child, port };
}

function lastMessage(outcome: Outcome): string {
  expect(outcome.error, `the call failed: ${outcome.error?.details}`).to.equal(undefined);
  return outcome.messages.at(-1)!;
}

describe("propagation A -> B -> C, C in a child process", () => {
  let child: ChildProcess;
  let chain: Chain;
  before(async function () {
    this.timeout(20_000);
    const started = await startChild();
    child = started.child;
    chain = await startChain({ leafAddress: `127.0.0.1:${started.port}` });
  });
  after(async () => {
    await chain?.close();
    if (child && child.exitCode === null) {
      const exited = once(child, "exit");
      child.stdin!.end();
      await exited;
    }
  });

  for (const kind of ["unary", "server streaming"] as const) {
    it(`${kind}: the deadline at A arrives at C no later than A's, with the chosen metadata`, async () => {
      const startedAt = Date.now();
      const deadline = startedAt + 4000;
      const metadata = new Metadata();
      metadata.set("x-request-id", "from-the-client");
      const seen = JSON.parse(
        lastMessage(await start(chain.client, kind, "seen", { deadline, metadata }).outcome),
      ) as Seen;
      expect(seen.deadline).to.be.a("number");
      // grpc-timeout is relative: each hop's deadline moves later by the time the request took to reach it.
      expect(seen.deadline).to.be.at.most(deadline + (seen.at - startedAt));
      expect(seen.requestId).to.deep.equal(["from-the-client"]);
    });
  }

  it("a client cancel at A cancels C's call in the child process within 100 ms", async () => {
    const direct = clientOf(chain.leafAddress, false);
    const recorded = async (): Promise<Ended | string> =>
      JSON.parse(lastMessage(await start(direct, "unary", "status:child-cancel", soon()).outcome)) as Ended | string;
    try {
      const call = start(chain.client, "unary", "hang:child-cancel", { deadline: Date.now() + 8000 });
      let state = await recorded();
      for (let i = 0; i < 300 && state !== "started"; i++) state = await delay(10).then(recorded);
      expect(state, "C is handling the call").to.equal("started");
      const cancelledAt = Date.now();
      call.cancel();
      expect((await call.outcome).error?.code).to.equal(status.CANCELLED);
      for (let i = 0; i < 300 && typeof state === "string"; i++) state = await delay(10).then(recorded);
      expect(state).to.have.property("code", "CANCELLED");
      expect((state as Ended).at - cancelledAt).to.be.below(100);
    } finally {
      direct.close();
    }
  });
});
