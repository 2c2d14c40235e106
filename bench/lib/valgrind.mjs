// Runs a bench process (server.mjs or client.mjs) under valgrind's cachegrind and reads its instruction
// total when it exits. Counts are of the whole process; run.mjs takes differences of two such runs.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { URL } from "node:url";
import { childRpc } from "./common.mjs";

/** cachegrind without its cache simulation counts instructions only; V8's JIT needs the smc-check. */
export const VALGRIND_ARGS = ["--tool=cachegrind", "--cache-sim=no", "--smc-check=all-non-file"];
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
 * Starts `node <NODE_ARGS> <script> <argv>` under cachegrind with an IPC channel (the same control
 * messages as a forked child), with `env` added to the environment. `exited` resolves with the
 * process's instruction count (`I refs`).
 */
export function spawnCounted(script, argv, env) {
  const outFile = path.join(scratch, `cachegrind.${process.pid}.${++serial}.out`);
  const child = spawn(
    "valgrind",
    [
      ...VALGRIND_ARGS,
      `--cachegrind-out-file=${outFile}`,
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
      try {
        if (code !== 0)
          throw new Error(`valgrind node ${script} ${argv.join(" ")} ended with ${signal ?? `code ${code}`}`);
        resolve(readTotal(outFile));
      } catch (error) {
        reject(error);
      } finally {
        rmSync(outFile, { force: true });
      }
    });
  });
  return { child, call, first, exited };
}

/** The `summary:` line of a cachegrind output file: the instructions executed by the whole process. */
function readTotal(outFile) {
  const match = /^summary:\s+(\d+)/m.exec(readFileSync(outFile, "utf8"));
  if (!match) throw new Error(`no summary line in ${outFile}`);
  return Number(match[1]);
}
