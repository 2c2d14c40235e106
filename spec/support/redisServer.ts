import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./freePort.js";

/** A real `redis-server` (Debian's) on a free loopback port, in a temporary folder, with no persistence. */
export interface RedisServer {
  readonly port: number;
  /** Stops the server (the store "goes down"); calling it again is harmless. */
  stop(): Promise<void>;
}

/** Starts `redis-server` and resolves once it accepts connections. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "redis-spec-"));
  const child: ChildProcess = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let output = "";
    child.once("error", (error) =>
      reject(new Error(`could not start redis-server (apt-get install redis-server): ${error.message}`)),
    );
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) resolve();
    });
    void exited.then(() => reject(new Error(`redis-server exited before it was ready:\n${output}`)));
  });
  child.stdout!.resume();
  let stopped: Promise<void> | undefined;
  return {
    port,
    stop: () =>
      (stopped ??= (async () => {
        child.kill("SIGTERM");
        await exited;
        rmSync(dir, { recursive: true, force: true });
      })()),
  };
}
