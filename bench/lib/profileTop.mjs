// Where a V8 CPU profile of a server spends its time:
//   node bench/lib/profileTop.mjs <file.cpuprofile> [more.cpuprofile …] [--top N]
// For each profile: busy CPU by category (grpc-interceptor's own code, grpc-js, Node internals, codec,
// GC, …) in milliseconds, then the top functions by self time. Profiles of one `--profile` run cover the
// same calls, so their categories compare directly.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values, positionals: files } = parseArgs({
  allowPositionals: true,
  options: { top: { type: "string", default: "15" } },
});
if (files.length === 0) {
  console.error("usage: node bench/lib/profileTop.mjs <file.cpuprofile> [more …] [--top N]");
  process.exit(2);
}

const CATEGORIES = [
  ["grpc-interceptor", (url) => /grpc-interceptor\/dist\/cjs\/(?!generated\/)/.test(url)],
  ["codec (ts-proto, @bufbuild)", (url) => /grpc-interceptor\/dist\/cjs\/generated\/|@bufbuild\//.test(url)],
  ["@grpc/grpc-js", (url) => url.includes("@grpc/grpc-js/")],
  ["peers (nice-grpc, Nest, rxjs)", (url) => /node_modules\/(nice-grpc|@nestjs|rxjs|abort-controller-x)/.test(url)],
  ["bench handlers", (url) => url.includes("/bench/lib/")],
  ["node internals", (url) => url.startsWith("node:")],
];

function categorize(frame) {
  if (frame.functionName === "(garbage collector)") return "GC";
  if (frame.functionName === "(program)") return "(program)";
  for (const [name, test] of CATEGORIES) if (test(frame.url)) return name;
  return "native / other";
}

const shorten = (url) => url.replace(/^file:\/\//, "").replace(/^.*node_modules\//, "");
const label = (frame) =>
  `${frame.functionName || "(anonymous)"} ${frame.url ? `${shorten(frame.url)}:${frame.lineNumber + 1}` : ""}`.trim();

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  // timeDeltas[i] is the time before samples[i]; attribute it to that sample.
  const perCategory = new Map();
  const perFunction = new Map();
  let busy = 0;
  profile.samples.forEach((id, index) => {
    const frame = byId.get(id).callFrame;
    if (frame.functionName === "(idle)") return;
    const micros = profile.timeDeltas[index] ?? 0;
    busy += micros;
    const category = categorize(frame);
    perCategory.set(category, (perCategory.get(category) ?? 0) + micros);
    const name = label(frame);
    perFunction.set(name, (perFunction.get(name) ?? 0) + micros);
  });
  const ms = (micros) => (micros / 1000).toFixed(0).padStart(7);
  const share = (micros) => `${((micros / busy) * 100).toFixed(1).padStart(5)} %`;
  console.log(`\n${file}: ${ms(busy).trim()} ms busy`);
  for (const [name, micros] of [...perCategory].sort((a, b) => b[1] - a[1])) {
    console.log(`  ${ms(micros)} ms ${share(micros)}  ${name}`);
  }
  console.log("  top functions by self time:");
  for (const [name, micros] of [...perFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) {
    console.log(`  ${ms(micros)} ms ${share(micros)}  ${name}`);
  }
}
