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
  ROW_ORDER,
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
      window: args.window === undefined ? preset.unary.window : positive(args.window, "window"),
    },
    stream: preset.stream,
  };
  if (!sizes.unary.window) throw new Error("--window must be at least 1");
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
    `bench --count: ${pairs.length} figures × ${repeats} repeats, one counted process each, ${parallel} at a time; ` +
      `unary warm-up ${sizes.unary.warmup}, window ${sizes.unary.window}; ` +
      `stream warm-up ${sizes.stream.warmup}, window ${sizes.stream.window} streams of 1,000`,
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
  for (const kindRows of Object.values(counts)) kindRows.sort((a, b) => orderOf(a.id) - orderOf(b.id));

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

  if (args.check !== undefined) return check(results, checkLimits(args.check));
  return 0;
}

function orderOf(id) {
  const index = ROW_ORDER.indexOf(id);
  return index === -1 ? ROW_ORDER.length : index;
}

/** `--check 1.03` (both kinds) or `--check unary=1.03,error=1.10`: the largest ratio to (a2) per kind. */
function checkLimits(text) {
  const limits = {};
  for (const part of text.split(",")) {
    const [kind, value] = part.includes("=") ? part.split("=") : [undefined, part];
    const limit = Number(value);
    if (!(limit > 0) || (kind !== undefined && !["unary", "error"].includes(kind)))
      throw new Error(`--check: expected <ratio> or unary=<ratio>,error=<ratio>, got ${text}`);
    for (const each of kind ? [kind] : ["unary", "error"]) limits[each] = limit;
  }
  return limits;
}

/**
 * The CI regression check: ours against (a2), unary success and error path, each ratio at most its
 * kind's limit (and no invalid response).
 */
function check(results, limits) {
  let failed = false;
  for (const [kind, limit] of Object.entries(limits)) {
    const rows = results.counts[kind] ?? [];
    const floor = rows.find((row) => row.id === "rawAsync" && row.median);
    const ours = rows.filter((row) => row.ours && row.median);
    if (!floor || !ours.length) {
      log(`bench --count --check: the ${kind} scenario needs (a2) and at least one of ours`);
      return 1;
    }
    for (const row of ours) {
      const ratio = row.median / floor.median;
      const ok = ratio <= limit && !row.invalid && !floor.invalid;
      failed ||= !ok;
      log(
        `check ${kind}: ${row.label}: ${ratio.toFixed(3)} × (a2)${row.invalid ? `, ${row.invalid} invalid responses` : ""} (limit ${limit}) ${ok ? "ok" : "FAILED"}`,
      );
    }
  }
  return failed ? 1 : 0;
}
