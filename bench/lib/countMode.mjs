// `npm run bench -- --count …`: plans the counted runs, runs them, writes bench/results/counts.*.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { rootDir, benchDir } from "./common.mjs";
import {
  bootstrapScaling,
  COUNT_SCENARIOS,
  COUNT_SIZES,
  countPairs,
  INFLIGHT_SETUPS,
  inflightScaling,
  machine,
  plan,
} from "./count.mjs";
import { writeCountReport } from "./countReport.mjs";
import { installPeers, stageLibrary } from "./stage.mjs";
import { NODE_ARGS, VALGRIND_ARGS, valgrindVersion } from "./valgrind.mjs";

const log = (...parts) => console.error(...parts);

function git(dir, ...argv) {
  try {
    return execFileSync("git", ["-C", dir, ...argv], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

function positive(value, name) {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new Error(`--${name} must be a whole number, got ${value}`);
  return number;
}

/** Runs the count mode with run.mjs's parsed arguments; resolves with the exit code. */
export async function runCountMode(args) {
  const outDir = path.resolve(args.out ?? path.join(benchDir, "results"));
  const resultsFile = path.join(outDir, "counts.json");
  if (args.render) {
    console.log(writeCountReport(JSON.parse(readFileSync(resultsFile, "utf8")), outDir));
    return 0;
  }
  const only = args.only ? args.only.split(",").map((name) => name.trim()) : COUNT_SCENARIOS;
  for (const name of only) {
    if (!COUNT_SCENARIOS.includes(name))
      throw new Error(`--only: unknown count scenario ${name} (${COUNT_SCENARIOS.join(", ")})`);
  }
  const setups = args.setups ? new Set(args.setups.split(",").map((id) => id.trim())) : undefined;
  const preset = COUNT_SIZES[args.quick ? "quick" : "full"];
  const sizes = {
    unary: {
      warmup: args.warmup === undefined ? preset.unary.warmup : positive(args.warmup, "warmup"),
      n1: args.n1 === undefined ? preset.unary.n1 : positive(args.n1, "n1"),
      n2: args.n2 === undefined ? preset.unary.n2 : positive(args.n2, "n2"),
    },
    stream: preset.stream,
  };
  if (sizes.unary.n2 <= sizes.unary.n1) throw new Error("--n2 must be larger than --n1");
  const repeats = args.repeats === undefined ? preset.repeats : positive(args.repeats, "repeats");
  const parallel = args.parallel === undefined ? 2 : Math.max(1, positive(args.parallel, "parallel"));

  const installNote = installPeers();
  if (installNote) log(`bench: ${installNote}`);
  await stageLibrary(args.library ? path.resolve(args.library) : undefined);
  let baselineCommit;
  if (args.baseline) {
    const dir = path.resolve(args.baseline);
    await stageLibrary(dir, "grpc-interceptor-baseline");
    baselineCommit = git(dir, "rev-parse", "--short", "HEAD") ?? dir;
  }

  const pairs = plan({ only, setups, baseline: Boolean(args.baseline) });
  const valgrind = valgrindVersion();
  if (pairs.length && !valgrind) {
    log("bench --count: valgrind is not installed (Debian: apt-get install valgrind)");
    return 2;
  }
  const started = new Date();
  const loadBefore = (await import("node:os")).default.loadavg();
  log(
    `bench --count: ${pairs.length} figures × ${repeats} repeats × 2 counted runs, ${parallel} at a time; ` +
      `unary warm-up ${sizes.unary.warmup}, N1 ${sizes.unary.n1}, N2 ${sizes.unary.n2}; ` +
      `stream warm-up ${sizes.stream.warmup}, N1 ${sizes.stream.n1}, N2 ${sizes.stream.n2} streams of 1,000`,
  );
  const commit = git(rootDir, "rev-parse", "--short", "HEAD");
  const dirty = Boolean(git(rootDir, "status", "--porcelain", "--", "lib", "bench/lib", "bench/run.mjs"));
  const rows = await countPairs(pairs, {
    sizes,
    repeats,
    parallel,
    baselineCommit,
    baselineEnv: { BENCH_LIBRARY: "grpc-interceptor-baseline" },
  });
  const counts = {};
  for (const row of rows) {
    row.commit = commit;
    (counts[row.kind] ??= []).push(row);
  }
  const results = { counts };
  if (only.includes("bootstrap")) {
    log("\n== bootstrap time, 10 / 100 / 1,000 methods");
    results.bootstrap = bootstrapScaling(args.quick ? 3 : 5);
  }
  if (only.includes("inflight")) {
    log("\n== server memory per in-flight call, 1 / 100 / 1,000 calls");
    results.inflight = await inflightScaling(
      INFLIGHT_SETUPS.filter((id) => !setups || setups.has(id)),
      3,
    );
  }

  let merged = false;
  if (args.merge && existsSync(resultsFile)) {
    const previous = JSON.parse(readFileSync(resultsFile, "utf8"));
    for (const [kind, previousRows] of Object.entries(previous.counts ?? {})) {
      const now = (counts[kind] ??= []);
      for (const row of previousRows) {
        if (!now.some((each) => each.id === row.id)) {
          now.push({ ...row, kept: true });
          merged = true;
        }
      }
    }
    results.bootstrap ??= previous.bootstrap;
    results.inflight ??= previous.inflight;
    if (previous.meta?.notes) results.notes = previous.meta.notes;
  }
  const order = (kind) => (a, b) => orderOf(kind, a.id) - orderOf(kind, b.id);
  for (const [kind, kindRows] of Object.entries(counts)) kindRows.sort(order(kind));

  results.meta = {
    date: started.toISOString(),
    seconds: Math.round((Date.now() - started.getTime()) / 1000),
    command: `npm run bench -- ${process.argv.slice(2).join(" ")}`,
    commit,
    dirty,
    merged,
    baselineCommit,
    machine: machine(),
    loadBefore,
    valgrind: valgrind ?? "valgrind not used",
    valgrindArgs: VALGRIND_ARGS,
    nodeArgs: NODE_ARGS,
    sizes,
    repeats,
    parallel,
    installNote,
    notes: results.notes,
  };
  delete results.notes;
  console.log(writeCountReport(results, outDir));

  if (args.check !== undefined) return check(results, Number(args.check));
  return 0;
}

const ORDER = [
  "raw",
  "rawAsync",
  "native3",
  "ours",
  "oursDecorated",
  "oursGrpcJs",
  "nice",
  "nest",
  "oursCallScope",
  "oursOnComplete",
  "ours@baseline",
  "chain0",
  "chain1",
  "chain10",
  "gen1",
  "gen3",
  "plain",
  "ours3",
  "nice3",
];
function orderOf(kind, id) {
  const index = ORDER.indexOf(id);
  return index === -1 ? ORDER.length : index;
}

/** The CI regression check: every one of ours' unary figures within `limit` × (a2). */
function check(results, limit) {
  const rows = results.counts.unary ?? [];
  const floor = rows.find((row) => row.id === "rawAsync" && row.median);
  const ours = rows.filter((row) => ["ours", "oursDecorated", "oursGrpcJs"].includes(row.id) && row.median);
  if (!floor || !ours.length) {
    log("bench --count --check: needs (a2) and at least one of ours in the unary scenario");
    return 1;
  }
  let failed = false;
  for (const row of ours) {
    const ratio = row.median / floor.median;
    const ok = ratio <= limit && !row.invalid;
    failed ||= !ok;
    log(
      `check: ${row.label}: ${ratio.toFixed(3)} × (a2)${row.invalid ? `, ${row.invalid} invalid responses` : ""} (limit ${limit}) ${ok ? "ok" : "FAILED"}`,
    );
  }
  return failed ? 1 : 0;
}
