// Start-up time of the CLI as a user runs it (`understudy …` is bin/understudy.js, which runs the
// compiled dist/), against bare node: `--help`, `validate` and `analyze` on examples/homelab.yaml. Each
// command runs RUNS times in a fresh process, timed from spawn to exit with process.hrtime; the median
// and p90 are printed with the machine, its load and the date (hyperfine is not assumed), and the
// median CPU time of the children.
//
//   npm run build && node bench/cli-startup.js             # 20 runs of each
//   CLI_STARTUP_RUNS=50 node bench/cli-startup.js
//   node bench/cli-startup.js --modules                    # and which packages each command loads
//
// Target (issue 15, item 18): ≤ 200 ms for each of --help, validate and analyze. The packages a command
// does not need (the cloudflare SDK, 655 ms of every command before) must not load: --modules shows them.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const RUNS = Number(process.env.CLI_STARTUP_RUNS ?? 20);
const TARGET_MS = 200;
const EXAMPLE = join(ROOT, "examples/homelab.yaml");
const BIN = join(ROOT, "bin/understudy.js");

const cases = [
  { name: "node -e 0 (bare node)", argv: ["-e", "0"], expect: 0 },
  { name: "understudy --help", argv: [BIN, "--help"], expect: 0, target: true },
  { name: "understudy validate", argv: [BIN, "validate", "--config", EXAMPLE], expect: 0, target: true },
  { name: "understudy analyze", argv: [BIN, "analyze", "--config", EXAMPLE], expect: undefined, target: true },
];

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

// Each child also reports the CPU time it used (user + system, from process.cpuUsage at exit): on a busy
// machine the wall time mostly measures the wait for a core, the CPU time much less so.
const work = mkdtempSync(join(tmpdir(), "understudy-startup-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));
const CPU_FILE = join(work, "cpu.json");
writeFileSync(join(work, "cpu.mjs"), `import { writeFileSync } from "node:fs";\nprocess.on("exit", () => { const u = process.cpuUsage(); writeFileSync(${JSON.stringify(CPU_FILE)}, String((u.user + u.system) / 1000)); });\n`);

function time(argv, expect) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ["--import", join(work, "cpu.mjs"), ...argv], { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const cpu = Number(readFileSync(CPU_FILE, "utf8"));
  if (result.error) throw result.error;
  // analyze exits 1 when it finds single points of failure: any status but 70 and a signal is a run.
  if ((expect !== undefined && result.status !== expect) || result.status === 70 || result.signal) {
    throw new Error(`${argv.join(" ")} exited ${result.status ?? result.signal}: ${result.stderr.slice(0, 400)}`);
  }
  return { ms, cpu };
}

/** The packages from node_modules a command loads, from a resolve hook in its process. */
function modules(argv) {
  const dir = mkdtempSync(join(tmpdir(), "understudy-startup-"));
  try {
    writeFileSync(join(dir, "hooks.mjs"), `export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  const found = result.url.match(/node_modules\\/((@[^/]+\\/)?[^/]+)/);
  if (found && !(context.parentURL ?? "").includes("/node_modules/")) process.stderr.write("PACKAGE " + found[1] + "\\n");
  return result;
}\n`);
    writeFileSync(join(dir, "register.mjs"), `import { register } from "node:module";\nregister(${JSON.stringify(new URL(`file://${join(dir, "hooks.mjs")}`).href)});\n`);
    const result = spawnSync(process.execPath, ["--import", join(dir, "register.mjs"), ...argv], { cwd: ROOT, encoding: "utf8" });
    return [...new Set(result.stderr.split("\n").filter((line) => line.startsWith("PACKAGE ")).map((line) => line.slice(8)))].sort();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!existsSync(join(ROOT, "dist/cli/main.js"))) {
  console.error("dist/ is missing: run `npm run build` first (bin/understudy.js runs the compiled CLI).");
  process.exit(2);
}
const built = statSync(join(ROOT, "dist/cli/main.js")).mtime;

const cpu = cpus();
console.log(`# CLI start-up, ${new Date().toISOString()}`);
console.log(`machine: ${cpu[0]?.model ?? "unknown CPU"} × ${cpu.length}, ${Math.round(totalmem() / 2 ** 30)} GB; node ${process.version}; load average ${loadavg().map((n) => n.toFixed(2)).join(" ")}`);
console.log(`dist built ${built.toISOString()}; ${RUNS} runs each, one warm-up run first; target ≤ ${TARGET_MS} ms\n`);
console.log("| command | median ms | p90 ms | min ms | median CPU ms | target (median wall) |");
console.log("|---|---:|---:|---:|---:|---|");
let missed = 0;
for (const item of cases) {
  time(item.argv, item.expect); // warm the file cache
  const runs = Array.from({ length: RUNS }, () => time(item.argv, item.expect));
  const times = runs.map((one) => one.ms).sort((a, b) => a - b);
  const cpu = runs.map((one) => one.cpu).sort((a, b) => a - b);
  const median = quantile(times, 0.5);
  const verdict = item.target ? (median <= TARGET_MS ? "met" : "missed") : "";
  if (verdict === "missed") missed += 1;
  console.log(`| ${item.name} | ${median.toFixed(0)} | ${quantile(times, 0.9).toFixed(0)} | ${times[0].toFixed(0)} | ${quantile(cpu, 0.5).toFixed(0)} | ${verdict} |`);
}
console.log(`\nload average after: ${loadavg().map((n) => n.toFixed(2)).join(" ")}`);
if (process.argv.includes("--modules")) {
  console.log("\npackages loaded:");
  for (const item of cases.slice(1)) console.log(`  ${item.name}: ${modules(item.argv).join(", ") || "(none)"}`);
}
process.exitCode = missed > 0 ? 1 : 0;
