// Turns the instruction counts into bench/results/counts.md, counts.json and interceptor-cost.svg.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CHAIN_SETUPS, GEN_SETUPS } from "./count.mjs";
import { COUNT_SETUPS } from "./servers.mjs";
import { benchDir } from "./common.mjs";

/** A figure whose repeats disagree by more than this is reported as unsettled, not judged. */
export const MAX_SPREAD = 0.01;

/** Issue 18's targets: instruction ratios to (a2) (client: to the plain client). */
export const COUNT_TARGETS = {
  unary: { ours: 1.02, oursDecorated: 1.02, oursGrpcJs: 1.02 },
  error: { ours: 1.02, oursDecorated: 1.02, oursGrpcJs: 1.02 },
  stream: { ours: 1.02, oursDecorated: 1.02, oursGrpcJs: 1.02 },
  client: { ours3: 1.03 },
  /** The marginal cost of one more pass-through interceptor, as a fraction of (a2)'s unary call. */
  perInterceptor: 0.01,
  /** "No change": (c) now against (c) of the `--baseline` build (features' own targets: servers.mjs). */
  unchanged: 1.005,
};

const KINDS = [
  { key: "unary", title: "Unary, success: server instructions per call", base: "rawAsync" },
  {
    key: "error",
    title: "Unary, error path (domain error → NOT_FOUND): server instructions per call",
    base: "rawAsync",
  },
  {
    key: "stream",
    title: "Server streaming, 1,000 messages a call: server instructions per message",
    base: "rawAsync",
  },
  {
    key: "client",
    title: "Client side, unary: client instructions per call (against a raw grpc-js server)",
    base: "plain",
  },
];
const PEERS = ["nice", "nest"];

const thousands = (value) => (Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "—");
const fixed = (value, digits = 3) => (Number.isFinite(value) ? value.toFixed(digits) : "—");
const percent = (value, digits = 1) => (Number.isFinite(value) ? `${(value * 100).toFixed(digits)} %` : "—");

// One repeat has no spread to judge by: such a figure is reported, never judged.
const settled = (...rows) => rows.every((row) => row && row.perUnit?.length >= 2 && row.spread <= MAX_SPREAD);

/** Ratio of two rows' medians, with the range the repeats allow (min/max to max/min). */
function ratio(row, base) {
  if (!row?.perUnit || !base?.perUnit) return undefined;
  return {
    value: row.median / base.median,
    low: Math.min(...row.perUnit) / Math.max(...base.perUnit),
    high: Math.max(...row.perUnit) / Math.min(...base.perUnit),
  };
}

/** PASS / MISS for a settled figure; "unsettled" (no verdict) when any repeat set spreads > 1 %. */
function verdict(value, limit, rows) {
  if (limit === undefined || !Number.isFinite(value)) return ["", ""];
  if (!settled(...rows)) {
    if (rows.some((row) => row && row.perUnit?.length < 2)) return [`≤ ${limit}`, "1 repeat: no verdict"];
    const worst = Math.max(...rows.map((row) => row?.spread ?? Infinity));
    return [`≤ ${limit}`, `unsettled (spread ${percent(worst)}): no verdict`];
  }
  return [`≤ ${limit}`, value <= limit ? "PASS" : "MISS"];
}

const byId = (rows, id) => rows?.find((row) => row.id === id && !row.unavailable);

function kindTable(kind, rows) {
  const base = byId(rows, kind.base);
  const raw = byId(rows, kind.key === "client" ? "plain" : "raw");
  const targets = COUNT_TARGETS[kind.key] ?? {};
  const baseName = kind.key === "client" ? "plain" : "(a2)";
  const lines = [
    `| setup | instructions per ${kind.key === "stream" ? "message" : "call"} (median) | repeats | spread | ${kind.key === "client" ? "" : "ratio to raw | "}ratio to ${baseName} (range) | target | result |`,
    `|---|---:|---:|---:|${kind.key === "client" ? "" : "---:|"}---:|---|---|`,
  ];
  for (const row of rows) {
    if (row.unavailable) {
      lines.push(`| ${row.label} | ${row.unavailable} | | |${kind.key === "client" ? "" : " |"} | | |`);
      continue;
    }
    const toBase = ratio(row, base);
    const toRaw = ratio(row, raw);
    const [target, result] = verdict(toBase?.value, targets[row.id], [row, base]);
    const invalid = row.invalid ? ` ⚠ ${row.invalid} invalid responses` : "";
    const unsettled = row.spread > MAX_SPREAD ? " ⚠" : "";
    lines.push(
      `| ${row.label}${invalid}${row.kept ? ` [${row.commit}]` : ""} | ${thousands(row.median)} | ${row.perUnit.map(thousands).join(", ")} | ${percent(row.spread, 2)}${unsettled} | ` +
        (kind.key === "client" ? "" : `${fixed(toRaw?.value)} | `) +
        `${fixed(toBase?.value)} (${fixed(toBase?.low)}–${fixed(toBase?.high)}) | ${target} | ${result} |`,
    );
  }
  return lines.join("\n");
}

/** Least-squares slope and intercept of `points` ([x, y]). */
export function fitLine(points) {
  const n = points.length;
  const mx = points.reduce((sum, [x]) => sum + x, 0) / n;
  const my = points.reduce((sum, [, y]) => sum + y, 0) / n;
  const sxy = points.reduce((sum, [x, y]) => sum + (x - mx) * (y - my), 0);
  const sxx = points.reduce((sum, [x]) => sum + (x - mx) ** 2, 0);
  const slope = sxx ? sxy / sxx : NaN;
  return { slope, intercept: my - slope * mx };
}

/** The chain's scaling: per-call (or per-message) figures for n interceptors, and the marginal cost. */
export function scalingOf(rows, ladder) {
  const points = ladder.map(({ count, id }) => ({ count, row: byId(rows, id) })).filter((point) => point.row);
  const fit = points.length >= 2 ? fitLine(points.map(({ count, row }) => [count, row.median])) : undefined;
  return { points, fit };
}

function scalingTable(title, scaling, base, unit, limit) {
  if (!scaling.points.length) return "";
  const lines = [
    `| ${title} | instructions per ${unit} (median) | spread | Δ per added interceptor vs the previous row | ratio to (a2) |`,
    "|---:|---:|---:|---:|---:|",
  ];
  scaling.points.forEach(({ count, row }, index) => {
    const previous = scaling.points[index - 1];
    const step = previous ? (row.median - previous.row.median) / (count - previous.count) : NaN;
    lines.push(
      `| ${count} | ${thousands(row.median)} | ${percent(row.spread, 2)} | ${previous ? thousands(step) : ""} | ${fixed(base ? row.median / base.median : NaN)} |`,
    );
  });
  const slope = scaling.fit?.slope;
  const share = base ? slope / base.median : NaN;
  const rows = [...scaling.points.map((point) => point.row), base];
  let result = "";
  if (limit !== undefined && Number.isFinite(share)) {
    result = settled(...rows) ? (share <= limit ? "PASS" : "MISS") : "unsettled: no verdict";
  }
  lines.push(
    "",
    `Marginal cost of one interceptor (least-squares slope over ${scaling.points.map((point) => point.count).join("/")}): ` +
      `**${thousands(slope)} instructions per ${unit}**, ${percent(share, 2)} of (a2)` +
      (limit !== undefined ? ` (target ≤ ${percent(limit, 0)}: ${result})` : "") +
      ".",
  );
  return lines.join("\n");
}

function featureTable(results) {
  const lines = [];
  for (const kindKey of ["unary", "error"]) {
    const rows = results.counts[kindKey];
    const plain = byId(rows, "ours");
    if (!plain) continue;
    const base = byId(rows, "rawAsync");
    const entries = [
      ...COUNT_SETUPS.filter((setup) => setup.kinds).map((setup) => [setup.id, setup.feature, setup.target]),
      ["ours@baseline", "(c) now vs (c) at the --baseline build", COUNT_TARGETS.unchanged],
    ];
    for (const [id, what, limit] of entries) {
      const row = rows.find((each) => each.id === id);
      if (!row) continue;
      if (row.unavailable) {
        lines.push(`| ${kindKey} | ${what} | ${row.unavailable} | | | | |`);
        continue;
      }
      // For the baseline build the question is "(c) now / (c) before", so the rows swap roles.
      const [now, then] = id === "ours@baseline" ? [plain, row] : [row, plain];
      const toPlain = ratio(now, then);
      const delta = now.median - then.median;
      const [target, result] = verdict(toPlain.value, limit, [now, then]);
      lines.push(
        `| ${kindKey} | ${what}${id === "ours@baseline" ? ` (${row.label})` : ""} | ${thousands(delta)} | ${percent(base ? delta / base.median : NaN, 2)} | ${fixed(toPlain.value)} (${fixed(toPlain.low)}–${fixed(toPlain.high)}) | ${target} | ${result} |`,
      );
    }
  }
  if (!lines.length) return "";
  return [
    "| scenario | feature | Δ instructions per call vs (c) | Δ as a share of (a2) | ratio to (c) (range) | target | result |",
    "|---|---|---:|---:|---:|---|---|",
    ...lines,
  ].join("\n");
}

function peerTable(results) {
  const lines = [];
  for (const kind of KINDS.filter((each) => each.key !== "client")) {
    const rows = results.counts[kind.key];
    if (!rows) continue;
    for (const ours of ["ours", "oursDecorated", "oursGrpcJs"].map((id) => byId(rows, id)).filter(Boolean)) {
      const cells = PEERS.map((peer) => {
        const peerRow = byId(rows, peer);
        const r = ratio(ours, peerRow);
        return r ? `${fixed(r.value)} (${percent(1 - r.value, 0)} fewer)` : "—";
      });
      if (cells.some((cell) => cell !== "—")) lines.push(`| ${kind.key} | ${ours.label} | ${cells.join(" | ")} |`);
    }
  }
  const client = results.counts.client;
  const ours3 = byId(client, "ours3");
  const nice3 = byId(client, "nice3");
  if (ours3 && nice3) {
    const r = ratio(ours3, nice3);
    lines.push(`| client | ${ours3.label} | ${fixed(r.value)} (${percent(1 - r.value, 0)} fewer) | — |`);
  }
  if (!lines.length) return "";
  return ["| scenario | setup | ours / nice-grpc | ours / NestJS |", "|---|---|---:|---:|", ...lines].join("\n");
}

function bootstrapTable(rows) {
  return [
    "| methods | decorate ms | first `bootstrap` ms | `bootstrap` per method µs | `addService` ms | second `bootstrap` ms |",
    "|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (row) =>
        `| ${row.methods.toLocaleString("en-US")} | ${fixed(row.decorateMs, 2)} | ${fixed(row.bootstrapMs, 2)} | ${fixed((row.bootstrapMs / row.methods) * 1000, 1)} | ${fixed(row.addServiceMs, 2)} | ${fixed(row.secondBootstrapMs, 2)} |`,
    ),
  ].join("\n");
}

function inflightTable(rows) {
  const counts = rows.find((row) => row.byCalls)?.byCalls.map((each) => each.calls) ?? [];
  const lines = [
    `| setup | ${counts.map((calls) => `heap per call at ${calls.toLocaleString("en-US")} in flight (B)`).join(" | ")} | external per call at ${counts.at(-1)?.toLocaleString("en-US")} (B) |`,
    `|---|${counts.map(() => "---:|").join("")}---:|`,
  ];
  for (const row of rows) {
    if (row.unavailable) {
      lines.push(`| ${row.label} | ${row.unavailable} |${counts.map(() => " |").join("")}`);
      continue;
    }
    const invalid = row.byCalls.reduce((sum, each) => sum + each.invalid, 0);
    lines.push(
      `| ${row.label}${invalid ? ` ⚠ ${invalid} invalid` : ""} | ${row.byCalls.map((each) => `${thousands(each.heapPerCall)} (${each.heapSamples.map(thousands).join(", ")})`).join(" | ")} | ${thousands(row.byCalls.at(-1).externalPerCall)} |`,
    );
  }
  return lines.join("\n");
}

function header(meta) {
  const sizes = meta.sizes;
  return [
    "# grpc-interceptor: instruction counts",
    "",
    `- Date: ${meta.date} (${Math.round(meta.seconds / 60)} min wall, ${meta.parallel} counted processes at a time); commit measured ${meta.commit ?? "unknown"}${meta.dirty ? " (with uncommitted changes)" : ""}` +
      (meta.merged ? `; rows marked [commit] were kept from an earlier run of that commit (\`--merge\`)` : ""),
    `- Machine: ${meta.machine.cpu}, ${meta.machine.cores} cores; ${meta.machine.platform}; Node ${meta.machine.node}; ${meta.valgrind}`,
    `- Reproduce: \`${meta.command}\` (from the repository root)`,
    `- Instrument: \`valgrind ${meta.valgrindArgs.join(" ")} node ${meta.nodeArgs.join(" ")}\`, the measured process only ` +
      "(the server, or for the client scenario the client; the other side runs in plain node). " +
      "Each repeat is one process: start-up and warm-up run uninstrumented, then the window runs with the instrumentation on " +
      "(`callgrind_control -i on`, `-z`, the window, `-d`); the figure is the window's instructions divided by its calls (messages). " +
      "No forced GC before the window (it makes the next ~2,500 calls cost 1.5–5× while V8 recompiles).",
    `- Sizes: unary and client: warm-up ${sizes.unary.warmup.toLocaleString("en-US")} calls, window ${sizes.unary.window.toLocaleString("en-US")} calls (32 in flight); ` +
      `stream: warm-up ${sizes.stream.warmup} streams, window ${sizes.stream.window} streams of 1,000 messages (4 in flight); ${meta.repeats} repeats (independent processes).`,
    `- Spread = (max − min) / median of the repeats. A figure whose repeats spread more than ${percent(MAX_SPREAD, 0)} is marked ⚠ and gets no verdict.`,
  ].join("\n");
}

/** The markdown of counts.md. */
export function countMarkdown(results) {
  const parts = [header(results.meta)];
  for (const kind of KINDS) {
    const rows = results.counts[kind.key];
    if (rows?.length) parts.push(`### ${kind.title}\n\n${kindTable(kind, rows)}`);
  }
  const features = featureTable(results);
  if (features) parts.push(`### Features against (c), same run\n\n${features}`);
  const peers = peerTable(results);
  if (peers) parts.push(`### Versus the peers (instructions, ratio of medians)\n\n${peers}`);
  const unary = results.counts.unary;
  const chain = scalingOf(unary, CHAIN_SETUPS);
  const a2 = byId(unary, "rawAsync");
  if (chain.points.length > 1) {
    parts.push(
      `### Scaling: unary call through 0, 1, 3, 10 pass-through interceptors\n\n${scalingTable("interceptors", chain, a2, "call", COUNT_TARGETS.perInterceptor)}\n\n![instructions per call against the number of interceptors](interceptor-cost.svg)`,
    );
  }
  const gen = scalingOf(results.counts.stream, GEN_SETUPS);
  if (gen.points.length > 1) {
    parts.push(
      `### Scaling: streamed message through 0, 1, 3 \`async *\` interceptors\n\n${scalingTable("`async *` interceptors", gen, byId(results.counts.stream, "rawAsync"), "message")}`,
    );
  }
  if (results.bootstrap) {
    parts.push(
      `### Scaling: \`bootstrap\` time by service size (decorated: class @MapErrors + @Intercept, 2 @Intercept per method; median of ${results.bootstrap[0].runs.length} fresh processes, wall time)\n\n${bootstrapTable(results.bootstrap)}`,
    );
  }
  if (results.inflight) {
    parts.push(
      "### Scaling: server memory per in-flight unary call (handlers hold the calls; heap after a forced GC with them held minus without, per call; median of 3, the 3 in brackets)\n\n" +
        inflightTable(results.inflight),
    );
  }
  for (const note of results.meta.notes ?? []) parts.push(note);
  return `${parts.join("\n\n")}\n`;
}

// ---- SVG: instructions per call against the number of interceptors ------------------------------

const escape = (text) => String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function panel(out, { x0, y0, width, height, title, scaling, baselines, unit, xMax }) {
  const values = [...scaling.points.map((point) => point.row.median), ...baselines.map((each) => each.value)];
  const top = Math.max(...values) * 1.08;
  const bottom = Math.min(...values) * 0.9;
  const sx = (count) => x0 + (count / xMax) * width;
  const sy = (value) => y0 + height - ((value - bottom) / (top - bottom)) * height;
  out.push(`<text x="${x0}" y="${y0 - 14}" font-size="13" font-weight="bold">${escape(title)}</text>`);
  out.push(
    `<line x1="${x0}" y1="${y0 + height}" x2="${x0 + width}" y2="${y0 + height}" stroke="#333"/>`,
    `<line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y0 + height}" stroke="#333"/>`,
  );
  for (let tick = 0; tick <= 4; tick++) {
    const value = bottom + ((top - bottom) * tick) / 4;
    out.push(
      `<text x="${x0 - 6}" y="${(sy(value) + 4).toFixed(1)}" text-anchor="end" font-size="10">${Math.round(value / 1000)}k</text>`,
      `<line x1="${x0}" y1="${sy(value).toFixed(1)}" x2="${x0 + width}" y2="${sy(value).toFixed(1)}" stroke="#eee"/>`,
    );
  }
  for (const { count } of scaling.points) {
    out.push(
      `<text x="${sx(count).toFixed(1)}" y="${y0 + height + 14}" text-anchor="middle" font-size="10">${count}</text>`,
    );
  }
  out.push(
    `<text x="${x0 + width / 2}" y="${y0 + height + 30}" text-anchor="middle" font-size="11">interceptors in the chain</text>`,
  );
  for (const { value, text, colour } of baselines) {
    out.push(
      `<line x1="${x0}" y1="${sy(value).toFixed(1)}" x2="${x0 + width}" y2="${sy(value).toFixed(1)}" stroke="${colour}" stroke-dasharray="4,3"/>`,
      `<text x="${x0 + width - 4}" y="${(sy(value) - 4).toFixed(1)}" text-anchor="end" font-size="10" fill="${colour}">${escape(text)}</text>`,
    );
  }
  if (scaling.fit) {
    const { slope, intercept } = scaling.fit;
    out.push(
      `<line x1="${sx(0)}" y1="${sy(intercept).toFixed(1)}" x2="${sx(xMax).toFixed(1)}" y2="${sy(intercept + slope * xMax).toFixed(1)}" stroke="#1b9e77" stroke-width="1" stroke-dasharray="2,2"/>`,
    );
  }
  for (const { count, row } of scaling.points) {
    out.push(
      `<circle cx="${sx(count).toFixed(1)}" cy="${sy(row.median).toFixed(1)}" r="4" fill="#1b9e77"/>`,
      `<text x="${(sx(count) + 6).toFixed(1)}" y="${(sy(row.median) + 14).toFixed(1)}" font-size="10">${Math.round(row.median / 100) / 10}k</text>`,
    );
  }
  if (scaling.fit) {
    const base = baselines.find((each) => each.id === "rawAsync")?.value;
    out.push(
      `<text x="${x0 + 8}" y="${y0 + 14}" font-size="11" fill="#1b9e77">+${Math.round(scaling.fit.slope).toLocaleString("en-US")} instructions per ${unit} per interceptor${base ? ` (${((scaling.fit.slope / base) * 100).toFixed(2)} % of (a2))` : ""}</text>`,
    );
  }
}

/** Two panels: unary instructions per call for 0/1/3/10 interceptors; per message for 0/1/3 `async *`. */
export function interceptorChart(results) {
  const chain = scalingOf(results.counts.unary, CHAIN_SETUPS);
  const gen = scalingOf(results.counts.stream, GEN_SETUPS);
  const baselinesOf = (rows) =>
    [
      ["raw", "raw grpc-js", "#8c8c8c"],
      ["rawAsync", "(a2) async floor", "#d95f02"],
    ]
      .map(([id, text, colour]) => ({ id, text, colour, value: byId(rows, id)?.median }))
      .filter((each) => Number.isFinite(each.value));
  const out = [];
  const width = 960;
  out.push(
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">What an interceptor costs: server instructions, counted under valgrind (lower is better)</text>`,
  );
  if (chain.points.length > 1) {
    panel(out, {
      x0: 70,
      y0: 60,
      width: 360,
      height: 240,
      title: "Unary call, pass-through interceptors",
      scaling: chain,
      baselines: baselinesOf(results.counts.unary),
      unit: "call",
      xMax: 10,
    });
  }
  if (gen.points.length > 1) {
    panel(out, {
      x0: 560,
      y0: 60,
      width: 360,
      height: 240,
      title: "Streamed message, async * interceptors",
      scaling: gen,
      baselines: baselinesOf(results.counts.stream),
      unit: "message",
      xMax: 3,
    });
  }
  const meta = results.meta;
  out.push(
    `<text x="10" y="350" font-size="10" fill="#666">${escape(`${meta.machine.cpu}, Node ${meta.machine.node}, ${meta.date.slice(0, 10)}, commit ${meta.commit}; ${meta.command}`)}</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="360" viewBox="0 0 ${width} 360" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
${out.join("\n")}
</svg>
`;
}

/** Writes counts.md, counts.json and interceptor-cost.svg into `dir`; returns the markdown. */
export function writeCountReport(results, dir = join(benchDir, "results")) {
  mkdirSync(dir, { recursive: true });
  const markdown = countMarkdown(results);
  writeFileSync(join(dir, "counts.md"), markdown);
  writeFileSync(join(dir, "counts.json"), `${JSON.stringify(results, null, 2)}\n`);
  if (scalingOf(results.counts.unary, CHAIN_SETUPS).points.length > 1) {
    writeFileSync(join(dir, "interceptor-cost.svg"), interceptorChart(results));
  }
  return markdown;
}
