// The failover benchmark (issue 4): from the primary's death (kill -9) to the DNS answer changing, over
// 20 trials, with the real agent (1 s checks, failure threshold 2, mode automatic), a real BIND 9 taking
// TSIG-signed RFC 2136 updates, and two loopback instances (127.0.0.2 primary, 127.0.0.3 standby).
// Each trial is split into detect (death → down verdict), decide (verdict → plan started) and act
// (plan started → the answer changed), from the journal and a DNS poll every 10 ms.
// Targets: p50 ≤ 3 s, p99 ≤ 5 s. Each trial starts fresh (new data dir, record reset, primary up).
//
//   npm run build && node bench/failover.js [--trials 20]
import { spawn, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { readByQuery } from "../dist/dns/dns-read.js";
import { findDnsProviderKind } from "../dist/dns/registry.js";
import { scratchDir } from "./lib/scratch.js";

const { AbortSignal } = globalThis;
const { values } = parseArgs({ options: { trials: { type: "string", default: "20" } } });
const TRIALS = Number(values.trials);
const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "bin/understudy.js");
const ZONE = "bench.test";
const dir = scratchDir("understudy-bench-failover-");
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const children = new Set();

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

function start(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
  children.add(child);
  child.once("exit", () => children.delete(child));
  child.stdout.resume();
  child.stderr.resume();
  return child;
}

async function waitUntil(what, probe, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const stop = (child, signal = "SIGTERM") => new Promise((done) => {
  if (child.exitCode !== null || child.signalCode !== null) return done();
  child.once("exit", () => done());
  child.kill(signal);
});

async function startNamed() {
  const named = ["/usr/sbin/named", "/usr/bin/named"].find((path) => { try { execFileSync(path, ["-v"], { stdio: "ignore" }); return true; } catch { return false; } });
  if (!named) throw new Error("named is not installed: apt-get install -y bind9");
  const port = await freePort();
  const key = { name: "bench-key", algorithm: "hmac-sha256", secret: randomBytes(32).toString("base64") };
  writeFileSync(join(dir, "zone"), ["$TTL 60", `@ IN SOA ns1.${ZONE}. h.${ZONE}. 1 3600 600 86400 60`, `@ IN NS ns1.${ZONE}.`, "ns1 IN A 127.0.0.1", "app IN A 127.0.0.2", ""].join("\n"));
  writeFileSync(join(dir, "named.conf"), `key "${key.name}" { algorithm ${key.algorithm}; secret "${key.secret}"; };
options { directory "${dir}"; pid-file "${dir}/named.pid"; session-keyfile "${dir}/session.key"; managed-keys-directory "${dir}";
  listen-on port ${port} { 127.0.0.1; }; listen-on-v6 { none; }; recursion no; dnssec-validation no; allow-query { any; }; };
zone "${ZONE}" { type primary; file "${dir}/zone"; allow-update { key "${key.name}"; }; };
`);
  const child = start(named, ["-g", "-4", "-n", "1", "-c", join(dir, "named.conf")]);
  await waitUntil("named", async () => (await readByQuery({ host: "127.0.0.1", port }, `app.${ZONE}`, "A", AbortSignal.timeout(500))).ok);
  return { child, port, key };
}

const SERVER = `require("node:http").createServer((q, r) => r.end("ok")).listen(Number(process.env.PORT), process.env.HOST, () => console.log("up"));`;
async function instance(host, port) {
  const child = start(process.execPath, ["-e", SERVER], { env: { ...process.env, HOST: host, PORT: String(port) } });
  await waitUntil(`${host}:${port}`, async () => (await fetch(`http://${host}:${port}/`)).ok);
  return child;
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

async function main() {
  const named = await startNamed();
  const env = { ...process.env, TSIG_SECRET: named.key.secret };
  const dns = findDnsProviderKind("rfc2136").create(
    { server: { host: "127.0.0.1", port: named.port }, zone: ZONE, tsig: { ...named.key, secret: "env:TSIG_SECRET" } },
    { secret: async () => named.key.secret },
  );
  const answer = async () => {
    const state = await readByQuery({ host: "127.0.0.1", port: named.port }, `app.${ZONE}`, "A", AbortSignal.timeout(500));
    return state.ok ? state.values[0] : undefined;
  };
  const appPort = await freePort();
  const standby = await instance("127.0.0.3", appPort);
  const rows = [];
  for (let trial = 1; trial <= TRIALS; trial++) {
    const primary = await instance("127.0.0.2", appPort);
    const reset = await dns.write(`app.${ZONE}`, "A", ["127.0.0.2"], 5);
    if (!reset.ok) throw new Error(`resetting the record: ${reset.message}`);
    const agentPort = await freePort();
    const config = join(dir, `trial-${trial}.yaml`);
    writeFileSync(config, `version: 1
hosts: { primary: { address: 127.0.0.2 }, standby: { address: 127.0.0.3 } }
services:
  app:
    primary: primary
    standby: [standby]
    checks:
      - { on: primary, http: "http://127.0.0.2:${appPort}/", interval: 1s, timeout: 500ms, failure_threshold: 2 }
      - { on: standby, http: "http://127.0.0.3:${appPort}/", interval: 1s, timeout: 500ms, failure_threshold: 2 }
    failover:
      mode: automatic
      dns: { rfc2136: { server: "127.0.0.1:${named.port}", zone: ${ZONE}, tsig: { name: ${named.key.name}, secret: "env:TSIG_SECRET" } }, name: app.${ZONE}, ttl: 5 }
agents: { listen: "127.0.0.1:${agentPort}", grace: 0s, data_dir: ./trial-${trial}-state }
`);
    const agent = start(process.execPath, [BIN, "agent", "--config", config], { env });
    await waitUntil("both instances up", async () => {
      const status = await (await fetch(`http://127.0.0.1:${agentPort}/api/status`)).json();
      return status.services[0].instances.every((i) => i.state === "up");
    });
    // Kill at a random phase of the probe interval, as a real failure would land.
    await sleep(1_000 + Math.random() * 1_000);
    const died = Date.now();
    await stop(primary, "SIGKILL");
    await waitUntil("the answer to change", async () => (await answer()) === "127.0.0.3", 30_000);
    const changed = Date.now();
    await stop(agent);
    const history = JSON.parse(execFileSync(process.execPath, [BIN, "history", "--format", "json", "--config", config], { env, encoding: "utf8" }));
    const run = history.failovers[0];
    const detected = Date.parse(run.detected_at);
    const started = Date.parse(run.started_at);
    const row = { total: changed - died, detect: detected - died, decide: started - detected, act: changed - started };
    rows.push(row);
    console.error(`trial ${trial}: total ${row.total} ms (detect ${row.detect}, decide ${row.decide}, act ${row.act})`);
  }
  const report = {};
  for (const key of ["total", "detect", "decide", "act"]) {
    const sorted = rows.map((row) => row[key]).sort((a, b) => a - b);
    report[key] = { p50_ms: quantile(sorted, 0.5), p99_ms: quantile(sorted, 0.99) };
  }
  console.log(JSON.stringify({ trials: TRIALS, probe_interval_s: 1, failure_threshold: 2, ...report, targets: { p50_ms: 3000, p99_ms: 5000 } }, null, 2));
  await stop(standby);
  await stop(named.child);
}

try {
  await main();
} finally {
  await Promise.all([...children].map((child) => stop(child, "SIGKILL")));
  rmSync(dir, { recursive: true, force: true });
}
