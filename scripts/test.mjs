// `npm test`: build the package, check the generated code is current, compile and run README.md's code
// blocks (scripts/readme-code.mjs), compile the type tests (spec/types, see type-tests.mjs), compile the
// specs twice (legacy `experimentalDecorators` and TC39 standard decorators; the second compiles only the
// specs that use decorators), then run them all with mocha.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const run = (script, args) => {
  try {
    execFileSync(process.execPath, [script, ...args], { stdio: "inherit" });
  } catch (error) {
    // The step has printed its own errors; don't bury them under this script's stack trace.
    process.exit(error.status ?? 1);
  }
};
const tsc = require.resolve("typescript/bin/tsc");

run("scripts/build.mjs", []);
run("scripts/check-generated.mjs", []);
run("scripts/readme-code.mjs", []);
run("scripts/type-tests.mjs", []);
rmSync("build", { recursive: true, force: true });
run(tsc, ["-p", "spec/tsconfig.json"]);
run(tsc, ["-p", "spec/tsconfig.standard.json"]);
run(require.resolve("mocha/bin/mocha.js"), [
  "--require",
  "build/legacy/support/setup.js",
  "--forbid-only",
  "--timeout",
  "10000",
  "build/legacy/**/*.spec.js",
  "build/standard/**/*.spec.js",
  ...process.argv.slice(2),
]);
