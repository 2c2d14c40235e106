import { expect } from "chai";
import { status } from "@grpc/grpc-js";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { ServerCallContext } from "grpc-interceptor";
import { eventually, sleep } from "../support/calls.js";
import { dropProbe, kinds, newProbe, startCall, startProbeServer, type Probe } from "../support/probeServer.js";
import { handlerStyles } from "../support/styles.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

async function settledHeap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(20);
  }
  return process.memoryUsage().heapUsed;
}

const CALLS_PER_KIND = 60; // per handler style: 480 calls in all, a third of them cancelled, a third past their deadline

describe("Soak: cancelled calls of every kind at random moments", () => {
  it("leave no handler or interceptor running, cancelled/signal agreeing, and the heap near its baseline", async function () {
    this.timeout(60_000);
    const servers = await Promise.all(handlerStyles.map((style) => startProbeServer(style)));
    try {
      const round = async (callsPerKind: number, contexts: WeakRef<ServerCallContext>[]) => {
        const calls: Promise<{ probe: Probe; code: status }>[] = [];
        for (const server of servers) {
          for (const kind of kinds) {
            for (let i = 0; i < callsPerKind; i++) calls.push(oneCall(server.client, kind, i % 3));
          }
        }
        await checkRound(await Promise.all(calls), contexts);
      };
      await round(5, []); // warm-up: JIT, connections, grpc-js's own caches
      const baseline = await settledHeap();
      const contexts: WeakRef<ServerCallContext>[] = [];
      await round(CALLS_PER_KIND, contexts);
      expect(contexts.length).to.be.greaterThan(servers.length * kinds.length * CALLS_PER_KIND * 0.9);
      const after = await settledHeap();
      const alive = contexts.filter((ref) => ref.deref() !== undefined).length;
      expect(alive, "call contexts still reachable after the calls").to.be.at.most(5);
      expect(after - baseline, "heap growth in bytes").to.be.below(8 * 1024 * 1024);
    } finally {
      for (const server of servers) server.close();
    }
  });
});

// One call: 0 = normal, 1 = the client cancels at a random moment, 2 = a short random deadline. The
// server's interceptor and handler sleep a few random milliseconds at each step.
async function oneCall(
  client: Parameters<typeof startCall>[0],
  kind: (typeof kinds)[number],
  behaviour: number,
): Promise<{ probe: Probe; code: status }> {
  const probe: Probe = newProbe("random");
  const deadline = Date.now() + (behaviour === 2 ? 5 + Math.random() * 40 : 5000);
  const call = startCall(client, kind, probe, deadline, behaviour === 0);
  if (behaviour === 1) setTimeout(() => call.cancel(), Math.random() * 40);
  const { code, details } = await call.ended;
  if (behaviour === 0) expect(code, `${kind}: ${details}`).to.equal(status.OK);
  return { probe, code };
}

// Once every call of a round ended on the client: nothing of the server's is still running, and each
// context's views agree (the server may have answered before a cancel reached it).
async function checkRound(results: { probe: Probe; code: status }[], contexts: WeakRef<ServerCallContext>[]) {
  await sleep(50); // a call cancelled at once may reach the server's handler a moment after the client gave up
  await eventually(
    () => results.every(({ probe }) => !probe.handlerRunning && !probe.interceptorRunning),
    "every handler and interceptor finished",
    5000,
  );
  for (const { probe, code } of results) {
    const context = probe.context;
    dropProbe(probe);
    if (!context) continue; // cancelled before the server ran anything
    contexts.push(new WeakRef(context));
    expect(context.signal.aborted, `${context.methodName}: signal and cancelled agree`).to.equal(context.cancelled);
    if (code === status.OK) expect(context.cancelled, `${context.methodName}: completed`).to.equal(false);
  }
}
