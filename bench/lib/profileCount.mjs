// An instruction profile of one server setup's measured window: `node bench/lib/profileCount.mjs <setup>
// <unary|error|stream> [warm-up] [calls]`. The server runs under callgrind with its instrumentation off
// until the warm-up is done (the same window as a count: no forced GC), on for the window
// (callgrind_control -i on, -z), and its counters are dumped after it (-d), so the profile holds the
// window only. Writes bench/results/profiles/<kind>-<setup>.callgrind (git-ignored) and prints
// the top functions by own instructions per call (callgrind_annotate). V8's JIT code has no symbols for
// valgrind: JavaScript shows up as "???" (compiled code) and Builtins_* (interpreter, built-ins, IC
// handlers), while V8's runtime, the GC, node's C++ and nghttp2 keep their names.
import { execFileSync, fork, spawn } from "node:child_process";
import { mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { URL } from "node:url";
import { benchDir, childRpc, status } from "./common.mjs";
import { installPeers, stageLibrary } from "./stage.mjs";
import { NODE_ARGS, VALGRIND_ARGS } from "./valgrind.mjs";

const [setupId, kind = "unary", warmupArg = "2000", callsArg = "1000"] = process.argv.slice(2);
if (!setupId) {
  console.error("usage: node bench/lib/profileCount.mjs <setup> [unary|error|stream] [warm-up] [calls]");
  process.exit(2);
}
const warmup = Number(warmupArg);
const calls = Number(callsArg);
const dir = path.join(benchDir, "results", "profiles");
mkdirSync(dir, { recursive: true });
installPeers();
await stageLibrary();

const prefix = path.join(dir, `.${kind}-${setupId}.${process.pid}`);
const server = spawn(
  "valgrind",
  [
    ...VALGRIND_ARGS,
    `--callgrind-out-file=${prefix}.%p`,
    "--log-file=/dev/null",
    process.execPath,
    ...NODE_ARGS,
    new URL("./server.mjs", import.meta.url).pathname,
    setupId,
    kind,
  ],
  { stdio: ["ignore", "inherit", "inherit", "ipc"] },
);
const serverCall = childRpc(server, 60 * 60 * 1000);
const hello = await new Promise((resolve) => server.once("message", resolve));
if (hello.type !== "ready") throw new Error(`${setupId}: ${hello.reason}`);
const client = fork(new URL("./client.mjs", import.meta.url), ["plain"], {
  stdio: ["ignore", "inherit", "inherit", "ipc"],
});
const clientCall = childRpc(client, 60 * 60 * 1000);
await new Promise((resolve) => client.once("message", resolve));
await clientCall({ type: "connect", key: "k", port: hello.port });
const load = (count) =>
  kind === "stream"
    ? { type: "stream", calls: count, concurrency: 4, input: "1000", expectedMessages: 1000, key: "k" }
    : {
        type: "unary",
        calls: count,
        concurrency: 32,
        input: kind === "error" ? "fail" : "bench-0123456789",
        expectedCode: kind === "error" ? status.NOT_FOUND : status.OK,
        key: "k",
      };
await clientCall(load(warmup));
execFileSync("callgrind_control", ["-i", "on", String(server.pid)], { stdio: "ignore" });
execFileSync("callgrind_control", ["-z", String(server.pid)], { stdio: "ignore" });
const window = await clientCall(load(calls));
execFileSync("callgrind_control", ["-d", String(server.pid)], { stdio: "ignore" });
await serverCall({ type: "exit" }).catch(() => {});
await clientCall({ type: "exit" }).catch(() => {});
await new Promise((resolve) => server.once("exit", resolve));

// The dump of the window is the file with the ".1" part suffix.
const dumped = readdirSync(dir).find((name) => name.startsWith(path.basename(prefix)) && name.endsWith(".1"));
const target = path.join(dir, `${kind}-${setupId}.callgrind`);
renameSync(path.join(dir, dumped), target);
// The rest (start-up, warm-up, exit) is not what the profile is about.
for (const name of readdirSync(dir)) if (name.startsWith(path.basename(prefix))) rmSync(path.join(dir, name));
const units = kind === "stream" ? calls * 1000 : calls;
const annotated = execFileSync("callgrind_annotate", ["--inclusive=no", "--threshold=95", target], {
  encoding: "utf8",
  maxBuffer: 64 * 1024 * 1024,
});
const total = Number(/([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS/.exec(annotated)?.[1].replace(/,/g, "") ?? NaN);
console.log(
  `${setupId} ${kind}: ${window.invalid} invalid; ${Math.round(total / units).toLocaleString("en-US")} instructions per ${kind === "stream" ? "message" : "call"} in the window (${target})`,
);
console.log(
  annotated
    .split("\n")
    .filter((line) => /^\s*[\d,]+ \(/.test(line))
    .slice(0, 45)
    .join("\n"),
);
