// Fails when a generated folder is not what `npm run generate` makes from the protos: runs the templates
// in the same order into a temporary folder and compares the folders file by file, subfolders included.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

// Same order as `npm run generate`: buf.gen.rpc.yaml adds to the folder buf.gen.yaml cleans.
const templates = ["buf.gen.yaml", "buf.gen.rpc.yaml", "buf.gen.examples.yaml"];
const folders = ["lib/generated", "examples/generated"];
// The descriptor set ProtoValidate reads in examples/policies, as `npm run generate` builds it last.
const descriptorSet = ["examples/protos", "--path", "examples/protos/bookstore.proto", "-o"];
const descriptorSetFile = "examples/generated/bookstore.binpb";

// Every file under `root`, as paths relative to it.
function filesUnder(root, dir = root) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(root, join(dir, entry.name)) : [relative(root, join(dir, entry.name))],
  );
}

const stale = [];
const out = mkdtempSync(join(tmpdir(), "grpc-interceptor-generated-"));
try {
  for (const template of templates) {
    execFileSync("node_modules/.bin/buf", ["generate", "--template", template, "-o", out], { stdio: "inherit" });
  }
  execFileSync("node_modules/.bin/buf", ["build", ...descriptorSet, join(out, descriptorSetFile)], {
    stdio: "inherit",
  });
  for (const folder of folders) {
    const fresh = join(out, folder);
    for (const name of new Set([...filesUnder(fresh), ...filesUnder(folder)])) {
      let same = false;
      try {
        same = readFileSync(join(fresh, name)).equals(readFileSync(join(folder, name)));
      } catch {
        // missing on one side
      }
      if (!same) stale.push(join(folder, name));
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
if (stale.length > 0) {
  console.error(`Generated code is not current (${stale.join(", ")}): run \`npm run generate\` and commit the result.`);
  process.exit(1);
}
