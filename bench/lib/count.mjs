// The instruction-count mode: `npm run bench -- --count`. Every repeat of a figure is one process under
// callgrind, instrumented for its counted window only: the window's instructions divided by its calls
// (see bench/README.md, "Counting").
import { execFileSync, fork } from "node:child_process";
import os from "node:os";
import { URL } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { childRpc, median, status } from "./common.mjs";
import { COUNT_SETUPS, SERVER_SETUPS } from "./servers.mjs";
import { spawnCounted } from "./valgrind.mjs";

/** What `--count --only` accepts. */
export const COUNT_SCENARIOS = ["unary", "error", "stream", "client", "chain", "genStream", "bootstrap", "inflight"];

/**
 * Window sizes. A unary call costs ~0.25 M instructions on the server: a counted call takes ~7 ms of a
 * free core under callgrind, an uncounted one ~0.5 ms. Streams are of 1,000 messages; their sizes count
 * streams. Every repeat is its own process, so its window covers the same calls as the others'.
 */
export const COUNT_SIZES = {
  full: {
    repeats: 3,
    unary: { warmup: 5000, window: 1000 },
    stream: { warmup: 8, window: 4 },
  },
  quick: {
    repeats: 3,
    unary: { warmup: 5000, window: 500 },
    stream: { warmup: 8, window: 2 },
  },
};
const STREAM_MESSAGES = 1000;

const MAIN = ["raw", "rawAsync", "native3", "ours", "oursDecorated", "oursGrpcJs", "nice", "nest"];
/** The count-only setups that declare `kinds`: (c) plus one feature, in every kind they list. */
const features = (kind) => COUNT_SETUPS.filter((setup) => setup.kinds?.includes(kind)).map((setup) => setup.id);
/** Which setups each measured kind runs, in report order; "@baseline" is (c) from `--baseline <dir>`. */
const KIND_SETUPS = {
  unary: [...MAIN, ...features("unary"), "ours@baseline"],
  error: [...MAIN, ...features("error"), "ours@baseline"],
  stream: [...MAIN, ...features("stream"), "ours@baseline"],
  client: ["plain", "native3", "ours3", "nice3"],
};
/** Report order of every row id. */
export const ROW_ORDER = [
  ...MAIN,
  ...COUNT_SETUPS.filter((setup) => setup.kinds).map((setup) => setup.id),
  "ours@baseline",
  ...COUNT_SETUPS.filter((setup) => !setup.kinds).map((setup) => setup.id),
  ...KIND_SETUPS.client,
];
/** The scaling scenarios reuse measured kinds: the unary chain of 0/1/3/10, the stream of 0/1/3 `async *`. */
export const CHAIN_SETUPS = [
  { count: 0, id: "chain0" },
  { count: 1, id: "chain1" },
  { count: 3, id: "ours" },
  { count: 10, id: "chain10" },
];
export const GEN_SETUPS = [
  { count: 0, id: "chain0" },
  { count: 1, id: "gen1" },
  { count: 3, id: "gen3" },
];

export const CLIENT_LABELS = {
  plain: "plain grpc-js client",
  native3: "3 native grpc-js client interceptors",
  ours3: "3 of our ClientInterceptors",
  nice3: "nice-grpc client + 3 middleware",
};

const log = (...parts) => console.error(...parts);

function labelOf(setupId, baselineCommit) {
  if (setupId === "ours@baseline") return `(c) ours at ${baselineCommit ?? "the --baseline build"}`;
  if (CLIENT_LABELS[setupId]) return CLIENT_LABELS[setupId];
  const setup = [...SERVER_SETUPS, ...COUNT_SETUPS].find((each) => each.id === setupId);
  if (!setup) throw new Error(`unknown setup ${setupId}`);
  return setup.label;
}

const isOurs = (setupId) =>
  setupId === "ours3" || Boolean([...SERVER_SETUPS, ...COUNT_SETUPS].find((each) => each.id === setupId)?.ours);

/**
 * The (kind, setup) pairs the chosen scenarios need, without duplicates: "chain" needs (c) and (a2) of
 * the unary kind, which the unary scenario measures anyway.
 */
export function plan({ only, setups, baseline }) {
  const wanted = new Map();
  const add = (kind, setupId) => {
    if (setupId === "ours@baseline" && !baseline) return;
    if (setups && !setups.has(setupId) && !setups.has(setupId.replace("@baseline", ""))) return;
    wanted.set(`${kind}:${setupId}`, { kind, setupId });
  };
  for (const kind of ["unary", "error", "stream", "client"]) {
    if (only.includes(kind)) for (const setupId of KIND_SETUPS[kind]) add(kind, setupId);
  }
  if (only.includes("chain"))
    for (const setupId of ["raw", "rawAsync", ...CHAIN_SETUPS.map((each) => each.id)]) add("unary", setupId);
  if (only.includes("genStream"))
    for (const setupId of ["raw", "rawAsync", ...GEN_SETUPS.map((each) => each.id)]) add("stream", setupId);
  return [...wanted.values()];
}

// ---- one counted run ------------------------------------------------------------------------------

function forkPlain(script, argv, execArgv = []) {
  const child = fork(new URL(script, import.meta.url), argv, {
    execArgv,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const call = childRpc(child, 30 * 60 * 1000);
  const first = new Promise((resolve, reject) => {
    child.once("message", resolve);
    child.once("exit", (code) => reject(new Error(`${script} exited with code ${code}`)));
  });
  return { child, call, first };
}

/** The load of a `kind` window; `deadlineMs`: the client sends that deadline with each call (a setup's `clientDeadlineMs`). */
function loadFor(kind, calls, deadlineMs) {
  if (kind === "stream") {
    return { type: "stream", calls, concurrency: 4, input: String(STREAM_MESSAGES), expectedMessages: STREAM_MESSAGES };
  }
  const failing = kind === "error";
  return {
    type: "unary",
    calls,
    concurrency: 32,
    input: failing ? "fail" : "bench-0123456789",
    expectedCode: failing ? status.NOT_FOUND : status.OK,
    deadlineMs,
  };
}

/**
 * One process under callgrind, instrumentation off: start, warm-up, then one counted window (the
 * instrumentation on for the window only), exit. No forced GC: a forced full GC makes the next ~2,500
 * calls cost 1.5–5× the steady state while V8 recompiles (bench/README.md). The server is counted for the
 * server kinds (the load client is plain node); the client for "client", against a plain-node raw server
 * started by the caller (`rawPort`). Resolves with the window's instructions, or `{ unavailable }`.
 */
async function countedRun({ kind, setupId, size, rawPort, env }) {
  const clientKind = kind === "client";
  const setupArg = setupId.replace("@baseline", "");
  const counted = clientKind
    ? spawnCounted("./client.mjs", [setupArg], env)
    : spawnCounted("./server.mjs", [setupArg, kind], env);
  let driver;
  try {
    const hello = await counted.first;
    if (!clientKind && hello.type !== "ready") {
      counted.child.kill();
      await counted.exited.catch(() => {});
      return { unavailable: hello.type === "unavailable" ? hello.reason : `failed: ${hello.reason}` };
    }
    let client;
    if (clientKind) {
      client = counted.call;
      const connected = await client({ type: "connect", key: "k", port: rawPort });
      if (connected.unavailable) {
        await counted.call({ type: "exit" });
        await counted.exited.catch(() => {});
        return { unavailable: connected.unavailable };
      }
    } else {
      driver = forkPlain("./client.mjs", ["plain"]);
      await driver.first;
      client = driver.call;
      await client({ type: "connect", key: "k", port: hello.port });
    }
    const { clientDeadlineMs } = COUNT_SETUPS.find((setup) => setup.id === setupArg) ?? {};
    const run = (calls) => client({ ...loadFor(kind, calls, clientDeadlineMs), key: "k" });
    const warm = await run(size.warmup);
    const { instructions, result } = await counted.window(() => run(size.window));
    await counted.call({ type: "exit" });
    await counted.exited;
    return { instructions, invalid: warm.invalid + result.invalid };
  } finally {
    if (driver) await driver.call({ type: "exit" }).catch(() => {});
    if (counted.child.exitCode === null) counted.child.kill();
  }
}

// ---- the whole count ------------------------------------------------------------------------------

/** Runs `tasks` (functions returning promises) with at most `parallel` at once. */
async function pool(tasks, parallel) {
  const results = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, tasks.length) }, worker));
  return results;
}

/**
 * Counts every (kind, setup) of `pairs` in `repeats` independent processes; returns one row per pair
 * with the per-unit figure of every repeat, the median and the spread.
 */
export async function countPairs(pairs, { sizes, repeats, parallel, baselineCommit, baselineEnv }) {
  let rawServer;
  if (pairs.some((pair) => pair.kind === "client")) {
    rawServer = forkPlain("./server.mjs", ["raw", "client"]);
    const hello = await rawServer.first;
    rawServer.port = hello.port;
  }
  const started = Date.now();
  const runs = new Map(pairs.map((pair) => [`${pair.kind}:${pair.setupId}`, []]));
  const tasks = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const pair of pairs) {
      const key = `${pair.kind}:${pair.setupId}`;
      const size = pair.kind === "stream" ? sizes.stream : sizes.unary;
      tasks.push(async () => {
        const runStarted = Date.now();
        const result = await countedRun({
          kind: pair.kind,
          setupId: pair.setupId,
          size,
          rawPort: rawServer?.port,
          env: pair.setupId.endsWith("@baseline") ? baselineEnv : undefined,
        });
        const perUnit = result.instructions / (size.window * (pair.kind === "stream" ? STREAM_MESSAGES : 1));
        runs.get(key).push({ ...result, perUnit });
        const done = [...runs.values()].reduce((sum, each) => sum + each.length, 0);
        log(
          `  ${key} repeat ${repeat + 1}: ${result.unavailable ?? `${Math.round(perUnit).toLocaleString("en-US")} per ${pair.kind === "stream" ? "message" : "call"}`}` +
            ` (${Math.round((Date.now() - runStarted) / 1000)} s; ${done}/${tasks.length}, ${Math.round((Date.now() - started) / 60000)} min)`,
        );
      });
    }
  }
  await pool(tasks, parallel);
  if (rawServer) await rawServer.call({ type: "exit" }).catch(() => {});

  return pairs.map(({ kind, setupId }) => {
    const own = runs.get(`${kind}:${setupId}`);
    const row = { kind, id: setupId, label: labelOf(setupId, baselineCommit), ours: isOurs(setupId) };
    const unavailable = own.find((run) => run.unavailable)?.unavailable;
    if (unavailable) return { ...row, unavailable };
    const perUnit = own.map((run) => run.perUnit);
    const middle = median(perUnit);
    return {
      ...row,
      perUnit: perUnit.map(Math.round),
      median: Math.round(middle),
      spread: (Math.max(...perUnit) - Math.min(...perUnit)) / middle,
      windows: own.map((run) => run.instructions),
      invalid: own.reduce((sum, run) => sum + (run.invalid ?? 0), 0),
      unit: kind === "stream" ? "message" : "call",
      size: kind === "stream" ? sizes.stream : sizes.unary,
    };
  });
}

// ---- scaling without valgrind: bootstrap time and in-flight memory ------------------------------

/** `bootstrap` time for services of 10, 100 and 1,000 methods: the median of `rounds` fresh processes. */
export function bootstrapScaling(rounds) {
  return [10, 100, 1000].map((methods) => {
    const runs = [];
    for (let round = 0; round < rounds; round++) {
      const output = execFileSync(
        process.execPath,
        [new URL("./bootstrapTime.mjs", import.meta.url).pathname, String(methods)],
        { encoding: "utf8" },
      );
      runs.push(JSON.parse(output.trim().split("\n").pop()));
    }
    const pick = (key) => median(runs.map((run) => run[key]));
    log(`  bootstrap, ${methods} methods: ${pick("bootstrapMs").toFixed(2)} ms`);
    return {
      methods,
      decorateMs: pick("decorateMs"),
      bootstrapMs: pick("bootstrapMs"),
      addServiceMs: pick("addServiceMs"),
      secondBootstrapMs: pick("secondBootstrapMs"),
      runs,
    };
  });
}

export const INFLIGHT_SETUPS = ["raw", "rawAsync", "ours", "oursDecorated", "nice", "nest"];

/**
 * Server memory per in-flight call: the handlers hold `calls` unary calls open; heap (and external)
 * memory after a forced GC with them held, minus the same with none, divided by `calls`.
 */
export async function inflightScaling(setupIds, repeats) {
  const rows = [];
  for (const setupId of setupIds) {
    const server = forkPlain("./server.mjs", [setupId, "inflight"], ["--expose-gc"]);
    const hello = await server.first;
    const label = labelOf(setupId);
    if (hello.type !== "ready") {
      rows.push({ id: setupId, label, unavailable: hello.reason });
      server.child.kill();
      continue;
    }
    const client = forkPlain("./client.mjs", ["plain"]);
    await client.first;
    await client.call({ type: "connect", key: "k", port: hello.port });
    await client.call({ ...loadFor("unary", 2000), key: "k" }); // warm-up
    const byCalls = [];
    await server.call({ type: "memory" }); // the first forced GC after the warm-up still settles the heap
    for (const calls of [1, 100, 1000]) {
      const samples = [];
      // One call moves the heap less than a forced GC's own variation: more repeats for the median.
      for (let repeat = 0; repeat < (calls === 1 ? 3 * repeats : repeats); repeat++) {
        const before = await server.call({ type: "memory" });
        await client.call({ type: "holdStart", calls, key: "k" });
        for (let waited = 0; (await server.call({ type: "held" })) < calls; waited++) {
          if (waited > 600) throw new Error(`${setupId}: ${calls} calls never all reached the handler`);
          await sleep(50);
        }
        const during = await server.call({ type: "memory" });
        await server.call({ type: "release" });
        const { invalid } = await client.call({ type: "holdEnd", key: "k" });
        samples.push({
          heapPerCall: (during.heapUsed - before.heapUsed) / calls,
          externalPerCall: (during.external - before.external) / calls,
          rssPerCall: (during.rss - before.rss) / calls,
          invalid,
        });
      }
      const pick = (key) => median(samples.map((sample) => sample[key]));
      byCalls.push({
        calls,
        heapPerCall: pick("heapPerCall"),
        externalPerCall: pick("externalPerCall"),
        rssPerCall: pick("rssPerCall"),
        heapSamples: samples.map((sample) => Math.round(sample.heapPerCall)),
        invalid: samples.reduce((sum, sample) => sum + sample.invalid, 0),
      });
    }
    log(
      `  in flight, ${label}: ${byCalls.map((each) => `${each.calls}: ${Math.round(each.heapPerCall)} B`).join(", ")}`,
    );
    rows.push({ id: setupId, label, ours: isOurs(setupId), byCalls });
    await Promise.all([client.call({ type: "exit" }).catch(() => {}), server.call({ type: "exit" }).catch(() => {})]);
  }
  return rows;
}

/** Machine facts for the results file. */
export function machine() {
  return {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
  };
}
