// Turns the results into bench/results/results.md, chart.svg and results.json (the chart is plain SVG).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { benchDir, median } from "./common.mjs";

/** Targets from the issues, and two thresholds of the harness itself (marked as such in the report). */
export const TARGETS = {
  unary: { ours: 1.05, oursDecorated: 1.05, oursGrpcJs: 1.05 },
  error: { ours: 1.05, oursDecorated: 1.05, oursGrpcJs: 1.05 },
  stream: { ours: 1.1, oursDecorated: 1.1, oursGrpcJs: 1.1 },
  leakHeapGrowthMB: 5,
  backpressureRssGrowthMB: 48,
  bootstrapMs: 50,
  /** Issue 6: at least 20 % less server CPU per call (or message) than each peer. */
  versusPeers: 0.8,
};

const OURS = ["ours", "oursDecorated", "oursGrpcJs"];
const PEERS = ["nice", "nest"];

const SECTIONS = [
  { key: "unary", title: "Unary, success: server CPU per call", unit: "µs/call", rate: "calls/s", base: "raw" },
  {
    key: "error",
    title: "Unary, error path (domain error → NOT_FOUND): server CPU per call",
    unit: "µs/call",
    rate: "calls/s",
    base: "raw",
  },
  {
    key: "stream",
    title: "Server streaming, 1,000 messages a call: server CPU per message",
    unit: "µs/msg",
    rate: "msgs/s",
    base: "raw",
  },
  { key: "client", title: "Client side, unary: client CPU per call", unit: "µs/call", rate: "calls/s", base: "plain" },
];

const fixed = (value, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : "—");
const thousands = (value) => (Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "—");
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);

function verdict(value, limit) {
  if (limit === undefined) return ["", ""];
  return [`≤ ${limit.toFixed(2)}×`, Number.isFinite(value) ? (value <= limit ? "PASS" : "MISS") : "—"];
}

/** The median of the per-round ratios of two setups measured in the same rounds. */
function pairedRatio(row, base) {
  if (!row?.samples || !base?.samples) return NaN;
  return median(row.samples.map((cpu, round) => cpu / base.samples[round]));
}

function cpuTable(section, rows) {
  const targets = TARGETS[section.key] ?? {};
  // The async floor, when measured: what a throwing async method costs before any library.
  const floor = rows.find((row) => row.id === "rawAsync" && !row.unavailable);
  const floorColumn = floor ? [" ratio to (a2) |", "---:|"] : ["", ""];
  const lines = [
    `| setup | median ${section.unit} | ratio to ${section.base === "raw" ? "raw" : "plain"} |${floorColumn[0]} min–max ${section.unit} | ${section.rate} | target | result |`,
    `|---|---:|---:|${floorColumn[1]}---:|---:|---|---|`,
  ];
  for (const row of rows) {
    if (row.unavailable) {
      lines.push(`| ${row.label} | ${row.unavailable} | |${floor ? " |" : ""} | | | |`);
      continue;
    }
    const [target, result] = verdict(row.ratio, targets[row.id]);
    const spread = `${fixed(Math.min(...row.samples))}–${fixed(Math.max(...row.samples))}`;
    const invalid = row.invalid ? ` ⚠ ${row.invalid} invalid responses` : "";
    lines.push(
      `| ${row.label}${invalid} | ${fixed(row.cpu)} | ${fixed(row.ratio, 3)} |${floor ? ` ${fixed(pairedRatio(row, floor), 3)} |` : ""} ${spread} | ${thousands(row.rate)} | ${target} | ${result} |`,
    );
  }
  return lines.join("\n");
}

/** Ours against each peer, per scenario: paired per-round ratios of server CPU. */
function peerSection(scenarios) {
  const lines = [
    `### Versus the peers: our server CPU as a fraction of theirs (median of per-round ratios; target ≤ ${TARGETS.versusPeers.toFixed(2)}, i.e. at least 20 % less)`,
    "",
    "| scenario | setup | vs nice-grpc | result | vs NestJS | result |",
    "|---|---|---:|---|---:|---|",
  ];
  for (const section of SECTIONS.filter((each) => each.base === "raw" && scenarios[each.key])) {
    const rows = scenarios[section.key];
    const byId = (id) => rows.find((row) => row.id === id && !row.unavailable);
    for (const ours of OURS.map(byId).filter(Boolean)) {
      const cells = PEERS.map((id) => {
        const ratio = pairedRatio(ours, byId(id));
        return Number.isFinite(ratio)
          ? `${ratio.toFixed(3)} | ${ratio <= TARGETS.versusPeers ? "PASS" : "MISS"}`
          : "— | not measured";
      });
      lines.push(`| ${section.key} | ${ours.label} | ${cells.join(" | ")} |`);
    }
  }
  return lines.join("\n");
}

function memorySection(memory) {
  const lines = [
    `### Memory: leak check (${memory.leak[0]?.calls?.toLocaleString("en-US") ?? "?"} mixed calls after warm-up, after a forced GC)`,
    "",
    "| setup | heap after warm-up MB | heap after MB | heap growth MB | RSS after warm-up MB | RSS after MB | target | result |",
    "|---|---:|---:|---:|---:|---:|---|---|",
  ];
  for (const row of memory.leak) {
    if (row.unavailable) {
      lines.push(`| ${row.label} | ${row.unavailable} | | | | | | |`);
      continue;
    }
    const growth = (row.after.heapUsed - row.before.heapUsed) / 1024 / 1024;
    const limit = TARGETS.leakHeapGrowthMB;
    const invalid = row.invalid ? ` ⚠ ${row.invalid} invalid` : "";
    lines.push(
      `| ${row.label}${invalid} | ${mb(row.before.heapUsed)} | ${mb(row.after.heapUsed)} | ${growth.toFixed(2)} | ${mb(row.before.rss)} | ${mb(row.after.rss)} | ${row.ours ? `< ${limit} MB¹` : ""} | ${row.ours ? (growth < limit ? "PASS" : "MISS") : ""} |`,
    );
  }
  lines.push(
    "",
    `### Memory: backpressure (a ${mb(memory.streamBytes)} MB server stream of ${memory.messageBytes / 1024} KiB messages to a client that pauses 1 ms after each message)`,
    "",
    "| setup | server RSS before MB | peak server RSS MB | peak growth MB | received MB | seconds | target | result |",
    "|---|---:|---:|---:|---:|---:|---|---|",
  );
  for (const row of memory.backpressure) {
    if (row.unavailable) {
      lines.push(`| ${row.label} | ${row.unavailable} | | | | | | |`);
      continue;
    }
    const growth = (row.peak - row.baseline) / 1024 / 1024;
    const limit = TARGETS.backpressureRssGrowthMB;
    const complete = row.bytes >= memory.streamBytes * 0.99 && !row.error;
    // Judged for ours only, and only when the stream is big enough that unbounded buffering would show.
    const judged = row.ours && memory.streamBytes >= 2 * limit * 1024 * 1024;
    let result = "";
    if (!complete) result = `stream ${row.error ?? "incomplete"}`;
    else if (judged) result = growth < limit ? "PASS" : "MISS";
    else if (row.ours) result = "not judged: stream too small";
    lines.push(
      `| ${row.label} | ${mb(row.baseline)} | ${mb(row.peak)} | ${growth.toFixed(1)} | ${mb(row.bytes)} | ${(row.wallMicros / 1e6).toFixed(1)} | ${row.ours ? `< ${limit} MB¹` : ""} | ${result} |`,
    );
  }
  lines.push(
    "",
    "¹ a threshold of this harness, not of an issue: growth well under the data volume means no leak / bounded buffering.",
  );
  return lines.join("\n");
}

function bootstrapSection(bootstrap) {
  const ok = bootstrap.bootstrapMs < TARGETS.bootstrapMs;
  return [
    `### Bootstrap time: ${bootstrap.methods}-method service, decorated (median of ${bootstrap.runs.length} fresh processes)`,
    "",
    "| step | median ms | target | result |",
    "|---|---:|---|---|",
    `| decorate the class (class @MapErrors + @Intercept, 2 @Intercept per method) | ${fixed(bootstrap.decorateMs)} | | |`,
    `| \`bootstrap(definition, servicer)\`, first in the process | ${fixed(bootstrap.bootstrapMs)} | < ${TARGETS.bootstrapMs} ms | ${ok ? "PASS" : "MISS"} |`,
    `| \`server.addService\` (grpc-js) | ${fixed(bootstrap.addServiceMs)} | | |`,
    `| \`bootstrap\` again (warm) | ${fixed(bootstrap.secondBootstrapMs)} | | |`,
  ].join("\n");
}

function header(meta) {
  const versions = Object.entries(meta.versions)
    .map(([name, version]) => `${name} ${version ?? "not installed"}`)
    .join(", ");
  return [
    "# grpc-interceptor benchmarks",
    "",
    `- Date: ${meta.date} (${meta.seconds} s); commit ${meta.commit ?? "unknown"}`,
    `- Machine: ${meta.cpu}, ${meta.cores} cores, ${meta.memoryGiB} GiB; ${meta.platform}; load average ${meta.loadBefore.map((v) => v.toFixed(2)).join(" ")} before, ${meta.loadAfter.map((v) => v.toFixed(2)).join(" ")} after`,
    `- Node ${meta.node}; ${versions}`,
    `- Reproduce: \`${meta.command}\` (from the repository root)`,
    `- Method: server and load client in separate processes on 127.0.0.1; ${meta.config.rounds} alternating rounds (every setup once a round, the starting setup rotating); ` +
      `${meta.config.unaryCalls.toLocaleString("en-US")} measured unary calls (${meta.config.concurrency} in flight) or ${Math.round(meta.config.streamCalls)} streams of ${meta.config.streamMessages} messages per setup and round, after a warm-up. ` +
      "CPU is `process.cpuUsage()` (user + system) of the measured process over the window, divided by calls or messages; " +
      "the ratio is the median of the per-round ratios to the baseline measured in the same round.",
    ...(meta.pinning ? [`- Pinning: ${meta.pinning} (taskset).`] : []),
    // The run itself keeps about two cores busy, so only the load before it says whether others were busy.
    ...(meta.loadBefore[0] > meta.cores / 2
      ? [
          "- ⚠ The machine was busy with other work during this run (see the load averages): CPU figures are inflated and noisy; " +
            "trust the paired ratios more than the absolute µs, and differences of a few percent not at all (see bench/README.md, Notes and caveats).",
        ]
      : []),
    ...(meta.installNote ? [`- Note: ${meta.installNote}`] : []),
  ].join("\n");
}

/** Writes results.md, chart.svg and results.json; returns the markdown. */
export function writeReport(results) {
  const parts = [header(results.meta)];
  for (const section of SECTIONS) {
    const rows = results.scenarios[section.key];
    if (rows) parts.push(`### ${section.title}\n\n${cpuTable(section, rows)}`);
  }
  if (PEERS.some((id) => Object.values(results.scenarios).some((rows) => rows.some((row) => row.id === id)))) {
    parts.push(peerSection(results.scenarios));
  }
  if (results.memory) parts.push(memorySection(results.memory));
  if (results.bootstrap) parts.push(bootstrapSection(results.bootstrap));
  if (Object.keys(results.scenarios).length > 0) parts.push("![ratio to raw grpc-js](chart.svg)");
  const markdown = `${parts.join("\n\n")}\n`;
  const dir = join(benchDir, "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "results.md"), markdown);
  writeFileSync(join(dir, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(dir, "chart.svg"), chart(results));
  return markdown;
}

// ---- SVG ------------------------------------------------------------------------------------------

const escape = (text) => String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function colour(row) {
  if (row.id === "raw" || row.id === "plain") return "#8c8c8c";
  if (row.ours) return "#1b9e77";
  return "#d95f02";
}

/** Horizontal bars of the ratio to the baseline, one panel per CPU scenario, target lines in red. */
export function chart(results) {
  const width = 960;
  const labelWidth = 330;
  const barArea = width - labelWidth - 175; // room for the value label right of the longest bar
  const barHeight = 16;
  const gap = 6;
  const panels = SECTIONS.filter((section) => results.scenarios[section.key]);
  const finite = panels.flatMap((section) =>
    results.scenarios[section.key].map((row) => row.ratio).filter((ratio) => Number.isFinite(ratio)),
  );
  const maxRatio = Math.max(1.2, Math.ceil(Math.max(...finite, 1) * 4) / 4);
  const x = (ratio) => labelWidth + (Math.min(ratio, maxRatio) / maxRatio) * barArea;
  const out = [];
  let y = 40;
  out.push(
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">CPU cost relative to raw grpc-js (lower is better; 1.0 = raw)</text>`,
  );
  for (const section of panels) {
    const rows = results.scenarios[section.key];
    out.push(`<text x="10" y="${y + 14}" font-size="13" font-weight="bold">${escape(section.title)}</text>`);
    y += 24;
    const top = y;
    for (const row of rows) {
      out.push(
        `<text x="${labelWidth - 8}" y="${y + 12}" text-anchor="end" font-size="12">${escape(row.label)}</text>`,
      );
      if (row.unavailable || !Number.isFinite(row.ratio)) {
        out.push(`<text x="${labelWidth + 4}" y="${y + 12}" font-size="12" fill="#888">n/a</text>`);
      } else {
        out.push(
          `<rect x="${labelWidth}" y="${y}" width="${(x(row.ratio) - labelWidth).toFixed(1)}" height="${barHeight}" fill="${colour(row)}"/>`,
          `<text x="${(x(row.ratio) + 4).toFixed(1)}" y="${y + 12}" font-size="12">${row.ratio.toFixed(2)}× (${row.cpu.toFixed(1)} ${section.unit})</text>`,
        );
      }
      y += barHeight + gap;
    }
    out.push(
      `<line x1="${x(1).toFixed(1)}" y1="${top - 4}" x2="${x(1).toFixed(1)}" y2="${y - gap + 4}" stroke="#333" stroke-dasharray="3,3"/>`,
    );
    const target = Object.values(TARGETS[section.key] ?? {})[0];
    if (target) {
      out.push(
        `<line x1="${x(target).toFixed(1)}" y1="${top - 4}" x2="${x(target).toFixed(1)}" y2="${y - gap + 4}" stroke="#c00" stroke-width="1.5"/>`,
        `<text x="${(x(target) + 3).toFixed(1)}" y="${top - 6}" font-size="10" fill="#c00">target ${target.toFixed(2)}× (ours)</text>`,
      );
    }
    y += 16;
  }
  const legend = [
    ["#8c8c8c", "baseline (raw grpc-js)"],
    ["#1b9e77", "grpc-interceptor"],
    ["#d95f02", "native interceptors and other libraries"],
  ];
  legend.forEach(([fill, text], index) => {
    const lx = labelWidth + index * 180;
    out.push(
      `<rect x="${lx}" y="${y}" width="12" height="12" fill="${fill}"/>`,
      `<text x="${lx + 16}" y="${y + 10}" font-size="12">${escape(text)}</text>`,
    );
  });
  y += 28;
  const date = results.meta?.date?.slice(0, 10) ?? "";
  out.push(
    `<text x="10" y="${y}" font-size="10" fill="#666">${escape(`${results.meta?.cpu ?? ""}, ${results.meta?.cores ?? "?"} cores, Node ${results.meta?.node ?? ""}, ${date}; ${results.meta?.command ?? ""}`)}</text>`,
  );
  y += 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
${out.join("\n")}
</svg>
`;
}
