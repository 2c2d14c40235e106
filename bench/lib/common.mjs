// Shared by the bench's processes: where things are, the library under test, and a tiny IPC helper.
import { createRequire } from "node:module";
import { fileURLToPath, URL } from "node:url";

export const benchDir = fileURLToPath(new URL("..", import.meta.url));
export const rootDir = fileURLToPath(new URL("../..", import.meta.url));

// One copy of @grpc/grpc-js for every setup: bench/node_modules' (run.mjs stages the built library there
// too, as bench/node_modules/grpc-interceptor, so ours resolves the same copy as raw, nice-grpc and Nest).
export const grpc = createRequire(import.meta.url)("@grpc/grpc-js");
export const { status } = grpc;

/**
 * The package name the library under test is imported by: "grpc-interceptor", or the second staged build
 * (`--count --baseline <dir>`, staged as bench/node_modules/grpc-interceptor-baseline) when the
 * orchestrator sets BENCH_LIBRARY for this process.
 */
export const libraryName = process.env.BENCH_LIBRARY || "grpc-interceptor";

/** The built library, imported as a user would: "grpc-interceptor" and its subpaths. */
export async function loadOurs() {
  const [main, exceptions, testing] = await Promise.all([
    import(libraryName),
    import(`${libraryName}/exceptions`),
    import(`${libraryName}/testing`),
  ]);
  return { ...main, exceptions, testing };
}

/** A setup that cannot run here; its message (the reason) goes into the report. */
export class Unavailable extends Error {}

/** The domain errors the error-path scenario throws and maps; three so `@MapErrors` has three rules. */
export class RecordNotFound extends Error {}
export class RecordConflict extends Error {}
export class RecordInvalid extends Error {}

/** Payloads: a short unary echo, and 16-byte stream messages. */
export const UNARY_INPUT = "bench-0123456789";
export const STREAM_MESSAGE = Object.freeze({ output: "0123456789abcdef" });

/** Parses a server-stream request: `"<count>"` or `"<count>:<bytes per message>"`. */
export function parseStreamRequest(input) {
  const [count, size] = String(input).split(":");
  return { count: Number(count), size: size === undefined ? 0 : Number(size) };
}

const messages = new Map();
/** The message a stream of `size`-byte messages sends (one shared object per size). */
export function streamMessage(size) {
  if (!size) return STREAM_MESSAGE;
  let message = messages.get(size);
  if (!message) messages.set(size, (message = Object.freeze({ output: "x".repeat(size) })));
  return message;
}

/** CPU time (user + system) of this process in microseconds. */
export function cpuMicros() {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Answers `{ id, ...request }` messages from the parent with `handler(request)`'s result. */
export function serveParent(handler) {
  // An orphan (the orchestrator died) must not keep serving or counting: leave with the parent.
  process.on("disconnect", () => process.exit(0));
  process.on("message", async (message) => {
    let reply;
    try {
      reply = { id: message.id, ok: true, value: await handler(message) };
    } catch (error) {
      reply = { id: message.id, ok: false, error: String(error?.stack ?? error) };
    }
    process.send(reply);
  });
}

/**
 * Sends requests to a forked child and awaits its `serveParent` replies. A request that gets no reply
 * within `timeoutMs` rejects (and the run ends): every load is bounded in count and in time.
 */
export function childRpc(child, timeoutMs = 10 * 60 * 1000) {
  let nextId = 0;
  const pending = new Map();
  child.on("message", (message) => {
    const entry = pending.get(message.id);
    if (!entry) return;
    pending.delete(message.id);
    clearTimeout(entry.timer);
    if (message.ok) entry.resolve(message.value);
    else entry.reject(new Error(message.error));
  });
  child.on("exit", (code) => {
    for (const entry of pending.values()) {
      clearTimeout(entry.timer);
      entry.reject(new Error(`child exited with code ${code}`));
    }
    pending.clear();
  });
  return (request) =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`no reply to ${request.type} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      timer.unref();
      pending.set(id, { resolve, reject, timer });
      child.send({ ...request, id });
    });
}

/** The median of the finite values, or NaN when there are none. */
export function median(values) {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
