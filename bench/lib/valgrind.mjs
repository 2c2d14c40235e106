// Runs a bench process (server.mjs or client.mjs) under valgrind's callgrind with its instrumentation
// off, so start-up and warm-up run at near-native speed, and counts only the measured windows: the
// orchestrator switches the instrumentation on right before the window and dumps the counters right
// after it (`callgrind_control`), and reads the window's instruction total from that dump.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { URL } from "node:url";
import { childRpc } from "./common.mjs";

/**
 * callgrind, uninstrumented until asked; V8's JIT needs the self-modifying-code check. Only the
 * instruction count (Ir) of a dump is read; the call graph is what `profileCount.mjs` reads.
 */
export const VALGRIND_ARGS = ["--tool=callgrind", "--instr-atstart=no", "--smc-check=all-non-file"];
/**
 * Compilation and GC on the counted thread (no helper threads); `gc()` for the control request; and a GC
 * schedule that does not depend on time. Without the last, V8's memory reducer sees the low allocation
 * rate of a process slowed 30–50× by valgrind and runs a full GC every second or so ("Mark-Compact
 * (reduce)" in --trace-gc): the count per call then grows with the wall time a call takes, i.e. with the
 * machine's load (1.04 M instead of 0.58 M per raw unary call on a busy machine).
 */
export const NODE_ARGS = ["--single-threaded", "--predictable-gc-schedule", "--expose-gc"];

/** The installed valgrind's version line, or undefined when there is none. */
export function valgrindVersion() {
  try {
    return execFileSync("valgrind", ["--version"], { encoding: "utf8" }).trim();
  } catch {
    return undefined;
  }
}

const scratch = mkdtempSync(path.join(os.tmpdir(), "bench-count-"));
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));
let serial = 0;

/**
 * Starts `node <NODE_ARGS> <script> <argv>` under uninstrumented callgrind with an IPC channel (the same
 * control messages as a forked child), with `env` added to the environment. `window(run)` (once per
 * process) switches the instrumentation on, awaits `run()`, and resolves with `run()`'s result and the
 * instructions the process executed meanwhile; `exited` resolves when the process ends.
 */
export function spawnCounted(script, argv, env) {
  const base = `callgrind.${process.pid}.${++serial}`;
  const outFile = path.join(scratch, base);
  const child = spawn(
    "valgrind",
    [
      ...VALGRIND_ARGS,
      `--callgrind-out-file=${outFile}`,
      "--log-file=/dev/null",
      process.execPath,
      ...NODE_ARGS,
      new URL(script, import.meta.url).pathname,
      ...argv,
    ],
    { stdio: ["ignore", "inherit", "inherit", "ipc"], env: env ? { ...process.env, ...env } : process.env },
  );
  const call = childRpc(child, 30 * 60 * 1000);
  const first = new Promise((resolve, reject) => {
    child.once("message", resolve);
    child.once("exit", (code) =>
      reject(new Error(`valgrind node ${script} ${argv.join(" ")} exited with code ${code}`)),
    );
  });
  const exited = new Promise((resolve, reject) => {
    child.once("exit", (code, signal) => {
      rmSync(outFile, { force: true });
      if (code === 0) resolve();
      else reject(new Error(`valgrind node ${script} ${argv.join(" ")} ended with ${signal ?? `code ${code}`}`));
    });
  });
  // vgdb reaches a process idle in a system call through ptrace; where ptrace is not allowed it would wait
  // for the process to wake, which nothing does: fail instead of hanging.
  const control = (...args) => {
    try {
      execFileSync("callgrind_control", [...args, String(child.pid)], { stdio: "ignore", timeout: 120_000 });
    } catch (error) {
      throw new Error(
        `callgrind_control ${args.join(" ")} failed (${error.code ?? error.status}); is ptrace allowed?`,
        {
          cause: error,
        },
      );
    }
  };
  const window = async (run) => {
    control("-i", "on");
    control("-z"); // what ran between the switch and now (idle polling) is not the window's
    const result = await run();
    control("-d");
    const dumpFile = `${outFile}.1`;
    try {
      return { instructions: readTotal(dumpFile), result };
    } finally {
      rmSync(dumpFile, { force: true });
    }
  };
  return { child, call, first, exited, window };
}

/** The `summary:` line of a callgrind dump: the instructions executed since the counters were zeroed. */
function readTotal(file) {
  const match = /^summary:\s+(\d+)/m.exec(readFileSync(file, "utf8"));
  if (!match) throw new Error(`no summary line in ${file}`);
  return Number(match[1]);
}
