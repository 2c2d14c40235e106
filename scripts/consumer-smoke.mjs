// `npm run test:consumers`: installs the package the ways users get it and uses it from the outside.
// 1. Builds and packs the tarball, makes a temporary project under the OS temp dir that `npm install`s it
//    with @grpc/grpc-js, @grpc/proto-loader, typescript, tsx, esbuild, mocha, chai and their types from the
//    registry (the versions this repository develops with), then runs each case: real calls over loopback
//    for CommonJS, ESM and proto-loader; a decorated servicer compiled with the README's two tsconfigs
//    (scripts/consumers/tsconfig.{standard,legacy}.json) and run with node, under tsx, and bundled by the
//    README's esbuild command; README.md's code blocks (scripts/readme-code.mjs); a nodenext type check of
//    .cts and .mts consumers; TypeScript 7 (what `npm install typescript` gives) and the floor (5.6).
// 2. Clones the current commit, and `npm install`s `git+file://` of that clone in a second project: npm
//    builds it there (the `prepare` script), the installed package must have every file of the tarball, and
//    the CommonJS and ESM cases run against it.
// 3. docs/own-service.md from an empty folder, with TypeScript 7 and at the floor.
// Prints PASS/FAIL per case; exits non-zero on any failure. CONSUMER_SMOKE_KEEP=1 keeps the temporary projects.
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { checkReadmeCode } from "./readme-code.mjs";
import { readmeBlocks } from "./readme-blocks.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const fixtures = join(root, "scripts", "consumers");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const MINUTE = 60_000;
/**
 * The oldest TypeScript the README promises (docs/compiler-settings.md; before 5.7 with `skipLibCheck`, since
 * @bufbuild/protobuf's declarations use 5.7's generic Uint8Array), installed under an alias. Below it, today's
 * @types/node fails the quick start: `TS2504: Type 'ClientReadableStream<…>' must have a
 * '[Symbol.asyncIterator]()' method` (5.5).
 */
const TYPESCRIPT_FLOOR = "5.6";
/** The TypeScript `npm install typescript` gives today (7, the native compiler), as the dev dependency pins it. */
const TYPESCRIPT_LATEST = `typescript@${pkg.devDependencies["typescript-7"].replace(/^npm:typescript@/, "")}`;

// npm itself: the one running this script (`npm run`), else the npm next to this node.
const npm = process.env.npm_execpath
  ? [process.execPath, process.env.npm_execpath]
  : [join(dirname(process.execPath), "npm")];

function run(command, args, { cwd, timeout, env }) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd, timeout, env, encoding: "utf8", killSignal: "SIGKILL" });
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

function report(name, verdict) {
  if (!verdict.ok) failures += 1;
  console.log(
    `${verdict.ok ? "PASS" : "FAIL"} ${name}${verdict.output ? ` — ${verdict.output.split("\n").at(-1)}` : ""}`,
  );
  if (!verdict.ok) console.log(verdict.output.replace(/^/gm, "    "));
}

/** Runs each case's commands in turn (a case fails at its first failing command, or missing `expect`). */
function runCases(cases) {
  for (const [name, commands] of cases) {
    let verdict = { ok: true, output: "" };
    for (const { command, args, cwd, expect } of commands) {
      verdict = run(command, args, { cwd, timeout: 2 * MINUTE });
      if (verdict.ok && expect && !verdict.output.includes(expect)) {
        verdict = { ...verdict, ok: false, output: `${verdict.output}\nexpected the output to contain "${expect}"` };
      }
      if (!verdict.ok) break;
    }
    report(name, verdict);
  }
}
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
  const npmInstall = (cwd, specs) =>
    step(
      "npm install",
      npm[0],
      [...npm.slice(1), "install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error", ...specs],
      { cwd, timeout: 10 * MINUTE },
    );
  const install = [
    tarball,
    ...["@grpc/grpc-js", "@grpc/proto-loader", "tsx", "esbuild", "@types/node"].map(dev),
    TYPESCRIPT_LATEST,
    ...["mocha", "@types/mocha", "chai", "@types/chai"].map(dev),
    // What the policies, metrics and fleet guides have their readers install.
    ...["zod", "rate-limiter-flexible", "@bufbuild/protovalidate", "prom-client", "@opentelemetry/api"].map(dev),
    ...["@opentelemetry/sdk-metrics", "grpc-health-check"].map(dev),
    `typescript-floor@npm:typescript@~${TYPESCRIPT_FLOOR}.0`,
  ];
  console.log(`npm install ${install.map((spec) => spec.replace(work, "<tmp>")).join(" ")}`);
  npmInstall(project, install);
  for (const file of ["cjs.cjs", "esm.mjs", "proto-loader.cjs", "types.cts", "types.mts"]) {
    copyFileSync(join(fixtures, file), join(project, file));
  }
  // The decorated servicer under each of the README's tsconfigs, as the project's own tsconfig.json.
  for (const flavour of ["legacy", "standard"]) {
    mkdirSync(join(project, flavour, "src"), { recursive: true });
    copyFileSync(join(fixtures, "decorated.ts"), join(project, flavour, "src", "decorated.ts"));
    copyFileSync(join(fixtures, `tsconfig.${flavour}.json`), join(project, flavour, "tsconfig.json"));
  }
  const compilerOptions = {
    target: "ES2022",
    module: "nodenext",
    moduleResolution: "nodenext",
    strict: true,
    skipLibCheck: false,
    types: ["node"],
  };
  writeFileSync(
    join(project, "tsconfig.types.json"),
    JSON.stringify(
      { compilerOptions: { ...compilerOptions, noEmit: true }, files: ["types.cts", "types.mts"] },
      null,
      2,
    ),
  );

  const bin = (name) => join(project, "node_modules", name);
  const tsc = bin("typescript/bin/tsc"); // TypeScript 7
  const tscFloor = bin("typescript-floor/bin/tsc");
  const tsx = bin("tsx/dist/cli.mjs");
  const node = (cwd, file, expect) => ({ command: process.execPath, args: [file], cwd, expect });
  const dir = (flavour) => join(project, flavour);
  // The esbuild command line of docs/compiler-settings.md, as written there (the block after
  // `<!-- consumer: esbuild -->`).
  const settings = readFileSync(join(root, "docs", "compiler-settings.md"), "utf8");
  const esbuildLine = readmeBlocks(settings)
    .find((block) => block.consumer === "esbuild")
    ?.code.replace(/\\\n\s*/g, "")
    .trim();
  if (!esbuildLine?.startsWith("npx esbuild server.ts ")) {
    throw new Error(
      "docs/compiler-settings.md has no esbuild command (`npx esbuild server.ts …`) after <!-- consumer: esbuild -->",
    );
  }
  const esbuild = (flavour) => ({
    command: "sh",
    args: ["-c", esbuildLine.replace("npx esbuild server.ts", `"${bin(".bin/esbuild")}" src/decorated.ts`)],
    cwd: dir(flavour),
  });
  const cases = [
    ["a. CommonJS require", [node(project, "cjs.cjs")]],
    ["b. ESM import", [node(project, "esm.mjs")]],
    ...["legacy", "standard"].flatMap((flavour) => [
      [
        `c. ${flavour} decorators: the README's tsconfig, tsc (TypeScript 7), node`,
        [
          { command: process.execPath, args: [tsc, "-p", "."], cwd: dir(flavour) },
          node(dir(flavour), "dist/decorated.js", `decorators: ${flavour}`),
        ],
      ],
      [
        `d. ${flavour} decorators: tsx with the README's tsconfig`,
        [
          {
            command: process.execPath,
            args: [tsx, "src/decorated.ts"],
            cwd: dir(flavour),
            expect: `decorators: ${flavour}`,
          },
        ],
      ],
      [
        `e. ${flavour} decorators: the README's esbuild command (an ES module bundle with grpc-js), node`,
        [esbuild(flavour), node(dir(flavour), "dist/server.mjs", `decorators: ${flavour}`)],
      ],
      [
        `f. ${flavour} decorators: TypeScript ${TYPESCRIPT_FLOOR} (the floor, with skipLibCheck) type-checks it`,
        [{ command: process.execPath, args: [tscFloor, "-p", ".", "--noEmit", "--skipLibCheck"], cwd: dir(flavour) }],
      ],
    ]),
    ["g. @grpc/proto-loader definition", [node(project, "proto-loader.cjs")]],
    [
      "h. tsc --noEmit (TypeScript 7), module nodenext, .cts and .mts",
      [{ command: process.execPath, args: [tsc, "-p", "tsconfig.types.json"], cwd: project }],
    ],
    [
      `h2. the same with TypeScript ${TYPESCRIPT_FLOOR} (with skipLibCheck, as the README says)`,
      [{ command: process.execPath, args: [tscFloor, "-p", "tsconfig.types.json", "--skipLibCheck"], cwd: project }],
    ],
  ];
  runCases(cases);

  console.log("README.md's code blocks in this project:");
  failures += checkReadmeCode(join(project, "readme"), { legacy: true });

  // 3. Your own service (docs/own-service.md), from an empty folder: npm init, the installs the guide names,
  //    examples/own-service's proto, buf.yaml, buf.gen.yaml, tsconfig.json and src/main.ts, `buf generate`
  //    (whose output must equal the committed src/gen), tsc and node; with TypeScript 7, then at the floor.
  const example = join(root, "examples", "own-service");
  for (const [label, typescript, tscArgs] of [
    ["TypeScript 7", TYPESCRIPT_LATEST, []],
    [`TypeScript ${TYPESCRIPT_FLOOR}`, `typescript@~${TYPESCRIPT_FLOOR}.0`, ["--skipLibCheck"]],
  ]) {
    const own = join(work, `own-service-${typescript.replace(/\W+/g, "-")}`);
    const verdict = ownService(own, example, tarball, typescript, tscArgs);
    report(`j. your own service from an empty folder (${label}): install, buf generate, tsc, node`, verdict);
  }

  // 2. An install from git, the way `npm install <git URL>` works: of a clone of the current commit.
  const commit = step("git rev-parse", "git", ["rev-parse", "HEAD"], { cwd: root, timeout: MINUTE }).trim();
  if (step("git status", "git", ["status", "--porcelain"], { cwd: root, timeout: MINUTE }).trim() !== "") {
    console.log(`note: the install from git is of commit ${commit}; uncommitted changes are not in it`);
  }
  const clone = join(work, "clone");
  step("git clone", "git", ["clone", "--quiet", "--no-hardlinks", root, clone], { cwd: work, timeout: 2 * MINUTE });
  step("git checkout", "git", ["checkout", "--quiet", "--detach", commit], { cwd: clone, timeout: MINUTE });
  const fromGit = join(work, "from-git");
  mkdirSync(fromGit);
  // Its `prepare` approved in `allowScripts`, as the README says (npm 11 warns otherwise; later npm skips it).
  const repository = `git+file://${clone}`;
  writeFileSync(
    join(fromGit, "package.json"),
    JSON.stringify({ name: "from-git", private: true, allowScripts: { [repository]: true } }, null, 2),
  );
  const url = `${repository}#${commit}`;
  console.log(`npm install ${url.replace(work, "<tmp>")} ${dev("@grpc/grpc-js")} (npm builds it: prepare)`);
  let installed = run(
    npm[0],
    [
      ...npm.slice(1),
      "install",
      "--no-audit",
      "--no-fund",
      "--no-package-lock",
      "--loglevel=warn",
      url,
      dev("@grpc/grpc-js"),
    ],
    { cwd: fromGit, timeout: 10 * MINUTE },
  );
  if (installed.ok && /install-scripts\s+grpc-interceptor@/.test(installed.output)) {
    installed = { ok: false, output: `${installed.output}\nnpm says the approved prepare script is not covered` };
  }
  if (installed.ok) {
    const files = (dir) =>
      readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
    const have = new Set(files(join(fromGit, "node_modules", "grpc-interceptor")));
    const missing = packed[0].files.map((file) => file.path).filter((path) => !have.has(path));
    installed = missing.length
      ? {
          ok: false,
          output: `the package installed from git lacks ${missing.length} file(s) of the tarball: ${missing.join(", ")}`,
        }
      : { ok: true, output: `all ${packed[0].files.length} files of the tarball, dist/ built by prepare` };
  }
  report(`i. npm install git+file://<fresh clone of ${commit.slice(0, 10)}>`, installed);
  if (installed.ok) {
    for (const file of ["cjs.cjs", "esm.mjs"]) copyFileSync(join(fixtures, file), join(fromGit, file));
    runCases([
      ["i2. installed from git: CommonJS require", [node(fromGit, "cjs.cjs")]],
      ["i3. installed from git: ESM import", [node(fromGit, "esm.mjs")]],
    ]);
  }
} catch (error) {
  failures += 1;
  console.error(`FAIL setup: ${error.message}`);
} finally {
  if (process.env.CONSUMER_SMOKE_KEEP) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
/**
 * docs/own-service.md step by step in the empty folder `dir`: returns the verdict of the first step that
 * fails, or of the program's run (which must print the greeting, the mapped error and both streamed replies).
 */
function ownService(dir, example, tarball, typescript, tscArgs) {
  mkdirSync(join(dir, "src"), { recursive: true });
  const quiet = ["--no-audit", "--no-fund", "--loglevel=error"];
  const steps = [
    [...npm, "init", "-y"],
    [...npm, "pkg", "set", "type=module"],
    [...npm, "install", ...quiet, tarball, "@grpc/grpc-js", "@bufbuild/protobuf"],
    [...npm, "install", ...quiet, "--save-dev", typescript, "@types/node", "@bufbuild/buf", "ts-proto"],
  ];
  for (const [command, ...args] of steps) {
    const result = run(command, args, { cwd: dir, timeout: 10 * MINUTE });
    if (!result.ok) return result;
  }
  for (const file of ["buf.yaml", "buf.gen.yaml", "tsconfig.json", "src/main.ts"]) {
    copyFileSync(join(example, file), join(dir, file));
  }
  cpSync(join(example, "proto"), join(dir, "proto"), { recursive: true });
  const bin = (name) => join(dir, "node_modules", ".bin", name);
  const env = { ...process.env, PATH: `${join(dir, "node_modules", ".bin")}:${process.env.PATH}` };
  const generated = run(bin("buf"), ["generate"], { cwd: dir, timeout: 2 * MINUTE, env });
  if (!generated.ok) return generated;
  const code = "src/gen/greeter/v1/greeter.ts";
  const body = (file) => readFileSync(file, "utf8").replace(/^\/\/ {3}protoc-gen-ts_proto .*$/m, "");
  if (body(join(dir, code)) !== body(join(example, code))) {
    return { ok: false, output: `buf generate made a ${code} that differs from examples/own-service/${code}` };
  }
  const compiled = run(process.execPath, [join(dir, "node_modules", "typescript", "bin", "tsc"), ...tscArgs], {
    cwd: dir,
    timeout: 2 * MINUTE,
  });
  if (!compiled.ok) return compiled;
  const ran = run(process.execPath, ["dist/main.js"], { cwd: dir, timeout: MINUTE });
  const expected = ["Hello, Ada!", "NOT_FOUND say who you are", "Bonjour, Ada!"];
  const missing = expected.filter((line) => !ran.output.includes(line));
  return missing.length && ran.ok
    ? { ok: false, output: `${ran.output}\nexpected the output to contain ${missing.join(", ")}` }
    : ran;
}

if (failures > 0) {
  console.error(`${failures} consumer case(s) failed`);
  process.exit(1);
}
console.log("all consumer cases passed");
