// The multi-agent benchmark (issue 6), with the real agent, a real 3-member etcd (Debian etcd-server),
// a real BIND 9 taking TSIG-signed RFC 2136 updates and two loopback instances (127.0.0.2 primary,
// 127.0.0.3 standby), all on loopback:
//   1. leader takeover: three agents (lease TTL --ttl, default 3 s); kill -9 the leader and time until
//      <prefix>/leader names another agent (polled every 20 ms). Target: ≤ TTL + 1 s. Each trial
//      restarts the killed agent and waits for the three cards before the next kill.
//   2. failover: kill -9 the primary and time until the DNS answer is the standby (polled every 10 ms),
//      with three agents on etcd and quorum 2, against one agent with local coordination (the issue 4
//      setup). Each trial starts fresh (new etcd prefix and data dirs, record reset, primary up), and
//      kills at a random phase of the 1 s probe interval.
// Prints a table (p50 / max per measure) and a JSON line with the machine (nproc, node, load average).
//
//   npm run build && node bench/etcd.js [--trials 10] [--ttl 3] [--only takeover,etcd,local]
import { execFileSync, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { readByQuery } from "../dist/dns/dns-read.js";
import { findDnsProviderKind } from "../dist/dns/registry.js";
import { scratchDir } from "./lib/scratch.js";

const { AbortSignal } = globalThis;
const { values } = parseArgs({ options: { trials: { type: "string", default: "10" }, ttl: { type: "string", default: "3" }, only: { type: "string", default: "takeover,etcd,local" } } });
const ONLY = new Set(values.only.split(","));
const TRIALS = Number(values.trials);
const TTL_S = Number(values.ttl);
const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "bin/understudy.js");
const ZONE = "bench.test";
const AGENTS = ["a1", "a2", "a3"];
const dir = scratchDir("understudy-bench-etcd-");
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const children = new Set();
const b64 = (text) => Buffer.from(text, "utf8").toString("base64");

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
  let output = "";
  child.stdout.on("data", (chunk) => (output = (output + chunk).slice(-4_000)));
  child.stderr.on("data", (chunk) => (output = (output + chunk).slice(-4_000)));
  child.output = () => output;
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

const stop = (child, signal = "SIGTERM") => new Promise((done) => {
  if (child.exitCode !== null || child.signalCode !== null) return done();
  child.once("exit", () => done());
  child.kill(signal);
});

async function waitUntil(what, probe, timeoutMs = 60_000, everyMs = 50) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

async function startEtcd() {
  const members = [];
  for (let i = 1; i <= 3; i++) members.push({ name: `etcd${i}`, client: await freePort(), peer: await freePort() });
  const cluster = members.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(",");
  const token = `bench-${randomUUID()}`;
  for (const m of members) {
    m.child = start("/usr/bin/etcd", [
      "--name", m.name, "--data-dir", join(dir, `${m.name}.data`),
      "--listen-client-urls", `http://127.0.0.1:${m.client}`, "--advertise-client-urls", `http://127.0.0.1:${m.client}`,
      "--listen-peer-urls", `http://127.0.0.1:${m.peer}`, "--initial-advertise-peer-urls", `http://127.0.0.1:${m.peer}`,
      "--initial-cluster", cluster, "--initial-cluster-state", "new", "--initial-cluster-token", token,
      "--heartbeat-interval", "100", "--election-timeout", "1000", "--log-level", "warn", "--logger", "zap",
    ]);
  }
  const endpoints = members.map((m) => `http://127.0.0.1:${m.client}`);
  await waitUntil("etcd healthy", async () => {
    const health = await Promise.all(endpoints.map(async (url) => (await (await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) })).json()).health === "true"));
    return health.every(Boolean);
  });
  return { endpoints, members };
}

/** One key through etcd's JSON gateway: { value, createRevision } or undefined. */
async function etcdGet(endpoints, key) {
  for (const endpoint of endpoints) {
    try {
      const response = await fetch(`${endpoint}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: b64(key) }), signal: AbortSignal.timeout(1_000) });
      const body = await response.json();
      const kv = body.kvs?.[0];
      return kv ? { value: Buffer.from(kv.value ?? "", "base64").toString("utf8"), createRevision: Number(kv.create_revision) } : undefined;
    } catch {
      // next member
    }
  }
  throw new Error("no etcd member answered");
}

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

function configText({ appPort, named, agentPort, name, dataDir, coordination }) {
  return `version: 1
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
agents:
  listen: "127.0.0.1:${agentPort}"
  grace: 0s
  data_dir: ${dataDir}
${name ? `  name: ${name}\n` : ""}${coordination}`;
}

/** Starts the agents of one setup: three on etcd (quorum 2) under a fresh prefix, or one local. */
async function startAgents(setup, { etcd, named, appPort, env, label }) {
  const base = join(dir, label);
  mkdirSync(base, { recursive: true });
  const prefix = `/bench-${label}`;
  const names = setup === "etcd" ? AGENTS : [undefined];
  const agents = [];
  for (const name of names) {
    const agentPort = await freePort();
    const config = join(base, `${name ?? "single"}.yaml`);
    const coordination = setup === "etcd"
      ? `  quorum: 2\n  coordination: { etcd: { endpoints: [${etcd.endpoints.map((e) => `"${e}"`).join(", ")}], prefix: ${prefix}, ttl: ${TTL_S}s } }\n`
      : "";
    writeFileSync(config, configText({ appPort, named, agentPort, name, dataDir: join(base, `${name ?? "single"}-state`), coordination }));
    agents.push({ name, config, agentPort, child: start(process.execPath, [BIN, "agent", "--config", config], { env }) });
  }
  const steady = async () => {
    for (const agent of agents) {
      if (agent.child.exitCode !== null) throw new Error(`agent ${agent.name ?? "single"} exited:\n${agent.child.output()}`);
    }
    if (setup === "local") {
      const status = await (await fetch(`http://127.0.0.1:${agents[0].agentPort}/api/status`)).json();
      return status.services[0].instances.every((i) => i.state === "up");
    }
    if (!(await etcdGet(etcd.endpoints, `${prefix}/leader`))) return false;
    for (const name of AGENTS) {
      for (const host of ["primary", "standby"]) {
        const kv = await etcdGet(etcd.endpoints, `${prefix}/observations/${name}/app@${host}`);
        if (!kv || JSON.parse(kv.value).state !== "up") return false;
      }
    }
    return true;
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    let ok = false;
    try {
      ok = await steady();
    } catch (error) {
      if (/exited/.test(error.message)) throw error;
    }
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`${setup} agents not steady within 60 s:\n${agents.map((a) => `--- ${a.name ?? "single"}\n${a.child.output()}`).join("\n")}`);
    await sleep(100);
  }
  return { agents, prefix };
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

const summary = (samples) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, p50_ms: quantile(sorted, 0.5), max_ms: sorted[sorted.length - 1] };
};

async function takeover({ etcd, named, appPort, env }) {
  const primary = await instance("127.0.0.2", appPort);
  const { agents, prefix } = await startAgents("etcd", { etcd, named, appPort, env, label: "takeover" });
  const samples = [];
  for (let trial = 1; trial <= TRIALS; trial++) {
    const leader = await waitUntil("a leader", () => etcdGet(etcd.endpoints, `${prefix}/leader`));
    const victim = agents.find((agent) => agent.name === leader.value);
    await sleep(Math.random() * 1_000);
    const killed = Date.now();
    await stop(victim.child, "SIGKILL");
    const next = await waitUntil("another leader", async () => {
      const kv = await etcdGet(etcd.endpoints, `${prefix}/leader`);
      return kv && kv.value !== victim.name ? kv : undefined;
    }, 60_000, 20);
    const took = Date.now() - killed;
    samples.push(took);
    console.error(`takeover ${trial}: ${victim.name} killed, ${next.value} leads after ${took} ms (token ${leader.createRevision} → ${next.createRevision})`);
    victim.child = start(process.execPath, [BIN, "agent", "--config", victim.config], { env });
    // Back to three live agents (the restarted one's card under its new lease) before the next kill.
    await waitUntil(`${victim.name} back`, async () => {
      const card = await etcdGet(etcd.endpoints, `${prefix}/agents/${victim.name}`);
      return card && JSON.parse(card.value).startedAt > killed;
    }, 60_000);
  }
  await Promise.all(agents.map((agent) => stop(agent.child)));
  await stop(primary);
  return samples;
}

async function failovers(setup, { etcd, named, appPort, env, dns }) {
  const samples = [];
  for (let trial = 1; trial <= TRIALS; trial++) {
    const primary = await instance("127.0.0.2", appPort);
    const reset = await dns.write(`app.${ZONE}`, "A", ["127.0.0.2"], 5);
    if (!reset.ok) throw new Error(`resetting the record: ${reset.message}`);
    const { agents } = await startAgents(setup, { etcd, named, appPort, env, label: `${setup}-${trial}` });
    await sleep(1_000 + Math.random() * 1_000);
    const died = Date.now();
    await stop(primary, "SIGKILL");
    await waitUntil("the answer to change", async () => (await readByQuery({ host: "127.0.0.1", port: named.port }, `app.${ZONE}`, "A", AbortSignal.timeout(500))).values?.[0] === "127.0.0.3", 60_000, 10);
    const took = Date.now() - died;
    samples.push(took);
    console.error(`failover ${setup} ${trial}: ${took} ms`);
    await Promise.all(agents.map((agent) => stop(agent.child)));
  }
  return samples;
}

async function main() {
  const machine = { nproc: availableParallelism(), node: process.version, loadavg_start: loadavg().map((l) => l.toFixed(2)).join(" ") };
  const etcd = await startEtcd();
  const named = await startNamed();
  const env = { ...process.env, TSIG_SECRET: named.key.secret, NO_COLOR: "1" };
  const dns = findDnsProviderKind("rfc2136").create(
    { server: { host: "127.0.0.1", port: named.port }, zone: ZONE, tsig: { ...named.key, secret: "env:TSIG_SECRET" } },
    { secret: async () => named.key.secret },
  );
  const appPort = await freePort();
  await instance("127.0.0.3", appPort);
  const context = { etcd, named, appPort, env, dns };
  const rows = {};
  if (ONLY.has("takeover")) rows[`leader takeover after kill -9 (ttl ${TTL_S} s)`] = summary(await takeover(context));
  if (ONLY.has("etcd")) rows["failover, 3 agents on etcd, quorum 2"] = summary(await failovers("etcd", context));
  if (ONLY.has("local")) rows["failover, 1 agent, local"] = summary(await failovers("local", context));
  machine.loadavg_end = loadavg().map((l) => l.toFixed(2)).join(" ");
  const width = Math.max(...Object.keys(rows).map((k) => k.length));
  console.log(`${"measure".padEnd(width)}  trials   p50 ms   max ms`);
  for (const [name, row] of Object.entries(rows)) console.log(`${name.padEnd(width)}  ${String(row.n).padStart(6)}  ${String(row.p50_ms).padStart(7)}  ${String(row.max_ms).padStart(7)}`);
  if (ONLY.has("takeover")) console.log(`target: takeover ≤ ${TTL_S * 1000 + 1000} ms (lease TTL + 1 s)`);
  console.log(JSON.stringify({ trials: TRIALS, ttl_s: TTL_S, ...rows, machine }));
}

try {
  await main();
} finally {
  await Promise.all([...children].map((child) => stop(child, "SIGKILL")));
  rmSync(dir, { recursive: true, force: true });
}
