import { expect } from "chai";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { setImmediate as tick, setTimeout as delay } from "node:timers/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { currentCall, type ServerCallContext } from "grpc-interceptor";
import { soon } from "../support/calls.js";
import { start } from "./support/calls.js";
import { clientOf, serve } from "./support/chain.js";
import { Leaf } from "./support/Leaf.js";

/** V8's gc(), which mocha's process does not expose: turned on here, taken from a fresh context. */
function exposedGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing !== undefined) return existing;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

describe("CallScope retains nothing after a call", () => {
  it("a long-lived timer and a pooled connection made inside calls keep none of their contexts", async () => {
    const gc = exposedGc();
    const contexts: Array<WeakRef<ServerCallContext>> = [];
    const leaf = await serve(new Leaf());
    // Its connection is opened by the first call below, inside that call's scope, and stays open.
    const toLeaf = clientOf(leaf.address);
    let timer: NodeJS.Timeout | undefined;
    const seenByTimer: boolean[] = []; // whether the timer was in a call's scope (never the context itself)
    const callLeaf = () => start(toLeaf, "unary", "ping", soon()).outcome;
    const servicer = {
      async execute(_request: unknown, context: ServerCallContext) {
        contexts.push(new WeakRef(context));
        timer ??= setInterval(() => seenByTimer.push(currentCall() !== undefined), 2); // created inside the first call
        expect((await callLeaf()).messages).to.deep.equal(["ping"]);
        return { output: "ok" };
      },
      async *executeServerStream(_request: unknown, context: ServerCallContext) {
        contexts.push(new WeakRef(context));
        await callLeaf();
        yield { output: "a" };
        await callLeaf();
        yield { output: "b" };
      },
    };
    const server = await serve(servicer);
    const client = clientOf(server.address, false);
    try {
      for (let i = 0; i < 3; i++) {
        expect((await start(client, "unary", "x", soon()).outcome).messages).to.deep.equal(["ok"]);
        expect((await start(client, "server streaming", "x", soon()).outcome).messages).to.deep.equal(["a", "b"]);
      }
      const ticksBefore = seenByTimer.length;
      await delay(20);
      expect(seenByTimer.length, "the timer kept running").to.be.above(ticksBefore);
      expect(seenByTimer.slice(ticksBefore), "the timer is out of the ended call's scope").to.satisfy(
        (seen: boolean[]) => seen.every((inScope) => !inScope),
      );
      for (let i = 0; i < 4 && contexts.some((ref) => ref.deref() !== undefined); i++) {
        await tick();
        gc();
      }
      expect(contexts).to.have.length(6);
      expect(
        contexts.filter((ref) => ref.deref() !== undefined),
        "contexts still reachable",
      ).to.have.length(0);
    } finally {
      clearInterval(timer);
      client.close();
      toLeaf.close();
      await Promise.all([server.close(), leaf.close()]);
    }
  });
});

describe("a chain without CallScope pays nothing", () => {
  it("no AsyncLocalStorage is created by calls through Propagate and bootstrap without CallScope (child process)", async () => {
    const script = join(__dirname, "support", "withoutScope.js");
    const output = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [script], { timeout: 20_000 }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stdout}\n${stderr}`)) : resolve(stdout),
      ),
    );
    expect(output.trim()).to.equal(
      "calls 4, currentCall undefined, AsyncLocalStorage created 0, then with CallScope 1",
    );
  });
});
