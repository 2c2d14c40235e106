// Fails when lib/generated is not what `npm run generate` makes from protos/ (regenerates into a
// temporary folder and compares).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const out = mkdtempSync(join(tmpdir(), "grpc-interceptor-generated-"));
try {
  execFileSync("node_modules/.bin/buf", ["generate", "-o", out], { stdio: "inherit" });
  const fresh = join(out, "lib/generated");
  const names = [...new Set([...readdirSync(fresh), ...readdirSync("lib/generated")])];
  const stale = names.filter((name) => {
    try {
      return readFileSync(join(fresh, name), "utf8") !== readFileSync(join("lib/generated", name), "utf8");
    } catch {
      return true;
    }
  });
  if (stale.length > 0) {
    console.error(
      `lib/generated is not current (${stale.join(", ")}): run \`npm run generate\` and commit the result.`,
    );
    process.exit(1);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
