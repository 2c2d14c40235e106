// `npm run soak [-- --calls N --concurrency C --seed S]`: a soak test of a decorated servicer
// (soak/server.ts, a separate process so its memory is measured alone) driven by a grpc-js client with
// our client interceptors (AuthInterceptor, RetryInterceptor from examples/client). Every call's kind
// and outcome is drawn at random in advance, so its expected status is known: the run counts wrong
// statuses, wrong messages and hangs (no settlement within deadline + 3 s), and reports the server's
// heap and RSS after a full gc, idle, after warm-up and at the end. Exits 1 on any wrong outcome or hang.
import { spawn } from "node:child_process";
import type { EventEmitter } from "node:events";
import { createInterface } from "node:readline";
import { credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { DummyServiceClient } from "grpc-interceptor/testing";
import { AuthInterceptor } from "../examples/client/AuthInterceptor.js";
import { RetryInterceptor } from "../examples/client/RetryInterceptor.js";

const KINDS = ["unary", "client stream", "server stream", "bidi"] as const;
const CATEGORIES = ["ok", "GrpcException", "@MapErrors", "unknown", "retried", "deadline", "cancel"] as const;
type Kind = (typeof KINDS)[number];
type Category = (typeof CATEGORIES)[number];

const HANG_MARGIN_MS = 3000;
const CALL_DEADLINE_MS = 10_000;
const MEMORY_GROWTH_LIMIT = 16 * 1024 * 1024;

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} needs a number`);
  return value;
}

const totalCalls = option("calls", 500_000);
const concurrency = option("concurrency", 200);
const seed = option("seed", Date.now() % 1_000_000);
const warmupCalls = Math.min(20_000, Math.ceil(totalCalls / 10));

/** mulberry32: a small seeded PRNG, so a run can be repeated with --seed. */
function rng(state: number): () => number {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(seed);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

interface Plan {
  id: number;
  kind: Kind;
  category: Category;
  action: string;
  /** Messages the server answers before the action (streams). */
  before: number;
  code: status;
  /** Expected response messages; undefined when it depends on timing (deadline, cancel). */
  messages: number | undefined;
  deadlineMs: number;
  cancelAfterMs?: number;
}

function plan(id: number): Plan {
  const kind = pick(KINDS);
  const r = random();
  let category: Category;
  let action: string;
  let code: status;
  let deadlineMs = CALL_DEADLINE_MS;
  let cancelAfterMs: number | undefined;
  if (r < 0.5) [category, action, code] = ["ok", "ok", status.OK];
  else if (r < 0.6) {
    const c = 1 + Math.floor(random() * 16);
    [category, action, code] = ["GrpcException", `grpc:${c}`, c];
  } else if (r < 0.68) {
    const [a, c] = pick([
      ["nf", status.NOT_FOUND],
      ["inv", status.INVALID_ARGUMENT],
      ["quota", status.RESOURCE_EXHAUSTED],
      ["setcode", status.FAILED_PRECONDITION],
    ] as const);
    [category, action, code] = ["@MapErrors", a, c];
  } else if (r < 0.73) [category, action, code] = ["unknown", "unknown", status.UNKNOWN];
  else if (r < 0.8) [category, action, code] = ["retried", `flaky:${id}`, status.OK];
  else if (r < 0.9) {
    [category, action, code] = ["deadline", "sleep:400", status.DEADLINE_EXCEEDED];
    deadlineMs = 20 + Math.floor(random() * 40);
  } else {
    // The server would answer after 3 s: only a client event loop stalled that long could miss the cancel.
    [category, action, code] = ["cancel", "sleep:3000", status.CANCELLED];
    cancelAfterMs = 1 + Math.floor(random() * 20);
  }
  // A retried stream must fail before its first response: RetryInterceptor never retries after one.
  const before = category === "retried" && kind !== "client stream" ? 0 : Math.floor(random() * 3);
  let messages: number | undefined;
  if (category === "deadline" || category === "cancel") messages = undefined;
  else if (kind === "unary" || kind === "client stream") messages = code === status.OK ? 1 : 0;
  else messages = code === status.OK ? before + 1 : before;
  return { id, kind, category, action, before, code, messages, deadlineMs, cancelAfterMs };
}

interface Result {
  code: status | "hang";
  messages: number;
  output?: string;
  details?: string;
  ms?: number;
  /** When cancel() ran, ms after the start (cancel calls; undefined if the call settled first). */
  cancelledAtMs?: number;
}

const CHANNELS = 8;
let clients: DummyServiceClient[] = [];
let soakClient!: DummyServiceClient;

function runCall(p: Plan): Promise<Result> {
  return new Promise((resolve) => {
    let settled = false;
    let messages = 0;
    let cancelledAtMs: number | undefined;
    const inputs = [...Array<string>(p.before).fill("ok"), p.action].map((input) => ({ input }));
    const options = { deadline: Date.now() + p.deadlineMs };
    const metadata = new Metadata();
    const soakClient = clients[p.id % CHANNELS] as DummyServiceClient;
    const finish = (result: Result) => {
      if (settled) return;
      settled = true;
      result.ms = performance.now() - startedAt;
      if (p.cancelAfterMs !== undefined) result.cancelledAtMs = cancelledAtMs;
      clearTimeout(watchdog);
      if (cancelTimer) clearTimeout(cancelTimer);
      resolve(result);
    };
    const unaryDone = (error: ServiceError | null, response?: { output: string }) =>
      finish(
        error
          ? { code: error.code, messages: 0, details: error.details }
          : { code: status.OK, messages: 1, output: response?.output },
      );
    let call: EventEmitter & { cancel(): void };
    switch (p.kind) {
      case "unary":
        call = soakClient.execute({ input: p.action }, metadata, options, unaryDone);
        break;
      case "client stream": {
        const stream = soakClient.executeClientStream(metadata, options, unaryDone);
        for (const input of inputs) stream.write(input);
        stream.end();
        call = stream;
        break;
      }
      case "server stream":
        call = soakClient.executeServerStream({ input: `${p.before}|${p.action}` }, metadata, options);
        break;
      case "bidi": {
        const stream = soakClient.executeClientServerStream(metadata, options);
        for (const input of inputs) stream.write(input);
        stream.end();
        call = stream;
        break;
      }
    }
    if (p.kind === "server stream" || p.kind === "bidi") {
      call.on("data", () => messages++);
      call.on("error", (error: ServiceError) => finish({ code: error.code, messages, details: error.details }));
      call.on("end", () => finish({ code: status.OK, messages }));
    }
    const startedAt = performance.now();
    const cancelTimer =
      p.cancelAfterMs === undefined
        ? undefined
        : setTimeout(() => {
            cancelledAtMs = performance.now() - startedAt;
            call.cancel();
          }, p.cancelAfterMs);
    const watchdog = setTimeout(() => {
      finish({ code: "hang", messages });
      call.cancel();
    }, p.deadlineMs + HANG_MARGIN_MS);
  });
}

// Tallies, by kind and category.
const planned = new Map<string, number>();
const wrongStatus = new Map<string, number>();
const wrongMessages = new Map<string, number>();
const hangs = new Map<string, number>();
const examples: string[] = [];
const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
const sum = (map: Map<string, number>) => [...map.values()].reduce((a, b) => a + b, 0);

function tally(p: Plan, r: Result): void {
  const key = `${p.kind}/${p.category}`;
  bump(planned, key);
  const describe = () =>
    `#${p.id} ${p.kind} ${p.category} ${JSON.stringify(p.action)} before=${p.before}: expected ` +
    `${status[p.code]}/${p.messages ?? "any"} messages, got ${r.code === "hang" ? "HANG" : status[r.code]}/${r.messages}` +
    (r.details && r.code !== status.OK ? ` (${JSON.stringify(r.details.slice(0, 200))})` : "") +
    ` after ${r.ms?.toFixed(0)} ms` +
    (p.cancelAfterMs === undefined
      ? ""
      : `; cancel() due at ${p.cancelAfterMs} ms ran ${r.cancelledAtMs === undefined ? "never" : `at ${r.cancelledAtMs.toFixed(0)} ms`}`);
  if (r.code === "hang") {
    bump(hangs, key);
    if (examples.length < 20) examples.push(describe());
  } else if (r.code !== p.code) {
    bump(wrongStatus, key);
    if (examples.length < 20) examples.push(describe());
  } else if (
    (p.messages !== undefined && r.messages !== p.messages) ||
    (r.output !== undefined && r.output !== "ok".repeat(p.kind === "client stream" ? p.before + 1 : 1))
  ) {
    bump(wrongMessages, key);
    if (examples.length < 20) examples.push(`${describe()} output=${JSON.stringify(r.output)}`);
  }
}

let nextId = 0;
let completed = 0;
async function drive(until: number, onProgress: () => void): Promise<void> {
  const worker = async () => {
    while (nextId < until) {
      const p = plan(nextId++);
      tally(p, await runCall(p));
      completed++;
      onProgress();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

interface ServerStats {
  heapUsed: number;
  rss: number;
  gc: boolean;
  calls: number;
  unknownErrors: number;
  pendingFlaky: number;
}
function serverStats(): Promise<ServerStats> {
  return new Promise((resolve, reject) =>
    soakClient.execute({ input: "__stats" }, new Metadata(), { deadline: Date.now() + 30_000 }, (error, response) =>
      error ? reject(error) : resolve(JSON.parse(response.output) as ServerStats),
    ),
  );
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const signedMb = (bytes: number) => `${bytes >= 0 ? "+" : ""}${mb(bytes)}`;
const pad = (text: string | number, width: number) => String(text).padStart(width);

async function main(): Promise<void> {
  const server = spawn(process.execPath, ["--expose-gc", "--import", "tsx", "soak/server.ts"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("soak/server.ts printed no port within 30 s")), 30_000);
    server.once("exit", (code) => reject(new Error(`soak/server.ts exited with ${code}`)));
    createInterface({ input: server.stdout! }).on("line", (line) => {
      const match = /^PORT (\d+)$/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      } else console.log(`[server] ${line}`);
    });
  });
  // Several connections: Node's HTTP/2 (nghttp2 >= 1.57, the "rapid reset" mitigation) ends a connection
  // with INTERNAL_ERROR once a client resets streams faster than ~33/s after a burst of 1000, and this mix
  // cancels or times out 20 % of its calls. A local subchannel pool gives each client its own connection.
  clients = Array.from(
    { length: CHANNELS },
    () =>
      new DummyServiceClient(`127.0.0.1:${port}`, credentials.createInsecure(), {
        "grpc.use_local_subchannel_pool": 1,
        interceptors: [
          new AuthInterceptor("soak-token"),
          new RetryInterceptor({ maxAttempts: 3, initialBackoffMs: 5, maxBackoffMs: 50 }),
        ],
      }),
  );
  soakClient = clients[0] as DummyServiceClient;

  console.log(
    `soak: ${totalCalls} calls, concurrency ${concurrency} over ${CHANNELS} connections, seed ${seed}, server pid ${server.pid} on 127.0.0.1:${port}, ` +
      `warm-up ${warmupCalls} calls`,
  );
  const started = performance.now();
  let nextReport = Math.ceil(totalCalls / 10);
  const progress = () => {
    if (completed < nextReport) return;
    nextReport += Math.ceil(totalCalls / 10);
    const seconds = (performance.now() - started) / 1000;
    const line =
      `  ${pad(completed, 8)} calls  ${pad(seconds.toFixed(0), 5)} s  ${pad((completed / seconds).toFixed(0), 6)} calls/s  ` +
      `wrong ${sum(wrongStatus) + sum(wrongMessages)}  hangs ${sum(hangs)}`;
    serverStats().then(
      (s) => console.log(`${line}  server heap ${mb(s.heapUsed)} rss ${mb(s.rss)} (under load)`),
      () => console.log(line),
    );
  };

  const settleServer = () => new Promise((resolve) => setTimeout(resolve, 500)); // Sleeps of cancelled calls end.
  await drive(warmupCalls, progress);
  await settleServer();
  const warm = await serverStats();
  const warmClient = process.memoryUsage();
  console.log(`  server after warm-up, idle, after gc: heap ${mb(warm.heapUsed)}, rss ${mb(warm.rss)}`);
  await drive(totalCalls, progress);
  const seconds = (performance.now() - started) / 1000;
  await settleServer();
  const end = await serverStats();
  const endClient = process.memoryUsage();

  // Summary.
  const width = 14;
  console.log(`\n${"kind \\ category".padEnd(16)}${CATEGORIES.map((c) => pad(c, width)).join("")}${pad("total", 10)}`);
  for (const kind of KINDS) {
    const counts = CATEGORIES.map((c) => planned.get(`${kind}/${c}`) ?? 0);
    console.log(
      `${kind.padEnd(16)}${counts.map((n) => pad(n, width)).join("")}${pad(
        counts.reduce((a, b) => a + b),
        10,
      )}`,
    );
  }
  const totals = CATEGORIES.map((c) => KINDS.reduce((n, k) => n + (planned.get(`${k}/${c}`) ?? 0), 0));
  console.log(`${"all".padEnd(16)}${totals.map((n) => pad(n, width)).join("")}${pad(sum(planned), 10)}`);

  const wrong = sum(wrongStatus);
  const wrongMsgs = sum(wrongMessages);
  const hung = sum(hangs);
  const heapGrowth = end.heapUsed - warm.heapUsed;
  const flat = heapGrowth < MEMORY_GROWTH_LIMIT && end.pendingFlaky === 0;
  console.log(`
calls completed      ${completed} of ${totalCalls} in ${seconds.toFixed(1)} s (${(completed / seconds).toFixed(0)} calls/s)
wrong statuses       ${wrong}
wrong messages       ${wrongMsgs}
hangs                ${hung}   (not settled within deadline + ${HANG_MARGIN_MS} ms)
server calls seen    ${end.calls} (attempts, retries included); unknown errors reported ${end.unknownErrors}; flaky ids left ${end.pendingFlaky}
server heap used     ${mb(warm.heapUsed)} after warm-up -> ${mb(end.heapUsed)} at the end (${signedMb(heapGrowth)})${end.gc ? "" : " (no --expose-gc: not after a full gc)"}
server RSS           ${mb(warm.rss)} after warm-up -> ${mb(end.rss)} at the end (${signedMb(end.rss - warm.rss)})
client heap used     ${mb(warmClient.heapUsed)} after warm-up -> ${mb(endClient.heapUsed)} at the end (no forced gc)
memory               ${flat ? "flat" : "GREW"} (limit: heap growth < ${mb(MEMORY_GROWTH_LIMIT)}, no state left behind)`);
  if (examples.length) console.log(`\nfirst wrong outcomes:\n  ${examples.join("\n  ")}`);

  for (const each of clients) each.close();
  server.stdin!.end();
  const ok = wrong === 0 && wrongMsgs === 0 && hung === 0 && flat && completed === totalCalls;
  console.log(`\nsoak: ${ok ? "PASS" : "FAIL"}`);
  process.exit(ok ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
