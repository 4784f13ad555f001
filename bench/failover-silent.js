// The silent-host failover benchmark (issue 14): from the primary's link going down (the host is still
// up, but nothing reaches it: no RST, no ICMP) to the DNS answer changing, beside the same measure for a
// primary whose service is killed -9, with the real agent (1 s checks, failure threshold 2, mode
// automatic, an SSH fence with a pinned host key), two hosts in network namespaces each with its own
// sshd, and a real BIND 9 taking TSIG-signed RFC 2136 updates. The silent case is where a fence over
// SSH cannot arrive: what it costs is its connect timeout. Target: link down → DNS switched p50 ≤ 5 s.
// Each trial starts fresh (new agent and data dir, record reset to a, a's link up and its service on).
//
//   npm run build && node bench/failover-silent.js [--trials 5]      (root: namespaces, veth, sshd)
//
// Scratch folders, namespaces, links and every process it started are removed however it ends
// (normal end, error, Ctrl-C, SIGTERM, SIGHUP).
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { cpus, hostname, loadavg, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { readByQuery } from "../dist/dns/dns-read.js";
import { findDnsProviderKind } from "../dist/dns/registry.js";
import { ownChild, scratchDir } from "./lib/scratch.js";

const { AbortSignal } = globalThis;
const { values } = parseArgs({ options: { trials: { type: "string", default: "5" } } });
const TRIALS = Number(values.trials);
if (!Number.isInteger(TRIALS) || TRIALS < 1) {
  console.error(`--trials ${values.trials}: expected a whole number ≥ 1`);
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  console.error("bench/failover-silent.js needs root (network namespaces, veth links, sshd): run it as root");
  process.exit(2);
}
const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "bin/understudy.js");
const ZONE = "bench.test";
const APP_PORT = 8080;
const dir = scratchDir("understudy-bench-silent-");
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const id = `ubs${process.pid}`.slice(0, 10);
const net = { netns: [], links: [] };

// Namespaces and links go at exit, after scratch.js killed the children (its handlers exit the process).
process.once("exit", () => {
  for (const netns of net.netns) spawnSync("ip", ["netns", "delete", netns]);
  for (const link of net.links) spawnSync("ip", ["link", "delete", link]);
});

const ip = (...args) => execFileSync("ip", args, { encoding: "utf8" });

function start(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
  ownChild(child);
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  child.output = () => output;
  return child;
}

const stop = (child, signal = "SIGTERM") => new Promise((done) => {
  if (!child || child.exitCode !== null || child.signalCode !== null) return done();
  child.once("exit", () => done());
  child.kill(signal);
});

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
    await sleep(20);
  }
}

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

/** Resolves true once an SSH server at host:port sends its banner. */
function bannerSeen(host, port) {
  return new Promise((done) => {
    const socket = connect({ host, port });
    const finish = (ok) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(1_000, () => finish(false));
    socket.once("data", (data) => finish(data.toString().startsWith("SSH-")));
    socket.once("error", () => finish(false));
  });
}

function pickSubnet() {
  const used = ip("-o", "addr") + ip("route");
  for (let x = 100 + (process.pid % 100); x < 250; x++) if (!used.includes(`10.${x}.`)) return `10.${x}.0`;
  throw new Error("no free 10.x.0.0/24 for the bench's bridge");
}

/** A bridge in the root namespace and one namespace per host joined to it by a veth pair. */
function makeNetwork() {
  const prefix = pickSubnet();
  const bridge = `${id}br`;
  ip("link", "add", bridge, "type", "bridge");
  net.links.push(bridge);
  ip("addr", "add", `${prefix}.254/24`, "dev", bridge);
  ip("link", "set", bridge, "up");
  const hosts = {};
  for (const [index, name] of ["a", "b"].entries()) {
    const netns = `${id}-${name}`;
    const veth = `${id}v${name}`;
    const address = `${prefix}.${101 + index}`;
    ip("netns", "add", netns);
    net.netns.push(netns);
    ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", netns);
    net.links.push(veth);
    ip("link", "set", veth, "master", bridge, "up");
    ip("-n", netns, "link", "set", "lo", "up");
    ip("-n", netns, "addr", "add", `${address}/24`, "dev", "eth0");
    ip("-n", netns, "link", "set", "eth0", "up");
    hosts[name] = { name, netns, address };
  }
  return hosts;
}

/** sshd in the host's namespace on port 22, with its own host key and one authorized client key. */
async function startSshd(host) {
  const folder = join(dir, `sshd-${host.name}`);
  mkdirSync(folder);
  for (const key of ["host", "client"]) execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(folder, key)]);
  copyFileSync(join(folder, "client.pub"), join(folder, "authorized_keys"));
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  writeFileSync(join(folder, "sshd_config"), [`ListenAddress ${host.address}:22`, `HostKey ${folder}/host`, `PidFile ${folder}/sshd.pid`, `AuthorizedKeysFile ${folder}/authorized_keys`,
    "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no", "PermitRootLogin prohibit-password", "StrictModes no", ""].join("\n"));
  const fingerprint = execFileSync("ssh-keygen", ["-lf", join(folder, "host.pub")], { encoding: "utf8" }).split(" ")[1];
  const sshd = ["/usr/sbin/sshd", "/usr/bin/sshd"].find((path) => spawnSync(path, ["-V"]).error === undefined);
  if (!sshd) throw new Error("sshd is not installed: apt-get install -y openssh-server");
  host.sshd = start("ip", ["netns", "exec", host.netns, sshd, "-D", "-e", "-f", join(folder, "sshd_config")]);
  host.clientKey = join(folder, "client");
  host.fingerprint = fingerprint;
  await waitUntil(`sshd on ${host.address}`, () => bannerSeen(host.address, 22), 15_000);
}

const SERVER = `require("node:http").createServer((q, r) => r.end("ok")).listen(${APP_PORT}, "0.0.0.0");`;
async function startApp(host) {
  // The shell writes its pid, then becomes the server: the fence kills that pid on the host.
  host.pidFile = join(dir, `app-${host.name}.pid`);
  host.app = start("ip", ["netns", "exec", host.netns, "sh", "-c", `echo $$ > ${host.pidFile}; exec "$0" -e '${SERVER}'`, process.execPath]);
  await waitUntil(`the app on ${host.name}`, async () => (await fetch(`http://${host.address}:${APP_PORT}/`, { signal: AbortSignal.timeout(500) })).ok);
}

async function startNamed() {
  const named = ["/usr/sbin/named", "/usr/bin/named"].find((path) => spawnSync(path, ["-v"]).error === undefined);
  if (!named) throw new Error("named is not installed: apt-get install -y bind9");
  const port = await freePort();
  const key = { name: "bench-key", algorithm: "hmac-sha256", secret: randomBytes(32).toString("base64") };
  writeFileSync(join(dir, "zone"), ["$TTL 60", `@ IN SOA ns1.${ZONE}. h.${ZONE}. 1 3600 600 86400 60`, `@ IN NS ns1.${ZONE}.`, "ns1 IN A 127.0.0.1", "app IN A 192.0.2.1", ""].join("\n"));
  writeFileSync(join(dir, "named.conf"), `key "${key.name}" { algorithm ${key.algorithm}; secret "${key.secret}"; };
options { directory "${dir}"; pid-file "${dir}/named.pid"; session-keyfile "${dir}/session.key"; managed-keys-directory "${dir}";
  listen-on port ${port} { 127.0.0.1; }; listen-on-v6 { none; }; recursion no; dnssec-validation no; allow-query { any; }; };
zone "${ZONE}" { type primary; file "${dir}/zone"; allow-update { key "${key.name}"; }; };
`);
  const child = start(named, ["-g", "-4", "-n", "1", "-c", join(dir, "named.conf")]);
  await waitUntil("named", async () => (await readByQuery({ host: "127.0.0.1", port }, `app.${ZONE}`, "A", AbortSignal.timeout(500))).ok);
  return { child, port, key };
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

function config(hosts, named, agentPort, stateDir) {
  const ssh = (host) => `{ user: root, port: 22, private_key: "file:${host.clientKey}", host_key: "${host.fingerprint}" }`;
  return `version: 1
hosts:
  a: { address: ${hosts.a.address}, ssh: ${ssh(hosts.a)} }
  b: { address: ${hosts.b.address}, ssh: ${ssh(hosts.b)} }
services:
  app:
    primary: a
    standby: [b]
    checks:
      - { on: a, http: "http://${hosts.a.address}:${APP_PORT}/", interval: 1s, timeout: 800ms, failure_threshold: 2 }
      - { on: b, http: "http://${hosts.b.address}:${APP_PORT}/", interval: 1s, timeout: 800ms, failure_threshold: 2 }
    failover:
      mode: automatic
      fence: { ssh: { command: ["sh", "-c", "kill -9 $(cat ${hosts.a.pidFile}) 2>/dev/null; true"] } }
      dns: { rfc2136: { server: "127.0.0.1:${named.port}", zone: ${ZONE}, tsig: { name: ${named.key.name}, secret: "env:TSIG_SECRET" } }, name: app.${ZONE}, ttl: 5 }
agents: { listen: "127.0.0.1:${agentPort}", grace: 0s, data_dir: ${stateDir} }
`;
}

async function trial(kind, n, hosts, named, dns, answer, env) {
  await dns.write(`app.${ZONE}`, "A", [hosts.a.address], 5).then((written) => {
    if (!written.ok) throw new Error(`resetting the record: ${written.message}`);
  });
  ip("-n", hosts.a.netns, "link", "set", "eth0", "up");
  if (!hosts.a.app || hosts.a.app.exitCode !== null || hosts.a.app.signalCode !== null) await startApp(hosts.a);
  const agentPort = await freePort();
  const file = join(dir, `${kind}-${n}.yaml`);
  writeFileSync(file, config(hosts, named, agentPort, join(dir, `${kind}-${n}-state`)));
  const agent = start(process.execPath, [BIN, "agent", "--config", file], { env });
  try {
    await waitUntil("both instances up", async () => {
      const status = await (await fetch(`http://127.0.0.1:${agentPort}/api/status`)).json();
      return status.services[0].instances.every((instance) => instance.state === "up");
    });
    // Fail at a random phase of the probe interval, as a real failure would land.
    await sleep(1_000 + Math.random() * 1_000);
    const failed = Date.now();
    if (kind === "kill") await stop(hosts.a.app, "SIGKILL");
    else ip("-n", hosts.a.netns, "link", "set", "eth0", "down");
    await waitUntil("the answer to change", async () => (await answer()) === hosts.b.address, 180_000);
    const total = Date.now() - failed;
    await stop(agent);
    const history = JSON.parse(execFileSync(process.execPath, [BIN, "history", "--format", "json", "--config", file], { env, encoding: "utf8" }));
    const run = history.failovers[0];
    const fence = run?.steps.find((step) => step.step === "fence");
    return { total, detect: Date.parse(run.detected_at) - failed, fence: fence?.duration_ms ?? 0, fence_status: fence?.status };
  } finally {
    await stop(agent, "SIGKILL");
    ip("-n", hosts.a.netns, "link", "set", "eth0", "up");
  }
}

async function main() {
  const hosts = makeNetwork();
  await Promise.all([startSshd(hosts.a), startSshd(hosts.b)]);
  await Promise.all([startApp(hosts.a), startApp(hosts.b)]);
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
  const rows = { kill: [], silent: [] };
  for (let n = 1; n <= TRIALS; n++) {
    for (const kind of ["kill", "silent"]) {
      const row = await trial(kind, n, hosts, named, dns, answer, env);
      rows[kind].push(row);
      console.error(`${kind} trial ${n}: DNS switched after ${row.total} ms (detect ${row.detect} ms, fence ${row.fence} ms ${row.fence_status ?? "-"})`);
    }
  }
  const summary = (list, key) => {
    const sorted = list.map((row) => row[key]).sort((a, b) => a - b);
    return { p50_ms: quantile(sorted, 0.5), p90_ms: quantile(sorted, 0.9) };
  };
  const cpu = cpus();
  console.log(JSON.stringify({
    machine: `${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${hostname()}`,
    node: process.version,
    date: new Date().toISOString(),
    load_average: loadavg().map((load) => Number(load.toFixed(2))),
    trials_each: TRIALS,
    checks: { interval_s: 1, timeout_ms: 800, failure_threshold: 2 },
    kill: { to_dns_switched: summary(rows.kill, "total"), fence: summary(rows.kill, "fence") },
    link_down: { to_dns_switched: summary(rows.silent, "total"), fence: summary(rows.silent, "fence") },
    target: { link_down_p50_ms: 5_000 },
  }, null, 2));
}

await main();
process.exit(0);
