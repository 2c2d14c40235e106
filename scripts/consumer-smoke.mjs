// `npm run test:consumers`: installs the packed package the way users get it and uses it from the outside.
// Builds and packs the tarball, makes one temporary project under the OS temp dir that `npm install`s it
// with @grpc/grpc-js, @grpc/proto-loader, typescript, tsx and @types/node from the registry (the versions
// this repository develops with), then runs each case in scripts/consumers/ in it: real calls over
// loopback for CommonJS, ESM, TypeScript with legacy and with standard decorators, tsx and proto-loader,
// and a `tsc --noEmit` type check of .cts and .mts consumers. Prints PASS/FAIL per case; exits non-zero
// on any failure. CONSUMER_SMOKE_KEEP=1 keeps the temporary project for a look afterwards.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const fixtures = join(root, "scripts", "consumers");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const MINUTE = 60_000;

// npm itself: the one running this script (`npm run`), else the npm next to this node.
const npm = process.env.npm_execpath
  ? [process.execPath, process.env.npm_execpath]
  : [join(dirname(process.execPath), "npm")];

function run(command, args, { cwd, timeout }) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd, timeout, encoding: "utf8", killSignal: "SIGKILL" });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.error?.code === "ETIMEDOUT")
    return { ok: false, output: `${output}\ntimed out after ${timeout / 1000}s`, seconds };
  if (result.error) return { ok: false, output: `${output}\n${result.error.message}`, seconds };
  if (result.status !== 0)
    return { ok: false, output: `${output}\nexit code ${result.status ?? result.signal}`, seconds };
  return { ok: true, output, stdout: result.stdout, seconds };
}

function step(description, command, args, options) {
  const result = run(command, args, options);
  if (!result.ok) throw new Error(`${description} failed:\n${result.output}`);
  return result.stdout;
}

const work = mkdtempSync(join(tmpdir(), "grpc-interceptor-consumers-"));
let failures = 0;
try {
  console.log(`consumer smoke tests in ${work}`);
  step("build", process.execPath, [join(root, "scripts", "build.mjs")], { cwd: root, timeout: 5 * MINUTE });
  const packed = JSON.parse(
    step("npm pack", npm[0], [...npm.slice(1), "pack", "--json", "--pack-destination", work], {
      cwd: root,
      timeout: 2 * MINUTE,
    }),
  );
  const tarball = join(work, packed[0].filename);

  const project = join(work, "project");
  mkdirSync(project);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "grpc-interceptor-consumer", private: true, type: "commonjs" }, null, 2),
  );
  const dev = (name) => `${name}@${pkg.devDependencies[name]}`;
  const install = [
    tarball,
    dev("@grpc/grpc-js"),
    dev("@grpc/proto-loader"),
    dev("typescript"),
    dev("tsx"),
    dev("@types/node"),
  ];
  console.log(`npm install ${install.map((spec) => spec.replace(work, "<tmp>")).join(" ")}`);
  step(
    "npm install",
    npm[0],
    [...npm.slice(1), "install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error", ...install],
    { cwd: project, timeout: 10 * MINUTE },
  );
  for (const file of ["cjs.cjs", "esm.mjs", "proto-loader.cjs", "types.cts", "types.mts"]) {
    copyFileSync(join(fixtures, file), join(project, file));
  }
  const compilerOptions = {
    target: "ES2022",
    module: "nodenext",
    moduleResolution: "nodenext",
    strict: true,
    skipLibCheck: false,
    types: ["node"],
    outDir: "out",
  };
  for (const [flavour, experimentalDecorators] of [
    ["legacy", true],
    ["standard", false],
  ]) {
    mkdirSync(join(project, flavour));
    copyFileSync(join(fixtures, "decorated.ts"), join(project, flavour, "decorated.ts"));
    writeFileSync(
      join(project, flavour, "tsconfig.json"),
      JSON.stringify(
        { compilerOptions: { ...compilerOptions, experimentalDecorators }, files: ["decorated.ts"] },
        null,
        2,
      ),
    );
  }
  writeFileSync(
    join(project, "tsconfig.types.json"),
    JSON.stringify(
      { compilerOptions: { ...compilerOptions, noEmit: true }, files: ["types.cts", "types.mts"] },
      null,
      2,
    ),
  );

  const bin = (name) => join(project, "node_modules", name);
  const tsc = bin("typescript/bin/tsc");
  const tsx = bin("tsx/dist/cli.mjs");
  const node = (cwd, file, expect) => ({ command: process.execPath, args: [file], cwd, expect });
  const cases = [
    ["a. CommonJS require", [node(project, "cjs.cjs")]],
    ["b. ESM import", [node(project, "esm.mjs")]],
    [
      "c. TypeScript, experimentalDecorators (tsc, node)",
      [
        { command: process.execPath, args: [tsc, "-p", "."], cwd: join(project, "legacy") },
        node(join(project, "legacy"), "out/decorated.js", "decorators: legacy"),
      ],
    ],
    [
      "d. TypeScript, TC39 standard decorators (tsc, node)",
      [
        { command: process.execPath, args: [tsc, "-p", "."], cwd: join(project, "standard") },
        node(join(project, "standard"), "out/decorated.js", "decorators: standard"),
      ],
    ],
    [
      "e. tsx (esbuild, experimentalDecorators, no emitDecoratorMetadata)",
      [
        {
          command: process.execPath,
          args: [tsx, "decorated.ts"],
          cwd: join(project, "legacy"),
          expect: "decorators: legacy",
        },
      ],
    ],
    [
      "e2. tsx (esbuild, TC39 standard decorators)",
      [
        {
          command: process.execPath,
          args: [tsx, "decorated.ts"],
          cwd: join(project, "standard"),
          expect: "decorators: standard",
        },
      ],
    ],
    ["f. @grpc/proto-loader definition", [node(project, "proto-loader.cjs")]],
    [
      "g. tsc --noEmit, module nodenext, .cts and .mts",
      [{ command: process.execPath, args: [tsc, "-p", "tsconfig.types.json"], cwd: project }],
    ],
  ];
  for (const [name, commands] of cases) {
    let verdict = { ok: true, output: "", seconds: "0.0" };
    for (const { command, args, cwd, expect } of commands) {
      verdict = run(command, args, { cwd, timeout: 2 * MINUTE });
      if (verdict.ok && expect && !verdict.output.includes(expect)) {
        verdict = { ...verdict, ok: false, output: `${verdict.output}\nexpected the output to contain "${expect}"` };
      }
      if (!verdict.ok) break;
    }
    if (!verdict.ok) failures += 1;
    console.log(
      `${verdict.ok ? "PASS" : "FAIL"} ${name}${verdict.output ? ` — ${verdict.output.split("\n").at(-1)}` : ""}`,
    );
    if (!verdict.ok) console.log(verdict.output.replace(/^/gm, "    "));
  }
} catch (error) {
  failures += 1;
  console.error(`FAIL setup: ${error.message}`);
} finally {
  if (process.env.CONSUMER_SMOKE_KEEP) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
if (failures > 0) {
  console.error(`${failures} consumer case(s) failed`);
  process.exit(1);
}
console.log("all consumer cases passed");
