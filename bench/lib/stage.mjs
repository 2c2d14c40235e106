// Installs the bench's own dependencies (peers) on demand and stages the built library into
// bench/node_modules/grpc-interceptor, so a concurrent `npm run build` cannot pull it away mid-run.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { benchDir, rootDir } from "./common.mjs";

/** `npm ci --prefix bench` when bench/node_modules is missing; returns a note when it could not. */
export function installPeers() {
  if (existsSync(join(benchDir, "node_modules", ".package-lock.json"))) return undefined;
  console.error("bench: installing the peers (npm ci --prefix bench) …");
  try {
    execFileSync("npm", ["ci", "--prefix", benchDir, "--no-audit", "--no-fund"], { stdio: "inherit" });
    return undefined;
  } catch (error) {
    return `npm ci --prefix bench failed (${error.message.split("\n")[0]}); peers are reported n/a`;
  }
}

const entries = ["index", "exceptions", "testing"];
function builtFiles(source) {
  return entries.flatMap((entry) => [
    join(source, "dist", "esm", `${entry}.mjs`),
    join(source, "dist", "cjs", `${entry}.js`),
  ]);
}

/**
 * Copies package.json and dist/{cjs,esm} of `source` (default: this repository, built) into
 * bench/node_modules/<name> (default grpc-interceptor); returns the version.
 */
export async function stageLibrary(source = rootDir, name = "grpc-interceptor") {
  for (let attempt = 0; ; attempt++) {
    if (builtFiles(source).every((file) => existsSync(file))) break;
    if (attempt === 20)
      throw new Error(`${source}/dist is missing or incomplete: run \`npm run build\` (or \`npm run bench\`)`);
    await sleep(500); // someone else may be rebuilding right now
  }
  const target = join(benchDir, "node_modules", name);
  rmSync(target, { recursive: true, force: true });
  cpSync(join(source, "package.json"), join(target, "package.json"));
  cpSync(join(source, "dist", "cjs"), join(target, "dist", "cjs"), { recursive: true });
  cpSync(join(source, "dist", "esm"), join(target, "dist", "esm"), { recursive: true });
  if (!entries.every((entry) => existsSync(join(target, "dist", "esm", `${entry}.mjs`)))) {
    throw new Error("staging dist/ failed: it changed while being copied; run again");
  }
  return JSON.parse(readFileSync(join(target, "package.json"), "utf8")).version;
}

/** The installed version of a package of bench/node_modules (or the root's), or undefined. */
export function versionOf(name) {
  for (const base of [benchDir, rootDir]) {
    const file = join(base, "node_modules", name, "package.json");
    if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")).version;
  }
  return undefined;
}
