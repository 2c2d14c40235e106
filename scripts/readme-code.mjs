// The TypeScript blocks of README.md and the guides (docs/*.md), used as a reader would use them (the
// convention of scripts/readme-blocks.mjs): each complete program is written as an ES module
// (`<page>-<line>.mts`), compiled with the TC39 tsconfig of docs/compiler-settings.md
// (scripts/consumers/tsconfig.standard.json) plus `noUnusedLocals`, and run with node (a test file with
// mocha); each excerpt is type-checked with its hidden prelude (declarations only: imports are shown); in the
// consumer run, everything is type-checked once more with the legacy tsconfig. `npm test` runs it here
// (after the build; `grpc-interceptor` resolves to this package by its own name), and
// `npm run test:consumers` in a fresh project with the packed tarball installed. Errors are reported at
// their Markdown line. Usage: node scripts/readme-code.mjs (after `npm run build`).
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readmeBlocks } from "./readme-blocks.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const RUN_TIMEOUT_MS = 20_000;
const COMPILE_TIMEOUT_MS = 180_000;
const tsconfig = (flavour) =>
  JSON.parse(readFileSync(join(root, "scripts", "consumers", `tsconfig.${flavour}.json`), "utf8"));

/** README.md and the guides: the Markdown files whose code blocks follow the convention. */
export const documentedPages = () => [
  join(root, "README.md"),
  ...readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => join(root, "docs", name)),
];

/**
 * Extracts the TypeScript blocks of `pages` into `dir` (made anew), compiles and runs them with the packages
 * that resolve from there; with `legacy`, type-checks them with `experimentalDecorators` too. Prints
 * PASS/FAIL per step; returns the number of failures.
 */
export function checkReadmeCode(dir, { pages = documentedPages(), legacy = false } = {}) {
  dir = resolve(dir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const resolveFrom = createRequire(join(dir, "resolver.js")).resolve;
  const blocks = pages.flatMap((page) =>
    readmeBlocks(readFileSync(page, "utf8"))
      .filter((block) => ["program", "test", "excerpt"].includes(block.kind))
      .map((block) => ({ ...block, page: relative(root, page), stem: basename(page, ".md").toLowerCase() })),
  );
  // Page and line of each line of each written file, to report errors where the reader sees them.
  const origins = new Map();
  for (const block of blocks) {
    const name = `${block.kind === "excerpt" ? "excerpt-" : ""}${block.stem}-${block.line}.mts`;
    const prelude = block.kind === "excerpt" && block.prelude ? `${block.prelude.trim()}\n` : "";
    writeFileSync(join(dir, name), `${prelude}${block.code}`);
    origins.set(name, { page: block.page, first: block.line + 1, offset: prelude.split("\n").length - 1 });
    block.name = name;
  }
  const programs = blocks.filter((block) => block.kind !== "excerpt").map((block) => block.name);
  const excerpts = blocks.filter((block) => block.kind === "excerpt").map((block) => block.name);

  const where = (output) =>
    output.replace(/^([\w-]+-\d+\.mts)\((\d+),(\d+)\)/gm, (whole, name, line, column) => {
      const origin = origins.get(name);
      if (!origin) return whole;
      const pageLine = Number(line) - origin.offset;
      return pageLine < 1
        ? `${whole} (in the prelude of the excerpt at ${origin.page}:${origin.first - 1})`
        : `${origin.page}:${origin.first + pageLine - 1}:${column}`;
    });
  let failures = 0;
  // Runs one step in `dir`; `waived` matches diagnostics that do not count (tsc then exits 2 for them alone).
  const step = (description, command, args, { timeout = COMPILE_TIMEOUT_MS, waived } = {}) => {
    const result = spawnSync(command, args, { cwd: dir, encoding: "utf8", timeout, killSignal: "SIGKILL" });
    const raw = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim();
    const shown = waived
      ? raw
          .replace(waived, "")
          .replace(/\n{2,}/g, "\n")
          .trim()
      : raw;
    const ok = result.status === 0 || (waived !== undefined && result.status === 2 && !/error TS/.test(shown));
    if (!ok) failures += 1;
    const why = result.error ? ` (${result.error.code ?? result.error.message})` : "";
    console.log(`${ok ? "PASS" : "FAIL"} ${description}${why}`);
    if ((!ok || process.env.README_CODE_VERBOSE) && shown) console.log(where(shown).replace(/^/gm, "    "));
    return ok;
  };
  // By the package.json: TypeScript 7's `exports` do not list bin/tsc.
  const tsc = join(dirname(resolveFrom("typescript/package.json")), "bin", "tsc");
  const project = (file, compilerOptions, files) => {
    writeFileSync(join(dir, file), JSON.stringify({ compilerOptions, files }, null, 2));
    return [tsc, "-p", file];
  };
  const standard = tsconfig("standard").compilerOptions;

  // One compilation for all: excerpts may declare what they never use, so "declared but never used"
  // (noUnusedLocals) is waived for them, and for them only.
  const unused = /^(excerpt-[\w-]+-\d+\.mts)\(\d+,\d+\): error TS(6133|6192|6196|6198):.*$/gm;
  const compile = [
    process.execPath,
    project("tsconfig.blocks.json", { ...standard, noUnusedLocals: true, outDir: "out", rootDir: "." }, [
      ...programs,
      ...excerpts,
    ]),
  ];
  const compiled = step(
    `README and guide blocks compile (TC39 decorators; noUnusedLocals for programs): ${[...programs, ...excerpts].join(", ")}`,
    ...compile,
    { waived: unused },
  );
  if (compiled) {
    for (const block of blocks.filter((candidate) => candidate.kind !== "excerpt")) {
      const output = join("out", block.name.replace(/\.mts$/, ".mjs"));
      const [command, args] =
        block.kind === "test"
          ? [process.execPath, [resolveFrom("mocha/bin/mocha.js"), "--timeout", "10000", "--exit", output]]
          : [process.execPath, [output]];
      const description = `${block.page}:${block.line} ${block.kind === "test" ? "test passes (mocha)" : "program runs"}`;
      step(description, command, args, { timeout: RUN_TIMEOUT_MS });
    }
  }
  if (legacy) {
    step(
      "README and guide blocks type-check with experimentalDecorators",
      process.execPath,
      project("tsconfig.legacy.json", { ...tsconfig("legacy").compilerOptions, noEmit: true, rootDir: "." }, [
        ...programs,
        ...excerpts,
      ]),
    );
  }
  return failures;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const failures = checkReadmeCode(join(root, "build", "readme"));
  if (failures > 0) {
    console.error(`readme-code: ${failures} failure(s)`);
    process.exit(1);
  }
}
