// The probe benchmark (issue 3): 10,000 HTTP checks at a 10 s interval against a few loopback servers,
// run by the real agent (`understudy agent`) pinned to one core, for two minutes. It reports checks per
// second sustained, schedule lag p50/p99 (the agent's own /metrics), the agent's peak RSS, and SQLite bytes
// written per million results. Targets: ≥ 1,000 checks/s, lag p99 ≤ 100 ms, RSS ≤ 200 MB.
//
//   npm run build && node bench/probes.js                    # 10,000 checks, 120 s
//   node bench/probes.js --checks 2000 --seconds 60          # a smaller run
//   node bench/probes.js "--node-args=--cpu-prof --cpu-prof-dir=/tmp/p"   # profile the agent (or --trace-gc with --agent-log FILE)
import { spawn, execFileSync } from "node:child_process";
import { createWriteStream, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { scratchDir } from "./lib/scratch.js";

const { values } = parseArgs({ options: { checks: { type: "string", default: "10000" }, seconds: { type: "string", default: "120" }, servers: { type: "string", default: "4" }, interval: { type: "string", default: "10s" }, "node-args": { type: "string", default: "" }, "agent-log": { type: "string" } } });
const CHECKS = Number(values.checks);
const SECONDS = Number(values.seconds);
const PER_SERVICE = 10;
const WARMUP_S = 20;
const dir = scratchDir("understudy-bench-probes-");
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function taskset(core, argv) {
  try {
    execFileSync("taskset", ["--version"], { stdio: "ignore" });
    return ["taskset", ["-c", String(core), ...argv]];
  } catch {
    return [argv[0], argv.slice(1)];
  }
}

function start(core, argv, options = {}) {
  const [command, args] = taskset(core, argv);
  return spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
}

async function firstLine(child) {
  let buffer = "";
  for await (const chunk of child.stdout) {
    buffer += chunk;
    if (buffer.includes("\n")) return buffer.split("\n")[0];
  }
  throw new Error("child ended before printing");
}

function config(ports, listen) {
  const hosts = {};
  const services = {};
  const serviceCount = Math.ceil(CHECKS / PER_SERVICE);
  for (let s = 0; s < serviceCount; s++) {
    const host = `h${Math.floor(s / 10)}`;
    hosts[host] = { address: "127.0.0.1" };
    const checks = [];
    for (let c = 0; c < PER_SERVICE && s * PER_SERVICE + c < CHECKS; c++) {
      const port = ports[(s * PER_SERVICE + c) % ports.length];
      checks.push({ name: `s${s}-c${c}`, http: `http://127.0.0.1:${port}/s${s}/c${c}`, interval: values.interval, jitter: values.interval, timeout: "5s" });
    }
    services[`s${s}`] = { runs_on: [host], checks };
  }
  return { version: 1, hosts, services, agents: { listen, data_dir: join(dir, "state"), concurrency: 512, grace: "0s" } };
}

async function metrics(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  let results = 0;
  const lag = {};
  for (const line of text.split("\n")) {
    if (line.startsWith("understudy_check_results_total{")) results += Number(line.slice(line.lastIndexOf(" ") + 1));
    const quantile = /^understudy_scheduler_lag_seconds\{quantile="([^"]+)"\} (\S+)/.exec(line);
    if (quantile) lag[quantile[1]] = Number(quantile[2]) * 1000;
  }
  return { results, lag };
}

function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

function dirBytes(path) {
  let total = 0;
  for (const name of readdirSync(path)) total += statSync(join(path, name)).size;
  return total;
}

const targets = start(1, [process.execPath, "bench/lib/http-targets.js", values.servers]);
const ports = JSON.parse(await firstLine(targets));
const port = 18470 + Math.floor(Math.random() * 1000);
const configFile = join(dir, "bench.json");
writeFileSync(configFile, JSON.stringify(config(ports, `127.0.0.1:${port}`)));
const nodeArgs = values["node-args"].split(" ").filter(Boolean); // e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
const agent = start(0, [process.execPath, ...nodeArgs, "bin/understudy.js", "agent", "--config", configFile]);
let agentLog = "";
agent.stderr.on("data", (chunk) => { agentLog += chunk; });
// --agent-log FILE keeps what the agent prints (its log, and --trace-gc and the like from --node-args).
if (values["agent-log"]) agent.stdout.pipe(createWriteStream(values["agent-log"]));
else agent.stdout.resume();
const url = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; ; i++) {
    try { await fetch(`${url}/healthz`); break; } catch { if (i > 100) throw new Error(`agent did not start:\n${agentLog}`); await sleep(200); }
  }
  await sleep(WARMUP_S * 1000);
  const loadBefore = loadavg()[0];
  const before = await metrics(url);
  const startedAt = Date.now();
  let peakRss = rssMb(agent.pid);
  const lagSamples = [];
  while (Date.now() - startedAt < SECONDS * 1000) {
    await sleep(10_000);
    peakRss = Math.max(peakRss, rssMb(agent.pid));
    lagSamples.push((await metrics(url)).lag);
  }
  const after = await metrics(url);
  const elapsed = (Date.now() - startedAt) / 1000;
  const perSecond = (after.results - before.results) / elapsed;
  const last = lagSamples.at(-1) ?? {};
  agent.kill("SIGTERM");
  await new Promise((resolve) => agent.on("exit", resolve));
  const stateBytes = dirBytes(join(dir, "state"));
  const machine = `${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, Node ${process.version}`;
  console.log(`Probe benchmark, ${new Date().toISOString().slice(0, 10)}, ${machine}; agent pinned to core 0, HTTP servers on core 1`);
  console.log(`${CHECKS} HTTP checks every ${values.interval} (jitter ${values.interval}) against ${ports.length} loopback servers, ${elapsed.toFixed(0)} s measured after ${WARMUP_S} s warm-up\n`);
  console.log("| figure | measured | target |");
  console.log("|---|---:|---:|");
  console.log(`| checks per second sustained | ${perSecond.toFixed(0)} | ≥ 1,000 (${(CHECKS / Number.parseFloat(values.interval)).toFixed(0)} due per second) |`);
  console.log(`| schedule lag p50 (agent's 15-minute window) | ${(last["0.5"] ?? NaN).toFixed(1)} ms | |`);
  console.log(`| schedule lag p99 | ${(last["0.99"] ?? NaN).toFixed(1)} ms | ≤ 100 ms |`);
  console.log(`| agent peak RSS | ${peakRss.toFixed(0)} MB | ≤ 200 MB |`);
  console.log(`| SQLite bytes per million results (db + WAL) | ${((stateBytes / after.results) * 1e6 / 2 ** 20).toFixed(1)} MiB | |`);
  console.log(`| results stored in all | ${after.results} | |`);
  // The machine may be shared: lag in particular depends on what else ran on the agent's core.
  console.log(`\nload average (1 min) at start / end of the measurement: ${loadBefore.toFixed(2)} / ${loadavg()[0].toFixed(2)}`);
} finally {
  agent.kill("SIGKILL");
  targets.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
