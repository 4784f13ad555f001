// The API load benchmark (issue 7): the real agent (`understudy agent`, dashboard on, one viewer user
// and one viewer token) runs 1,000 HTTP checks against loopback servers while this script sends a
// steady 200 authenticated GETs per second for 60 s, a mix of /api/status, /api/topology,
// /api/incidents and /api/analysis, half with the session cookie a browser holds and half with a
// bearer token as the CLI sends. It reports latency p50/p99/max and errors. Target: p99 under 50 ms.
//
//   npm run build && node bench/api.js                       # 1,000 checks, 200 req/s, 60 s
//   node bench/api.js --rate 400 --seconds 30 --checks 2000  # other figures
//
// The load is open-loop: request i is due at start + i / rate whatever happened to the ones before,
// and its latency is counted from when it was due, so a stalled agent cannot hide behind a generator
// that waits for it (coordinated omission). The agent is pinned to core 0; the HTTP targets and this
// generator to core 1.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { hashPassword } from "../dist/api/auth/password.js";
import { hashToken, newToken } from "../dist/api/auth/tokens.js";
import { scratchDir } from "./lib/scratch.js";

const { values } = parseArgs({ options: { checks: { type: "string", default: "1000" }, rate: { type: "string", default: "200" }, seconds: { type: "string", default: "60" }, interval: { type: "string", default: "10s" }, servers: { type: "string", default: "4" } } });
const CHECKS = Number(values.checks);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const PER_SERVICE = 10;
const WARMUP_S = 15;
const PATHS = ["/api/status", "/api/topology", "/api/incidents", "/api/analysis"];
const dir = scratchDir("understudy-bench-api-");
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function hasTaskset() {
  try {
    execFileSync("taskset", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
const pinning = hasTaskset() && cpus().length >= 2;

function start(core, argv) {
  const [command, args] = pinning ? ["taskset", ["-c", String(core), ...argv]] : [argv[0], argv.slice(1)];
  return spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
}

async function firstLine(child) {
  let buffer = "";
  for await (const chunk of child.stdout) {
    buffer += chunk;
    if (buffer.includes("\n")) return buffer.split("\n")[0];
  }
  throw new Error("child ended before printing");
}

function config(ports, listen, passwordHash, tokenHash) {
  const hosts = {};
  const services = {};
  for (let s = 0; s < Math.ceil(CHECKS / PER_SERVICE); s++) {
    const host = `h${Math.floor(s / 10)}`;
    hosts[host] = { address: "127.0.0.1" };
    const checks = [];
    for (let c = 0; c < PER_SERVICE && s * PER_SERVICE + c < CHECKS; c++) {
      checks.push({ name: `s${s}-c${c}`, http: `http://127.0.0.1:${ports[(s * PER_SERVICE + c) % ports.length]}/s${s}/c${c}`, interval: values.interval, jitter: values.interval, timeout: "5s" });
    }
    // A few services depend on others, so the analysis and the topology have edges to walk.
    services[`s${s}`] = { runs_on: [host], checks, ...(s > 0 && s % 5 === 0 ? { depends_on: [`s${s - 5}`] } : {}) };
  }
  return {
    version: 1, hosts, services,
    agents: { listen, data_dir: join(dir, "state"), concurrency: 512, grace: "0s" },
    dashboard: { users: [{ name: "bench", role: "viewer", password_hash: passwordHash }], tokens: [{ name: "bench-cli", role: "viewer", token_hash: tokenHash }] },
  };
}

/** One GET on the keep-alive pool; resolves with the status (or the network error's code) and the body size. */
function get(pool, url, headers) {
  return new Promise((resolve) => {
    const req = request(url, { agent: pool, headers }, (res) => {
      let bytes = 0;
      res.on("data", (chunk) => (bytes += chunk.length));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on("error", (error) => resolve({ status: error.code ?? "error", bytes }));
    });
    req.on("error", (error) => resolve({ status: error.code ?? "error", bytes: 0 }));
    req.end();
  });
}

/**
 * The agent's main thread: CPU seconds used, and seconds spent runnable but waiting for a CPU (from
 * /proc/PID/schedstat), which shows when other processes on a shared machine, not the agent, made it late.
 */
function agentCpu(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    const [, waitNs] = readFileSync(`/proc/${pid}/schedstat`, "utf8").trim().split(" ").map(Number);
    return { cpu: (Number(stat[11]) + Number(stat[12])) / 100, waited: waitNs / 1e9 };
  } catch {
    return { cpu: NaN, waited: NaN };
  }
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;

if (pinning) execFileSync("taskset", ["-cp", "1", String(process.pid)], { stdio: "ignore" });
const targets = start(1, [process.execPath, "bench/lib/http-targets.js", values.servers]);
const ports = JSON.parse(await firstLine(targets));
const port = 19470 + Math.floor(Math.random() * 1000);
const password = newToken();
const token = newToken();
const configFile = join(dir, "bench.json");
writeFileSync(configFile, JSON.stringify(config(ports, `127.0.0.1:${port}`, await hashPassword(password), hashToken(token))));
const agent = start(0, [process.execPath, "bin/understudy.js", "agent", "--config", configFile]);
let agentLog = "";
agent.stderr.on("data", (chunk) => (agentLog += chunk));
agent.stdout.resume();
const base = `http://127.0.0.1:${port}`;
const pool = new Agent({ keepAlive: true, maxSockets: 64 });
try {
  for (let i = 0; ; i++) {
    try {
      await fetch(`${base}/healthz`);
      break;
    } catch {
      if (i > 100) throw new Error(`agent did not start:\n${agentLog}`);
      await sleep(200);
    }
  }
  const login = await fetch(`${base}/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "bench", password }) });
  if (login.status !== 200) throw new Error(`login answered ${login.status}: ${await login.text()}`);
  const cookie = login.headers.get("set-cookie").split(";")[0];
  const auth = [{ cookie }, { authorization: `Bearer ${token}` }];
  // Warm-up: the checks settle into their schedule, and each route is asked once (the analysis is cached per topology).
  await sleep(WARMUP_S * 1000);
  for (const path of PATHS) for (const headers of auth) await get(pool, base + path, headers);

  const total = RATE * SECONDS;
  const latencies = Object.fromEntries(PATHS.map((path) => [path, []]));
  const errors = new Map();
  const sizes = Object.fromEntries(PATHS.map((path) => [path, 0]));
  const pending = [];
  const cpuBefore = agentCpu(agent.pid);
  const began = performance.now();
  for (let i = 0; i < total; i++) {
    const due = began + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const path = PATHS[i % PATHS.length];
    const headers = auth[Math.floor(i / PATHS.length) % auth.length];
    pending.push(get(pool, base + path, headers).then(({ status, bytes }) => {
      const took = performance.now() - due;
      if (status === 200) {
        latencies[path].push(took);
        sizes[path] = bytes;
      } else errors.set(status, (errors.get(status) ?? 0) + 1);
    }));
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - began) / 1000;
  const cpuAfter = agentCpu(agent.pid);
  const all = Object.values(latencies).flat().sort((a, b) => a - b);

  const machine = `${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  console.log(`API load benchmark, ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${machine}`);
  console.log(`${pinning ? "agent pinned to core 0; HTTP targets and load generator on core 1" : "no CPU pinning"}`);
  console.log(`agent running ${CHECKS} HTTP checks every ${values.interval}; ${RATE} GET/s for ${SECONDS} s (${total} requests, done in ${elapsed.toFixed(1)} s) over keep-alive, half session cookie and half bearer token, after ${WARMUP_S} s warm-up\n`);
  console.log("| route | requests ok | body | p50 | p99 | max |");
  console.log("|---|---:|---:|---:|---:|---:|");
  const row = (name, list, body) => {
    const sorted = [...list].sort((a, b) => a - b);
    console.log(`| ${name} | ${sorted.length} | ${body} | ${quantile(sorted, 0.5).toFixed(1)} ms | ${quantile(sorted, 0.99).toFixed(1)} ms | ${(sorted.at(-1) ?? NaN).toFixed(1)} ms |`);
  };
  for (const path of PATHS) row(path, latencies[path], sizes[path] < 1024 ? `${sizes[path]} B` : `${(sizes[path] / 1024).toFixed(1)} KiB`);
  row("**all**", all, "");
  const errorText = [...errors].map(([status, count]) => `${count} × ${typeof status === "number" ? `HTTP ${status}` : status}`).join(", ");
  console.log(`\nagent main thread during the run: ${(cpuAfter.cpu - cpuBefore.cpu).toFixed(1)} s of CPU, ${(cpuAfter.waited - cpuBefore.waited).toFixed(1)} s runnable but waiting for a CPU (other processes); load average at the end ${loadavg().map((load) => load.toFixed(2)).join(" ")}`);
  console.log(`errors: ${errors.size === 0 ? "none" : errorText}`);
  console.log(`p99 ${quantile(all, 0.99).toFixed(1)} ms against a target of < 50 ms: ${quantile(all, 0.99) < 50 ? "met" : "NOT met"}`);
} finally {
  pool.destroy();
  agent.kill("SIGTERM");
  await new Promise((resolve) => (agent.exitCode !== null ? resolve() : agent.once("exit", resolve)));
  targets.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
