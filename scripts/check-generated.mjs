// Fails when a generated folder is not what `npm run generate` makes from the protos: regenerates each
// template into a temporary folder and compares file by file.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const templates = { "buf.gen.yaml": "lib/generated", "buf.gen.examples.yaml": "examples/generated" };
const stale = [];
for (const [template, folder] of Object.entries(templates)) {
  const out = mkdtempSync(join(tmpdir(), "grpc-interceptor-generated-"));
  try {
    execFileSync("node_modules/.bin/buf", ["generate", "--template", template, "-o", out], { stdio: "inherit" });
    const fresh = join(out, folder);
    for (const name of new Set([...readdirSync(fresh), ...readdirSync(folder)])) {
      let same = false;
      try {
        same = readFileSync(join(fresh, name), "utf8") === readFileSync(join(folder, name), "utf8");
      } catch {
        // missing on one side
      }
      if (!same) stale.push(join(folder, name));
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
if (stale.length > 0) {
  console.error(`Generated code is not current (${stale.join(", ")}): run \`npm run generate\` and commit the result.`);
  process.exit(1);
}
