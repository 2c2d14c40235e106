// A server process: `node server.mjs <setup> <scenario>`. Starts the setup, tells the parent its port,
// then measures its own CPU and memory between the parent's "mark" and "measure" requests.
import { clearInterval, setImmediate, setInterval } from "node:timers";
import { cpuMicros, serveParent } from "./common.mjs";
import { COUNT_SETUPS, heldCalls, releaseHeld, SERVER_SETUPS, Unavailable } from "./servers.mjs";

const [setupId, scenario] = process.argv.slice(2);
const setup = [...SERVER_SETUPS, ...COUNT_SETUPS].find((each) => each.id === setupId);

let marked = { cpu: 0, time: 0n };
let peak = { sampler: undefined, rss: 0 };

function memory() {
  globalThis.gc?.();
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, heapTotal, external, arrayBuffers };
}

serveParent(async (request) => {
  switch (request.type) {
    case "mark":
      marked = { cpu: cpuMicros(), time: process.hrtime.bigint() };
      return null;
    case "measure":
      return { cpuMicros: cpuMicros() - marked.cpu, wallMicros: Number(process.hrtime.bigint() - marked.time) / 1e3 };
    case "memory":
      return memory();
    case "held": // in-flight memory: calls held open by the handlers right now
      return heldCalls();
    case "release":
      return releaseHeld();
    case "peakStart": {
      const baseline = memory().rss;
      peak = {
        rss: baseline,
        sampler: setInterval(() => (peak.rss = Math.max(peak.rss, process.memoryUsage.rss())), 5),
      };
      return { baseline };
    }
    case "peakStop":
      clearInterval(peak.sampler);
      peak.rss = Math.max(peak.rss, process.memoryUsage.rss());
      return { peak: peak.rss };
    case "exit":
      setImmediate(() => process.exit(0));
      return null;
    default:
      throw new Error(`unknown request ${request.type}`);
  }
});

try {
  if (!setup) throw new Error(`unknown server setup ${setupId}`);
  const { port } = await setup.start(scenario);
  process.send({ type: "ready", port });
} catch (error) {
  process.send(
    error instanceof Unavailable
      ? { type: "unavailable", reason: error.message }
      : { type: "failed", reason: String(error?.stack ?? error) },
  );
}
