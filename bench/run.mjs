// The benchmark harness of grpc-interceptor: `npm run bench [-- --quick] [-- --only unary,stream]`.
// Servers and load clients run in separate processes; see README.md for what each scenario measures.
import { fork } from "node:child_process";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { URL } from "node:url";
import { parseArgs } from "node:util";
import { childRpc, median, status } from "./lib/common.mjs";
import { writeReport } from "./lib/report.mjs";
import { SERVER_SETUPS } from "./lib/servers.mjs";
import { installPeers, stageLibrary, versionOf } from "./lib/stage.mjs";

const SCENARIOS = ["unary", "error", "stream", "client", "memory", "bootstrap"];
const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    setups: { type: "string" },
    rounds: { type: "string" },
    calls: { type: "string" },
    library: { type: "string" },
    profile: { type: "boolean", default: false },
    unpinned: { type: "boolean", default: false },
    render: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
    // --count: the instruction-count mode (bench/lib/countMode.mjs)
    count: { type: "boolean", default: false },
    repeats: { type: "string" },
    parallel: { type: "string" },
    warmup: { type: "string" },
    window: { type: "string" },
    baseline: { type: "string" },
    merge: { type: "boolean", default: false },
    check: { type: "string" },
    out: { type: "string" },
  },
});
if (args.help) {
  console.log(`usage: npm run bench -- [--quick] [--only ${SCENARIOS.join(",")}] [--setups raw,ours,…]
                 [--rounds N] [--calls N]
  --quick    fewer calls and rounds, for development (numbers are rougher)
  --only     run a subset of the scenarios
  --setups   run a subset of the server setups (${SERVER_SETUPS.map((setup) => setup.id).join(", ")}); raw is always kept
  --rounds   alternating rounds per scenario (default 5, quick 3)
  --calls    measured unary calls per setup and round (default 10000, quick 3000)
  --library  benchmark the build in another checkout (a directory with package.json and dist/)
  --unpinned do not pin the processes to CPUs (by default servers get the last CPU, clients and
             this orchestrator the first, so the measured process never waits for its load)
  --profile  write a V8 CPU profile of every server process to bench/results/profiles/
             (summarise one with: node bench/lib/profileTop.mjs <file>)
  --render   only rewrite results.md and chart.svg from bench/results/results.json

usage: npm run bench -- --count [--quick] [--only unary,error,stream,client,chain,genStream,bootstrap,inflight]
                 [--setups raw,rawAsync,ours,…] [--repeats N] [--parallel N] [--warmup N] [--window N]
                 [--baseline <checkout>] [--merge] [--check <ratio>|unary=<ratio>,error=<ratio>] [--out <dir>] [--render]
  --count    instructions instead of CPU time: the measured process under valgrind's callgrind,
             uninstrumented but for the counted window; one process per repeat (default 3)
  --parallel counted processes at a time (default 2; counts do not depend on the machine's load)
  --warmup, --window  unary and client sizes: uncounted warm-up calls, then counted calls
             (streams keep theirs)
  --baseline also count (c) from another checkout's build, e.g. the commit before a change
  --merge    keep the rows of bench/results/counts.json this run does not measure
  --check    exit 1 unless every one of ours is at most this × (a2), unary and error path
             (one ratio for both, or unary=<ratio>,error=<ratio>): the CI check, npm run bench:check
  --out      write counts.md/json and the chart to this directory instead of bench/results
  --render   (with --count) only rewrite counts.md and interceptor-cost.svg from counts.json`);
  process.exit(0);
}
if (args.count) {
  const { runCountMode } = await import("./lib/countMode.mjs");
  process.exit(await runCountMode(args));
}
if (args.render) {
  const saved = JSON.parse(readFileSync(new URL("./results/results.json", import.meta.url), "utf8"));
  console.log(writeReport(saved));
  process.exit(0);
}

const quick = args.quick;
const only = args.only ? args.only.split(",").map((name) => name.trim()) : SCENARIOS;
for (const name of only) if (!SCENARIOS.includes(name)) throw new Error(`--only: unknown scenario ${name}`);
const wanted = args.setups ? new Set(["raw", ...args.setups.split(",").map((id) => id.trim())]) : undefined;
const serverSetups = SERVER_SETUPS.filter((setup) => !wanted || wanted.has(setup.id));

const config = {
  rounds: Number(args.rounds ?? (quick ? 3 : 5)),
  unaryCalls: Number(args.calls ?? (quick ? 3000 : 10000)),
  warmupCalls: quick ? 3000 : 10000,
  concurrency: 32,
  streamCalls: quick ? 40 : 200, // 200 × 1,000 messages: a window of about 2 s; 0.5-s windows were twice as noisy
  streamMessages: 1000,
  streamConcurrency: 4,
  mixedCalls: quick ? 40000 : 200000,
  mixedWarmup: quick ? 10000 : 20000,
  bigStreamBytes: (quick ? 20 : 100) * 1024 * 1024,
  bigMessageBytes: 64 * 1024,
  bootstrapMethods: 200,
};

const log = (...parts) => console.error(...parts);

// ---- child processes ------------------------------------------------------------------------------

const children = new Set();
process.on("exit", () => {
  for (const child of children) child.kill();
});

// Servers on the last CPU, load clients and this orchestrator on the first: the measured process has a
// core of its own instead of competing with its load for one.
const cpuCount = os.cpus().length;
const pinning = !args.unpinned && cpuCount >= 2 && hasTaskset();
const CPU_OF = { server: cpuCount - 1, client: 0 };

function hasTaskset() {
  try {
    execFileSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Pins every thread of process `pid` (and the threads it starts later) to one CPU. */
function pin(pid, cpu) {
  if (pinning) execFileSync("taskset", ["-a", "-p", "-c", String(cpu), String(pid)], { stdio: "ignore" });
}

function spawnChild(script, argv, execArgv = [], role = "client") {
  const child = fork(new URL(script, import.meta.url), argv, {
    execArgv,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  pin(child.pid, CPU_OF[role]);
  children.add(child);
  child.on("exit", () => children.delete(child));
  const call = childRpc(child);
  const first = new Promise((resolve, reject) => {
    child.once("message", resolve);
    child.once("exit", (code) => reject(new Error(`${script} ${argv.join(" ")} exited with code ${code}`)));
  });
  return { child, call, first };
}

const profileDir = path.join(path.dirname(new URL(import.meta.url).pathname), "results", "profiles");

async function startServer(setup, scenario, execArgv = []) {
  const profiling = args.profile
    ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${scenario}-${setup.id}.cpuprofile`]
    : [];
  const { child, call, first } = spawnChild(
    "./lib/server.mjs",
    [setup.id, scenario],
    [...execArgv, ...profiling],
    "server",
  );
  const hello = await first;
  if (hello.type !== "ready") {
    child.kill();
    return { setup, unavailable: hello.type === "unavailable" ? hello.reason : `failed: ${hello.reason}` };
  }
  return { setup, port: hello.port, call, stop: () => call({ type: "exit" }).catch(() => {}) };
}

async function startClient(clientSetup = "plain") {
  const { call, first } = spawnChild("./lib/client.mjs", [clientSetup]);
  await first;
  return { call, stop: () => call({ type: "exit" }).catch(() => {}) };
}

/** Round-robin order for round `round`: every setup once, the starting one rotating. */
function roundOrder(items, round) {
  return items.map((_, index) => items[(index + round) % items.length]);
}

// ---- server-side CPU scenarios (unary, error, stream) ---------------------------------------------

async function serverCpuScenario(name, load, perUnit) {
  log(`\n== ${name}`);
  const client = await startClient();
  const servers = [];
  for (const setup of serverSetups) {
    const server = await startServer(setup, name);
    if (server.unavailable) {
      log(`  ${setup.label}: ${server.unavailable}`);
    } else {
      await client.call({ type: "connect", key: setup.id, port: server.port });
      await client.call({ ...load(config.warmupCalls), key: setup.id }); // warm-up, not measured
    }
    servers.push(server);
  }
  const running = servers.filter((server) => !server.unavailable);
  const samples = new Map(servers.map((server) => [server.setup.id, []]));
  for (let round = 0; round < config.rounds; round++) {
    for (const server of roundOrder(running, round)) {
      const key = server.setup.id;
      await client.call({ ...load(Math.ceil(config.unaryCalls / 10)), key }); // re-warm after the switch
      await server.call({ type: "mark" });
      const result = await client.call({ ...load(config.unaryCalls), key });
      const measured = await server.call({ type: "measure" });
      const units = perUnit(result);
      samples.get(key).push({
        cpu: measured.cpuMicros / units,
        rate: (units / result.wallMicros) * 1e6,
        invalid: result.invalid,
      });
    }
    log(`  round ${round + 1}/${config.rounds} done`);
  }
  await Promise.all([...running.map((server) => server.stop()), client.stop()]);
  return summarize(servers, samples);
}

function summarize(servers, samples, baselineId = "raw") {
  const rawSamples = samples.get(baselineId) ?? [];
  return servers.map(({ setup, unavailable }) => {
    if (unavailable) return { id: setup.id, label: setup.label, unavailable };
    const own = samples.get(setup.id);
    const ratios = own.map((sample, round) => sample.cpu / rawSamples[round]?.cpu);
    return {
      id: setup.id,
      label: setup.label,
      ours: Boolean(setup.ours),
      cpu: median(own.map((sample) => sample.cpu)),
      ratio: median(ratios),
      rate: median(own.map((sample) => sample.rate)),
      samples: own.map((sample) => Number(sample.cpu.toFixed(2))),
      invalid: own.reduce((sum, sample) => sum + sample.invalid, 0),
    };
  });
}

const unaryLoad = (calls) => ({
  type: "unary",
  calls,
  concurrency: config.concurrency,
  input: "bench-0123456789",
  expectedCode: status.OK,
});
const errorLoad = (calls) => ({
  type: "unary",
  calls,
  concurrency: config.concurrency,
  input: "fail",
  expectedCode: status.NOT_FOUND,
});
// A stream "call" count scales with --calls: 20000 unary calls ~ 100 streams of 1000 messages.
const streamLoad = (unaryCalls) => ({
  type: "stream",
  calls: Math.max(4, Math.round((unaryCalls / config.unaryCalls) * config.streamCalls)),
  concurrency: config.streamConcurrency,
  input: String(config.streamMessages),
  expectedMessages: config.streamMessages,
});

// ---- client side ----------------------------------------------------------------------------------

const CLIENT_SETUPS = [
  { id: "plain", label: "plain grpc-js client" },
  { id: "native3", label: "3 native grpc-js client interceptors" },
  { id: "ours3", label: "3 of our ClientInterceptors", ours: true },
  { id: "nice3", label: "nice-grpc client + 3 middleware" },
];

async function clientScenario() {
  log("\n== client");
  const server = await startServer(SERVER_SETUPS[0], "client");
  const clients = [];
  for (const setup of CLIENT_SETUPS) {
    const client = await startClient(setup.id);
    const connected = await client.call({ type: "connect", key: "raw", port: server.port });
    if (connected.unavailable) {
      log(`  ${setup.label}: ${connected.unavailable}`);
      await client.stop();
      clients.push({ setup, unavailable: connected.unavailable });
      continue;
    }
    await client.call({ ...unaryLoad(config.warmupCalls), key: "raw" });
    clients.push({ setup, client });
  }
  const running = clients.filter((entry) => !entry.unavailable);
  const samples = new Map(clients.map((entry) => [entry.setup.id, []]));
  for (let round = 0; round < config.rounds; round++) {
    for (const { setup, client } of roundOrder(running, round)) {
      await client.call({ ...unaryLoad(Math.ceil(config.unaryCalls / 10)), key: "raw" });
      const result = await client.call({ ...unaryLoad(config.unaryCalls), key: "raw" });
      samples.get(setup.id).push({
        cpu: result.cpuMicros / result.calls,
        rate: (result.calls / result.wallMicros) * 1e6,
        invalid: result.invalid,
      });
    }
    log(`  round ${round + 1}/${config.rounds} done`);
  }
  await Promise.all([...running.map(({ client }) => client.stop()), server.stop()]);
  return summarize(clients, samples, "plain");
}

// ---- memory ---------------------------------------------------------------------------------------

async function memoryScenario() {
  log("\n== memory");
  const leak = [];
  for (const id of ["raw", "oursDecorated"]) {
    const setup = SERVER_SETUPS.find((each) => each.id === id);
    const server = await startServer(setup, "memory", ["--expose-gc"]);
    if (server.unavailable) {
      leak.push({ id, label: setup.label, unavailable: server.unavailable });
      continue;
    }
    const client = await startClient();
    await client.call({ type: "connect", key: id, port: server.port });
    const mixed = (calls) => ({ type: "mixed", calls, concurrency: config.concurrency, key: id });
    await client.call(mixed(config.mixedWarmup));
    const before = await server.call({ type: "memory" });
    const curve = [];
    let invalid = 0;
    const chunk = config.mixedCalls / 10;
    for (let done = 0; done < config.mixedCalls; done += chunk) {
      invalid += (await client.call(mixed(chunk))).invalid;
      curve.push((await server.call({ type: "memory" })).heapUsed);
    }
    const after = await server.call({ type: "memory" });
    leak.push({
      id,
      label: setup.label,
      ours: Boolean(setup.ours),
      before,
      after,
      curve,
      invalid,
      calls: config.mixedCalls,
    });
    log(`  ${setup.label}: heap ${mb(before.heapUsed)} -> ${mb(after.heapUsed)} MB`);
    await Promise.all([client.stop(), server.stop()]);
  }

  const backpressure = [];
  const count = Math.round(config.bigStreamBytes / config.bigMessageBytes);
  for (const id of ["raw", "ours", "oursDecorated", "oursGrpcJs", "nice", "nest"]) {
    const setup = SERVER_SETUPS.find((each) => each.id === id);
    if (wanted && !wanted.has(id)) continue;
    const server = await startServer(setup, "memory", ["--expose-gc"]);
    if (server.unavailable) {
      backpressure.push({ id, label: setup.label, unavailable: server.unavailable });
      continue;
    }
    const client = await startClient();
    await client.call({ type: "connect", key: id, port: server.port });
    const { baseline } = await server.call({ type: "peakStart" });
    const read = await client.call({
      type: "slowStream",
      key: id,
      input: `${count}:${config.bigMessageBytes}`,
      pauseMs: 1,
    });
    const { peak } = await server.call({ type: "peakStop" });
    backpressure.push({ id, label: setup.label, ours: Boolean(setup.ours), baseline, peak, ...read });
    log(`  ${setup.label}: ${mb(read.bytes)} MB streamed, server RSS +${mb(peak - baseline)} MB`);
    await Promise.all([client.stop(), server.stop()]);
  }
  return { leak, backpressure, streamBytes: config.bigStreamBytes, messageBytes: config.bigMessageBytes };
}

const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);

// ---- bootstrap time -------------------------------------------------------------------------------

async function bootstrapScenario() {
  log("\n== bootstrap");
  const runs = [];
  for (let round = 0; round < config.rounds; round++) {
    const output = execFileSync(
      process.execPath,
      [new URL("./lib/bootstrapTime.mjs", import.meta.url).pathname, String(config.bootstrapMethods)],
      {
        encoding: "utf8",
      },
    );
    runs.push(JSON.parse(output.trim().split("\n").pop()));
  }
  const pick = (key) => median(runs.map((run) => run[key]));
  return {
    methods: config.bootstrapMethods,
    decorateMs: pick("decorateMs"),
    bootstrapMs: pick("bootstrapMs"),
    addServiceMs: pick("addServiceMs"),
    secondBootstrapMs: pick("secondBootstrapMs"),
    runs,
  };
}

// ---- main -----------------------------------------------------------------------------------------

pin(process.pid, CPU_OF.client);
const installNote = installPeers();
const libraryVersion = await stageLibrary(args.library ? path.resolve(args.library) : undefined);
const startedAt = new Date();
const loadBefore = os.loadavg();
const results = { scenarios: {} };
if (only.includes("unary")) results.scenarios.unary = await serverCpuScenario("unary", unaryLoad, (r) => r.calls);
if (only.includes("error")) results.scenarios.error = await serverCpuScenario("error", errorLoad, (r) => r.calls);
if (only.includes("stream")) {
  results.scenarios.stream = await serverCpuScenario("stream", streamLoad, (r) => r.calls * config.streamMessages);
}
if (only.includes("client")) results.scenarios.client = await clientScenario();
if (only.includes("memory")) results.memory = await memoryScenario();
if (only.includes("bootstrap")) results.bootstrap = await bootstrapScenario();

let commit;
try {
  commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
} catch {
  commit = undefined;
}
results.meta = {
  date: startedAt.toISOString(),
  seconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
  cpu: os.cpus()[0]?.model ?? "unknown",
  cores: cpuCount,
  pinning: pinning ? `servers on CPU ${CPU_OF.server}, clients and orchestrator on CPU ${CPU_OF.client}` : undefined,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  loadBefore,
  loadAfter: os.loadavg(),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  commit,
  config,
  installNote,
  versions: {
    "grpc-interceptor": libraryVersion,
    "@grpc/grpc-js": versionOf("@grpc/grpc-js"),
    "nice-grpc": versionOf("nice-grpc"),
    "@nestjs/core": versionOf("@nestjs/core"),
    "@nestjs/microservices": versionOf("@nestjs/microservices"),
    rxjs: versionOf("rxjs"),
  },
};
const markdown = writeReport(results);
console.log(markdown);
