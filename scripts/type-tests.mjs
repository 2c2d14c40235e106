// The type-test matrix (spec/types): compiles the must-compile and must-fail (`@ts-expect-error`) cases
// under the lowest supported TypeScript (5.6, the `typescript-5.6` dev dependency), 6 (`typescript`) and 7
// (`typescript-7`, the native compiler that `npm install typescript` gives today),
// each with legacy `experimentalDecorators` and with TC39 standard decorators. Needs `dist` (npm run build).
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const compilers = ["typescript-5.6", "typescript", "typescript-7"];
const projects = { legacy: "spec/types/tsconfig.json", standard: "spec/types/tsconfig.standard.json" };
let failed = false;
for (const compiler of compilers) {
  let tsc;
  try {
    // By the package.json: TypeScript 7's `exports` do not list bin/tsc.
    tsc = join(dirname(require.resolve(`${compiler}/package.json`)), "bin", "tsc");
  } catch {
    console.error(`type tests: ${compiler} is not installed; run \`npm install\``);
    process.exit(1);
  }
  const { version } = require(`${compiler}/package.json`);
  for (const [mode, project] of Object.entries(projects)) {
    try {
      execFileSync(process.execPath, [tsc, "-p", project], { stdio: "inherit" });
      console.log(`type tests: TypeScript ${version}, ${mode} decorators: ok`);
    } catch {
      console.error(`type tests: TypeScript ${version}, ${mode} decorators: FAILED (errors above)`);
      failed = true;
    }
  }
}
if (failed) process.exit(1);
