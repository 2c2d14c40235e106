// Measures what the typed `bootstrap` costs the compiler: a 200-method ts-proto service (50 of each kind)
// type-checked with `tsc --noEmit`, once served the 0.1 way (`bootstrap(definition: ServiceDefinition,
// servicer: object)`) and once typed (`implements AsyncServicer<typeof BigService>` and the generic
// `bootstrap`), alternating, several rounds. Needs `npm run build`. Usage: node scripts/tsc-time.mjs [rounds]
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const rounds = Number(process.argv[2] ?? 5);
const repo = resolve(import.meta.dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "tsc-time-"));
const kinds = [
  ["", "", "Unary"],
  ["stream ", "", "ClientStream"],
  ["", "stream ", "ServerStream"],
  ["stream ", "stream ", "Bidi"],
];
const methods = Array.from({ length: 200 }, (_, i) => ({ name: `Method${i}`, kind: kinds[i % 4] }));
const lower = (name) => name[0].toLowerCase() + name.slice(1);

try {
  mkdirSync(join(dir, "protos"));
  const messages = methods.map(
    ({ name }) =>
      `message ${name}Request { string id = 1; int32 n = 2; }\nmessage ${name}Reply { string text = 1; repeated string items = 2; }`,
  );
  const rpcs = methods.map(({ name, kind: [q, r] }) => `  rpc ${name}(${q}${name}Request) returns (${r}${name}Reply);`);
  writeFileSync(
    join(dir, "protos/big.proto"),
    `syntax = "proto3";\npackage big;\n${messages.join("\n")}\nservice Big {\n${rpcs.join("\n")}\n}\n`,
  );
  writeFileSync(
    join(dir, "buf.gen.yaml"),
    `version: v2\ninputs:\n  - directory: protos\nplugins:\n  - local: ${join(repo, "node_modules/.bin/protoc-gen-ts_proto")}\n    out: gen\n    opt: [outputServices=grpc-js, esModuleInterop=true, useExactTypes=false, importSuffix=.js]\n`,
  );
  execFileSync(join(repo, "node_modules/.bin/buf"), ["generate"], { cwd: dir, stdio: "inherit" });
  // The temp project's node_modules: the repository's packages, and the repository as grpc-interceptor.
  mkdirSync(join(dir, "node_modules"));
  for (const name of readdirSync(join(repo, "node_modules"))) {
    if (!name.startsWith(".")) symlinkSync(join(repo, "node_modules", name), join(dir, "node_modules", name));
  }
  symlinkSync(repo, join(dir, "node_modules/grpc-interceptor"));
  const body = methods
    .map(({ name, kind: [q, r] }) => {
      const input = q ? `requests: AsyncIterable<${name}Request>` : `request: ${name}Request`;
      const read = q
        ? `let id = ""; for await (const request of requests) id += request.id;`
        : "const id = request.id;";
      return r
        ? `  async *${lower(name)}(${input}) { ${read} yield { text: id, items: [] }; }`
        : `  async ${lower(name)}(${input}) { ${read} return { text: id, items: [] }; }`;
    })
    .join("\n");
  const imports = methods.map(({ name }) => `${name}Request`).join(", ");
  const servicer = (
    typed,
  ) => `import { ServerCredentials, Server, type ServiceDefinition, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { bootstrap${typed ? ", type AsyncServicer" : ""} } from "grpc-interceptor";
import { BigService, type ${imports} } from "./gen/big.js";
${typed ? "" : "const untyped = bootstrap as unknown as (definition: ServiceDefinition, servicer: object) => UntypedServiceImplementation;"}
class BigServicer${typed ? " implements AsyncServicer<typeof BigService>" : ""} {
${body}
}
const server = new Server();
server.addService(BigService, ${typed ? "bootstrap" : "untyped"}(BigService, new BigServicer()));
server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), () => server.forceShutdown());
`;
  const tsconfig = (file) => ({
    compilerOptions: {
      target: "ES2022",
      lib: ["ES2023"],
      module: "node16",
      moduleResolution: "node16",
      strict: true,
      skipLibCheck: true,
      noEmit: true,
      types: ["node"],
    },
    files: [file],
  });
  for (const variant of ["before", "after"]) {
    writeFileSync(join(dir, `${variant}.ts`), servicer(variant === "after"));
    writeFileSync(join(dir, `tsconfig.${variant}.json`), JSON.stringify(tsconfig(`${variant}.ts`)));
  }
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "commonjs" }));
  const tsc = join(repo, "node_modules/typescript/bin/tsc");
  const times = { before: [], after: [] };
  for (let round = 0; round <= rounds; round++) {
    for (const variant of ["before", "after"]) {
      const started = process.hrtime.bigint();
      execFileSync(process.execPath, [tsc, "-p", `tsconfig.${variant}.json`], { cwd: dir, stdio: "inherit" });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (round > 0) times[variant].push(ms); // round 0 warms the file cache
    }
  }
  const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  for (const variant of ["before", "after"]) {
    console.log(
      `${variant.padEnd(6)} median ${median(times[variant]).toFixed(0)} ms  (${times[variant].map((t) => t.toFixed(0)).join(", ")})`,
    );
  }
  const growth = (median(times.after) / median(times.before) - 1) * 100;
  const version = execFileSync(process.execPath, [tsc, "-v"]).toString().trim();
  console.log(`growth ${growth.toFixed(1)} % (limit 15 %); ${version}, ${methods.length} methods, ${rounds} rounds`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
