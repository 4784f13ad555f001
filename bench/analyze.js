// Benchmark of the single-failure analysis on synthetic homelab-shaped topologies of 1k, 10k and 100k
// hosts (5 services each; the generator's shape is described in bench/lib/synthetic-topology.js).
// Runs the real path from the compiled code: configSchema + rules (and, for 1k, parseConfig on YAML),
// buildTopology, then analyze(). Each size runs in its own child process so that peak RSS is its own.
//
//   npm run build && npm run bench:analyze              # all sizes, a Markdown table on stdout
//   node --expose-gc bench/analyze.js --sizes 1000,10000
//   node --expose-gc --cpu-prof bench/analyze.js --child 10000   # one size in this process, JSON out
//
// Target (issue "Foundation"): the analysis of 10k hosts under 1 s, growth no worse than n log n.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { stringify } from "yaml";
import { configSchema } from "../dist/config/schema.js";
import { checkRules } from "../dist/config/rules.js";
import { parseConfig } from "../dist/config/load.js";
import { buildTopology } from "../dist/model/topology.js";
import { analyze } from "../dist/analysis/analyze.js";
import { syntheticConfig, SERVICES_PER_HOST } from "./lib/synthetic-topology.js";

const SEED = 20260101;
const RUNS = 3;
/** A step slower than this runs once, not RUNS times: the 100k figures would otherwise take minutes. */
const ONE_RUN_ABOVE_MS = 5_000;

function collect() {
  if (typeof globalThis.gc !== "function") throw new Error("run with node --expose-gc");
  globalThis.gc();
  globalThis.gc();
}

const mb = (bytes) => Math.round(bytes / 1024 / 1024);

/** Median wall time of `step` (and its last result): RUNS runs, or one when the first is slow. */
function timed(step) {
  const times = [];
  let result;
  for (let run = 0; run < RUNS; run++) {
    collect();
    const start = performance.now();
    result = step();
    times.push(performance.now() - start);
    if (times[0] > ONE_RUN_ABOVE_MS) break;
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor((times.length - 1) / 2)], runs: times.length, result };
}

function measure(hosts) {
  const doc = syntheticConfig(hosts, SEED);
  const out = { hosts, services: Object.keys(doc.services).length };
  if (hosts <= 1_000) {
    const yaml = stringify(doc);
    const load = timed(() => parseConfig(yaml, "synthetic.yaml"));
    if (!load.result.ok) throw new Error(`synthetic YAML rejected: ${JSON.stringify(load.result.diagnostics.slice(0, 3))}`);
    out.loadMs = load.ms;
  }
  const validate = timed(() => {
    const parsed = configSchema.safeParse(doc);
    if (!parsed.success) throw new Error(`synthetic config rejected: ${JSON.stringify(parsed.error.issues.slice(0, 3))}`);
    const errors = checkRules(parsed.data).filter((problem) => problem.severity === "error");
    if (errors.length > 0) throw new Error(`synthetic config breaks rules: ${JSON.stringify(errors.slice(0, 3))}`);
    return parsed.data;
  });
  out.validateMs = validate.ms;
  const build = timed(() => buildTopology(validate.result));
  out.buildMs = build.ms;
  out.buildRuns = build.runs;
  const topology = build.result;
  collect();
  out.heapAfterBuildMb = mb(process.memoryUsage().heapUsed);

  const analysis = timed(() => analyze(topology));
  out.analyzeMs = analysis.ms;
  out.analyzeRuns = analysis.runs;
  out.failures = analysis.result.failures.length;
  out.spofs = analysis.result.spofs.length;
  out.score = analysis.result.score.value;
  collect();
  out.heapAfterAnalyzeMb = mb(process.memoryUsage().heapUsed);
  out.peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  return out;
}

function machine() {
  const model = readFileSync("/proc/cpuinfo", "utf8").match(/^model name\s*:\s*(.*)$/m)?.[1] ?? cpus()[0]?.model ?? "unknown";
  return `${model}, ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

const fmt = (ms) => (ms === undefined ? "–" : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const nlogn = (n) => n * Math.log2(n);

function table(rows) {
  const lines = [
    `Analysis benchmark — ${machine()}`,
    "",
    "| hosts | services | components | load YAML (1k) | validate | build-topology | analyze | growth analyze (n log n) | heap after build | heap after analyze | peak RSS | SPOFs |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  rows.forEach((row, index) => {
    const previous = rows[index - 1];
    const growth = previous ? `×${(row.analyzeMs / previous.analyzeMs).toFixed(1)} (×${(nlogn(row.failures) / nlogn(previous.failures)).toFixed(1)})` : "–";
    const runs = row.analyzeRuns < RUNS || row.buildRuns < RUNS ? " ¹" : "";
    lines.push(`| ${row.hosts} | ${row.services} | ${row.failures} | ${fmt(row.loadMs)} | ${fmt(row.validateMs)} | ${fmt(row.buildMs)} | ${fmt(row.analyzeMs)}${runs} | ${growth} | ${row.heapAfterBuildMb} MB | ${row.heapAfterAnalyzeMb} MB | ${row.peakRssMb} MB | ${row.spofs} |`);
  });
  lines.push("", `Median of ${RUNS} runs; ¹ one run (a step over ${ONE_RUN_ABOVE_MS / 1000} s). Components: single failures analysed (hosts + placed services).`);
  lines.push("Heap: heapUsed after gc with the document and topology (and the analysis) retained. Growth: time ratio to the previous size (n log n ratio over components in brackets).");
  return lines.join("\n");
}

const args = process.argv.slice(2);
const childAt = args.indexOf("--child");
if (childAt >= 0) {
  process.stdout.write(`${JSON.stringify(measure(Number(args[childAt + 1])))}\n`);
} else {
  const sizesAt = args.indexOf("--sizes");
  const sizes = sizesAt >= 0 ? args[sizesAt + 1].split(",").map(Number) : [1_000, 10_000, 100_000];
  const rows = [];
  for (const hosts of sizes) {
    process.stderr.write(`${hosts} hosts (${hosts * SERVICES_PER_HOST} services)…\n`);
    const output = execFileSync(process.execPath, ["--expose-gc", "--max-old-space-size=8192", fileURLToPath(import.meta.url), "--child", String(hosts)], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 20 });
    rows.push(JSON.parse(output));
  }
  process.stdout.write(`${table(rows)}\n`);
}
