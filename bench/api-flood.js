// The API flood benchmark (issue 15, item 2): does load on the HTTP API change what the probes see?
// The real agent (`understudy agent`, dashboard on) runs HTTP and TCP checks against a loopback server
// named `localhost` (so every TCP run resolves the name through dns.lookup, which shares libuv's thread
// pool with password hashing) every second with a 2 s timeout. Three phases: a quiet baseline, a flood
// (PARALLEL wrong logins kept in flight, each from its own loopback address and for its own name, so
// the per-address and per-name limits do not stop them, plus one authenticated GET /api/status a
// second), and a recovery. For each phase it prints the probes' runs, failures and latency (from the
// agent's own store), the login answers and latencies, and every verdict change the agent logged.
//
//   npm run build && node bench/api-flood.js                     # 10 services × 2 checks, 400 in flight, 30 s
//   node bench/api-flood.js --services 50 --parallel 800 --seconds 60
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { hashPassword } from "../dist/api/auth/password.js";
import { hashToken, newToken } from "../dist/api/auth/tokens.js";

const { values } = parseArgs({ options: { services: { type: "string", default: "10" }, parallel: { type: "string", default: "400" }, seconds: { type: "string", default: "30" }, baseline: { type: "string", default: "15" }, recovery: { type: "string", default: "10" } } });
const SERVICES = Number(values.services);
const PARALLEL = Number(values.parallel);
const PHASES = [["baseline", Number(values.baseline)], ["flood", Number(values.seconds)], ["recovery", Number(values.recovery)]];
const dir = mkdtempSync(join(tmpdir(), "understudy-bench-flood-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const quantile = (sorted, q) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
const tally = (list, key) => [...list.reduce((counts, item) => counts.set(key(item), (counts.get(key(item)) ?? 0) + 1), new Map())].map(([name, count]) => `${name} ×${count}`).join(", ");
const ms = (value) => (Number.isNaN(value) ? "-" : `${value.toFixed(1)} ms`);

const target = createServer((_request, response) => response.end("ok"));
await new Promise((resolve) => target.listen(0, "127.0.0.1", resolve));
const targetPort = target.address().port;
const agentPort = await new Promise((resolve) => {
  const probe = createServer().listen(0, "127.0.0.1", () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});

const token = newToken();
const services = Array.from({ length: SERVICES }, (_, i) => `  s${i}:
    runs_on: [H1]
    checks:
      - { http: "http://localhost:${targetPort}/s${i}", interval: 1s, timeout: 2s }
      - { tcp: "localhost:${targetPort}", interval: 1s, timeout: 2s }`).join("\n");
writeFileSync(join(dir, "understudy.yaml"), `version: 1
hosts: { H1: { address: localhost } }
services:
${services}
agents: { listen: "127.0.0.1:${agentPort}", grace: 0s, data_dir: ./state }
dashboard:
  users: [{ name: alice, role: operator, password_hash: "${await hashPassword("bench password for alice")}" }]
  tokens: [{ name: bench, role: viewer, token_hash: "${hashToken(token)}" }]
`);

const agent = spawn(process.execPath, [join(import.meta.dirname, "../bin/understudy.js"), "agent", "--config", "understudy.yaml"], { cwd: dir, stdio: ["ignore", "pipe", "inherit"] });
const logs = [];
let partial = "";
agent.stdout.on("data", (chunk) => {
  const lines = (partial + chunk).split("\n");
  partial = lines.pop();
  for (const line of lines) {
    try {
      logs.push({ ...JSON.parse(line), seen: Date.now() });
    } catch {
      // not a log line
    }
  }
});

async function status() {
  const response = await fetch(`http://127.0.0.1:${agentPort}/api/status`, { headers: { authorization: `Bearer ${token}` } });
  return response.ok ? response.json() : undefined;
}

for (let waited = 0; ; waited += 500) {
  const now = await status().catch(() => undefined);
  if (now?.services.every((service) => service.health === "up" && service.checks.every((check) => check.last?.ok))) break;
  if (waited > 60_000) throw new Error("the checks did not all pass within 60 s");
  await sleep(500);
}

let sent = 0;
function login() {
  const i = sent++;
  const localAddress = `127.${1 + ((i >> 16) % 200)}.${(i >> 8) & 255}.${1 + (i % 250)}`;
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port: agentPort, path: "/api/login", method: "POST", localAddress, agent: false, headers: { "content-type": "application/json" } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode, ms: performance.now() - started }));
    });
    req.on("error", (error) => resolve({ status: error.code ?? "error", ms: performance.now() - started }));
    req.end(JSON.stringify({ name: `nobody${i}`, password: "wrong" }));
  });
}

const phases = [];
for (const [name, seconds] of PHASES) {
  const phase = { name, from: Date.now(), to: 0, logins: [], reads: [] };
  const until = phase.from + seconds * 1000;
  const flooders = name !== "flood" ? [] : Array.from({ length: PARALLEL }, async () => {
    while (Date.now() < until) phase.logins.push(await login());
  });
  while (Date.now() < until) {
    const started = performance.now();
    await status().catch(() => undefined);
    phase.reads.push(performance.now() - started);
    await sleep(1000);
  }
  await Promise.all(flooders);
  phase.to = Date.now();
  phases.push(phase);
}

agent.kill("SIGTERM");
await new Promise((resolve) => agent.once("exit", resolve));
target.close();

const db = new Database(join(dir, "state", "understudy.db"), { readonly: true });
const rows = db.prepare("SELECT r.at, r.ok, r.latency_us, c.name AS check_name, reasons.text AS reason FROM results r JOIN checks c ON c.id = r.check_id LEFT JOIN reasons ON reasons.id = r.reason_id").all();
db.close();

console.log(`API flood: ${SERVICES * 2} checks (HTTP + TCP by the name localhost, every 1 s, timeout 2 s); flood: ${PARALLEL} wrong logins in flight from distinct loopback addresses`);
for (const phase of phases) {
  const mine = rows.filter((row) => row.at >= phase.from && row.at < phase.to);
  const failed = mine.filter((row) => !row.ok);
  const reasons = tally(failed, (row) => `${row.check_name.includes("tcp") ? "tcp" : "http"}: ${row.reason ?? "?"}`);
  const latency = (kind) => mine.filter((row) => row.ok && row.check_name.includes(kind)).map((row) => row.latency_us / 1000).sort((a, b) => a - b);
  const changes = logs.filter((line) => line.seen >= phase.from && line.seen < phase.to + 1000 && (line.event === "service.changed" || String(line.event).startsWith("incident")));
  const codes = tally(phase.logins, (answer) => answer.status);
  const loginMs = phase.logins.map((answer) => answer.ms).sort((a, b) => a - b);
  const reads = [...phase.reads].sort((a, b) => a - b);
  console.log(`\n${phase.name} (${((phase.to - phase.from) / 1000).toFixed(0)} s)`);
  console.log(`  probe runs ${mine.length}, failed ${failed.length}${reasons ? ` (${reasons})` : ""}`);
  for (const kind of ["tcp", "http"]) {
    const sorted = latency(kind);
    console.log(`  ${kind.padEnd(4)} latency p50 ${ms(quantile(sorted, 0.5))}, p99 ${ms(quantile(sorted, 0.99))}, max ${ms(sorted.at(-1) ?? NaN)}`);
  }
  console.log(`  verdict changes ${changes.length}${changes.map((line) => `\n    ${line.msg}`).join("")}`);
  if (phase.logins.length > 0) console.log(`  logins ${phase.logins.length} (${(phase.logins.length / ((phase.to - phase.from) / 1000)).toFixed(0)}/s): ${codes}; latency p50 ${ms(quantile(loginMs, 0.5))}, p99 ${ms(quantile(loginMs, 0.99))}`);
  console.log(`  GET /api/status p50 ${ms(quantile(reads, 0.5))}, max ${ms(reads.at(-1) ?? NaN)}`);
}
