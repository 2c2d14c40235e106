// `npm run test:interop`: interoperability with gRPC C-core, through Python grpcio.
//   1. our grpc-js server (decorated dummy service) <- a Python grpcio client (py_client.py);
//   2. a Python grpcio server (py_server.py) <- our grpc-js client with our client interceptors;
//   3. the same Python server <- our grpc-js front service, relaying with CallScope and Propagate.
// Every check prints PASS or FAIL; the run ends with "interop: N passed, M failed" and exits 1 on any
// failure. Each step has a time limit, and so has the whole run, so nothing can stall CI.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { runNodeClientChecks } from "./nodeClient.js";
import { startOurServer } from "./ourServer.js";
import { runPropagationChecks } from "./propagation.js";

const RUN_LIMIT_MS = 240_000;
const PYTHON_CLIENT_LIMIT_MS = 150_000;
const here = __dirname;
let passed = 0;
let pythonEnv: NodeJS.ProcessEnv = process.env;
let failed = 0;

function report(ok: boolean, name: string, why?: string): void {
  if (ok) passed++;
  else failed++;
  console.log(ok ? `PASS ${name}` : `FAIL ${name}${why ? `: ${why}` : ""}`);
}

/** The first Python that can `import grpc` and protobuf: $INTEROP_PYTHON, python3 on the PATH, then Debian's. */
function findPython(): string | undefined {
  const candidates = [process.env.INTEROP_PYTHON, "python3", "/usr/bin/python3"].filter(Boolean) as string[];
  return candidates.find(
    (python) =>
      spawnSync(python, ["-c", "import grpc, google.protobuf.message_factory"], { stdio: "ignore", timeout: 30_000 })
        .status === 0,
  );
}

/**
 * protos/google/rpc compiled by buf into a FileDescriptorSet, for rich_status.py (passed to Python as
 * $INTEROP_RPC_DESCRIPTORS): both sides use the same protos.
 */
function buildRpcDescriptors(): string {
  const root = join(here, "..", "..");
  const file = join(mkdtempSync(join(tmpdir(), "grpc-interceptor-interop-")), "google-rpc.binpb");
  const built = spawnSync(
    join(root, "node_modules", ".bin", "buf"),
    ["build", "protos", "--path", "protos/google", "-o", file],
    { cwd: root, encoding: "utf8", timeout: 60_000 },
  );
  if (built.status !== 0) throw new Error(`buf build of protos/google failed: ${built.stderr || built.error}`);
  return file;
}

/** Relays a child's stdout line by line with a prefix, calling `onLine` for each line. */
function relay(child: ChildProcess, prefix: string, onLine: (line: string) => void = () => {}): void {
  createInterface({ input: child.stdout! }).on("line", (line) => {
    console.log(`${prefix}${line}`);
    onLine(line);
  });
  createInterface({ input: child.stderr! }).on("line", (line) => console.error(`${prefix}(stderr) ${line}`));
}

/** Stops a child we started: SIGTERM, then SIGKILL if it is still there after a second. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 1000);
  await exited;
  clearTimeout(timer);
}

async function pythonClientAgainstOurServer(python: string): Promise<void> {
  const server = await startOurServer();
  const target = `127.0.0.1:${server.port}`;
  console.log(`\n== 1. Python grpcio client -> our grpc-js server on ${target}`);
  const child = spawn(python, [join(here, "py_client.py"), target], {
    stdio: ["ignore", "pipe", "pipe"],
    env: pythonEnv,
  });
  let childPassed = 0;
  let childFailed = 0;
  relay(child, "  [python client] ", (line) => {
    if (line.startsWith("PASS ")) childPassed++;
    else if (line.startsWith("FAIL ")) childFailed++;
  });
  const timer = setTimeout(() => {
    report(false, "python client", `still running after ${PYTHON_CLIENT_LIMIT_MS / 1000} s: killed`);
    child.kill("SIGKILL");
  }, PYTHON_CLIENT_LIMIT_MS);
  const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
  clearTimeout(timer);
  passed += childPassed;
  failed += childFailed;
  if (code !== 0 && childFailed === 0) report(false, "python client", `exited with ${code ?? signal}`);
  if (childPassed === 0) report(false, "python client", "ran no check");
  await server.close();
}

/** Starts py_server.py and resolves with its port once it prints `PORT <n>`. */
async function startPythonServer(python: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(python, [join(here, "py_server.py")], {
    stdio: ["pipe", "pipe", "pipe"], // The server exits when its stdin closes, i.e. when this process dies.
    env: pythonEnv,
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("py_server.py printed no port within 20 s")), 20_000);
    child.once("exit", (code) => reject(new Error(`py_server.py exited with ${code} before printing its port`)));
    relay(child, "  [python server] ", (line) => {
      const match = /^PORT (\d+)$/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
  return { child, port };
}

async function ourClientAgainstPythonServer(python: string): Promise<void> {
  let server: { child: ChildProcess; port: number } | undefined;
  try {
    server = await startPythonServer(python);
    console.log(
      `\n== 2. our grpc-js client with client interceptors -> Python grpcio server on 127.0.0.1:${server.port}`,
    );
    await runNodeClientChecks(`127.0.0.1:${server.port}`, report);
    console.log("\n== 3. propagation: our grpc-js front service (CallScope, Propagate) -> Python grpcio server");
    await runPropagationChecks(`127.0.0.1:${server.port}`, report);
  } catch (error) {
    report(false, "python server run", String(error));
  } finally {
    if (server) await stop(server.child);
  }
}

async function main(): Promise<void> {
  const limit = setTimeout(() => {
    console.log(`FAIL interop run: still running after ${RUN_LIMIT_MS / 1000} s`);
    console.log(`interop: ${passed} passed, ${failed + 1} failed`);
    process.exit(1);
  }, RUN_LIMIT_MS);
  limit.unref();

  const python = findPython();
  if (!python) {
    report(false, "python", "no python3 can `import grpc`: apt-get install python3-grpcio (or set INTEROP_PYTHON)");
  } else {
    const version = spawnSync(python, ["-c", "import grpc, sys; print(grpc.__version__, sys.version.split()[0])"], {
      encoding: "utf8",
      timeout: 30_000,
    });
    console.log(`Python: ${python} (grpcio, python: ${version.stdout.trim()})`);
    const descriptors = buildRpcDescriptors();
    pythonEnv = {
      ...process.env,
      PYTHONUNBUFFERED: "1",
      PYTHONDONTWRITEBYTECODE: "1",
      INTEROP_RPC_DESCRIPTORS: descriptors,
    };
    try {
      await pythonClientAgainstOurServer(python);
      await ourClientAgainstPythonServer(python);
    } finally {
      rmSync(dirname(descriptors), { recursive: true, force: true });
    }
  }
  console.log(`\ninterop: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  console.log(`interop: ${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
