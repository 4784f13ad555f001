// The multi-agent lab shared by etcd-partition.test.ts and etcd-chaos.test.ts: a netns lab (netns.ts)
// with a 3-member etcd on hub addresses .1–.3, a stateful service's two instances on .10 (primary)
// and .11 (standby), a real BIND taking TSIG-signed RFC 2136 updates on .53, and one namespace per
// agent running the real CLI (`node bin/understudy.js agent`) with etcd coordination and a quorum.
// Everything here only listens on the lab's own addresses.
//
// Decisions:
// - Each scenario gets its own etcd prefix and data directories (`scenario(name)`), so scenarios do not
//   see each other's leader, observations or runs, and nothing needs deleting between them.
// - Journals are read with the library `understudy history` uses (FailoverJournal over the agent's
//   store), in process: spawning the CLI three times per chaos schedule would cost more than the
//   schedule. The fencing token is on RunRecord (history's JSON does not show it).
// - The DNS record is polled from the root namespace every 200 ms with timestamps, as a user's
//   resolver would see it (no cache: straight at the authoritative server).
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { EtcdClient } from "../../../src/coord/etcd-client.js";
import { readByQuery } from "../../../src/dns/dns-read.js";
import { findDnsProviderKind } from "../../../src/dns/registry.js";
import { FailoverJournal, type RunRecord } from "../../../src/failover/journal.js";
import { storePathIn } from "../../../src/store/data-dir.js";
import { openStore } from "../../../src/store/db.js";
import { ROOT } from "../agent-harness.js";
import { findBinary } from "./binaries.js";
import type { DnsSample, JournalRun, LeaderTerm } from "./chaos-check.js";
import { startEtcdCluster, type EtcdCluster } from "./etcd.js";
import { freePort } from "./free-port.js";
import { namedOptions } from "./named.js";
import { createLab, type Lab, type LabNode, type LabProcess } from "./netns.js";
import { startStatefulService, type StatefulService } from "./stateful-service.js";
import { makeTempDir, type TempDir } from "./temp-dir.js";

export const ZONE = "lab.test";
export const SERVICE = "app";
const BIN = join(ROOT, "bin/understudy.js");

export interface AgentLab {
  lab: Lab;
  dir: TempDir;
  etcd: EtcdCluster;
  /** The etcd members' hub addresses, in member order. */
  etcdAddresses: string[];
  primary: StatefulService;
  standby: StatefulService;
  /** host name → instance address (what the record holds while that host is active). */
  addresses: Record<"primary" | "standby", string>;
  nodes: Map<string, LabNode>;
  named: { address: string; port: number; key: { name: string; algorithm: string; secret: string }; stop(): Promise<void> };
  /** The record's current answer; undefined when BIND did not answer. */
  answer(): Promise<string[] | undefined>;
  /** Points the record at an address through BIND's own update (a test's reset, not a failover). */
  setRecord(address: string): Promise<void>;
  client: EtcdClient;
  stop(): Promise<void>;
}

export interface AgentOptions {
  ttl?: string;
  quorum?: number;
  /** A promote action (argv) run in the agent's namespace, to hold a run at that step. */
  promote?: string[];
  promoteTimeout?: string;
}

export interface RunningAgent {
  name: string;
  node: LabNode;
  config: string;
  dataDir: string;
  process: LabProcess;
  apiUrl: string;
}

async function startLabNamed(lab: Lab, dir: string) {
  const binary = findBinary("named");
  if (binary === undefined) throw new Error("named is not installed: apt-get install -y bind9");
  const address = await lab.hubAddress(53);
  const port = await freePort();
  const key = { name: "lab-key", algorithm: "hmac-sha256", secret: randomBytes(32).toString("base64") };
  const zoneFile = join(dir, `${ZONE}.zone`);
  writeFileSync(zoneFile, ["$TTL 60", `@ IN SOA ns1.${ZONE}. hostmaster.${ZONE}. 1 3600 600 86400 60`, `@ IN NS ns1.${ZONE}.`, `ns1 IN A ${address}`, `${SERVICE} IN A ${lab.address(10)}`, ""].join("\n"));
  writeFileSync(join(dir, "named.conf"), `key "${key.name}" { algorithm ${key.algorithm}; secret "${key.secret}"; };
${namedOptions(dir, port).replace("{ 127.0.0.1; }", `{ ${address}; }`)}zone "${ZONE}" { type primary; file "${zoneFile}"; allow-update { key "${key.name}"; }; };
`);
  const proc = lab.spawn([binary, "-g", "-4", "-n", "1", "-c", join(dir, "named.conf")]);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const state = await readByQuery({ host: address, port }, `${SERVICE}.${ZONE}`, "A", AbortSignal.timeout(500)).catch(() => undefined);
    if (state?.ok) break;
    if (!proc.running() || Date.now() > deadline) {
      await proc.kill();
      throw new Error(`BIND on ${address}:${port} did not answer for ${SERVICE}.${ZONE} within 15 s:\n${proc.output().slice(-2_000)}`);
    }
    await sleep(100);
  }
  return { address, port, key, stop: () => proc.kill() };
}

export async function startAgentLab(agents: string[]): Promise<AgentLab> {
  const lab = await createLab();
  const dir = await makeTempDir("understudy-agent-lab-");
  const cleanups: Array<() => Promise<unknown>> = [() => dir.stop(), () => lab.stop()];
  try {
    const etcdAddresses = [await lab.hubAddress(1), await lab.hubAddress(2), await lab.hubAddress(3)];
    const etcd = await startEtcdCluster({ members: 3, dir: join(dir.path, "etcd"), perMember: etcdAddresses.map((listenHost) => ({ listenHost })) });
    cleanups.unshift(() => etcd.stop());
    const addresses = { primary: await lab.hubAddress(10), standby: await lab.hubAddress(11) };
    const port = await freePort();
    const primary = await startStatefulService({ host: addresses.primary, port, dbPath: join(dir.path, "primary.db") });
    cleanups.unshift(() => primary.kill());
    const standby = await startStatefulService({ host: addresses.standby, port, dbPath: join(dir.path, "standby.db") });
    cleanups.unshift(() => standby.kill());
    const named = await startLabNamed(lab, dir.path);
    cleanups.unshift(() => named.stop());
    const nodes = new Map<string, LabNode>();
    for (const agent of agents) nodes.set(agent, await lab.addNode(agent));
    const client = new EtcdClient({ endpoints: etcd.endpoints, timeoutMs: 1_000 });
    cleanups.unshift(() => client.close());
    const server = { host: named.address, port: named.port };
    const dns = findDnsProviderKind("rfc2136")!.create({ server, zone: ZONE, tsig: { ...named.key, secret: "env:TSIG_SECRET" } }, { secret: async () => named.key.secret });
    return {
      lab, dir, etcd, etcdAddresses, primary, standby, addresses, nodes, named, client,
      async answer() {
        const state = await readByQuery(server, `${SERVICE}.${ZONE}`, "A", AbortSignal.timeout(1_000)).catch(() => undefined);
        return state?.ok ? [...state.values].sort() : undefined;
      },
      async setRecord(address) {
        const written = await dns.write(`${SERVICE}.${ZONE}`, "A", [address], 5);
        if (!written.ok) throw new Error(`resetting ${SERVICE}.${ZONE} to ${address}: ${written.message}`);
      },
      async stop() {
        for (const cleanup of cleanups) await cleanup().catch(() => undefined);
      },
    };
  } catch (error) {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    throw error;
  }
}

/** Writes an agent's config for one scenario (its own etcd prefix and data directory). */
export function writeAgentConfig(env: AgentLab, scenario: string, agent: string, options: AgentOptions = {}): { config: string; dataDir: string; apiUrl: string } {
  const node = env.nodes.get(agent)!;
  const base = join(env.dir.path, scenario);
  mkdirSync(base, { recursive: true });
  const dataDir = join(base, `${agent}-state`);
  const config = join(base, `${agent}.yaml`);
  const port = env.primary.port;
  const endpoints = env.etcd.endpoints.map((endpoint) => `"${endpoint}"`).join(", ");
  const promote = options.promote ? `\n      promote: { command: ${JSON.stringify(options.promote)}, timeout: ${options.promoteTimeout ?? "60s"} }` : "";
  writeFileSync(config, `version: 1
hosts:
  primary: { address: ${env.addresses.primary} }
  standby: { address: ${env.addresses.standby} }
services:
  ${SERVICE}:
    primary: primary
    standby: [standby]
    criticality: high
    checks:
      - { on: primary, http: "http://${env.addresses.primary}:${port}/health", interval: 1s, timeout: 800ms, failure_threshold: 2 }
      - { on: standby, http: "http://${env.addresses.standby}:${port}/health", interval: 1s, timeout: 800ms, failure_threshold: 2 }
    failover:
      mode: automatic
      min_interval: 1s
      max_per_hour: 1000${promote}
      dns:
        rfc2136: { server: "${env.named.address}:${env.named.port}", zone: ${ZONE}, tsig: { name: ${env.named.key.name}, algorithm: ${env.named.key.algorithm}, secret: "env:TSIG_SECRET" } }
        name: ${SERVICE}.${ZONE}
        type: A
        ttl: 5
agents:
  name: ${agent}
  listen: "${node.address}:8470"
  grace: 0s
  data_dir: ${dataDir}
  quorum: ${options.quorum ?? 2}
  coordination:
    etcd: { endpoints: [${endpoints}], prefix: /understudy-${scenario}, ttl: ${options.ttl ?? "3s"} }
`);
  return { config, dataDir, apiUrl: `http://${node.address}:8470` };
}

/** Starts the agent in its namespace with a config written by writeAgentConfig. */
export function startLabAgent(env: AgentLab, agent: string, written: { config: string; dataDir: string; apiUrl: string }): RunningAgent {
  const node = env.nodes.get(agent)!;
  const proc = node.spawn([process.execPath, BIN, "agent", "--config", written.config], { cwd: ROOT, env: { TSIG_SECRET: env.named.key.secret } });
  return { name: agent, node, ...written, process: proc };
}

/** Every run in the agent's journal that started at or after `since`. */
export function readJournal(agent: string, dataDir: string, since = 0): JournalRun[] {
  let store;
  try {
    store = openStore(storePathIn(dataDir));
  } catch {
    return []; // Not created yet: the agent has not started.
  }
  try {
    return new FailoverJournal(store).list({ since }).map((run) => toJournalRun(agent, run));
  } finally {
    store.close();
  }
}

/** A run's identity across journals, as journal.adopt matches it (run ids are per agent). */
export const runKey = (run: Pick<RunRecord, "service" | "startedAt" | "from" | "to">) => `${run.service}@${run.startedAt}:${run.from}->${run.to}`;

export function toJournalRun(agent: string, run: RunRecord): JournalRun {
  return {
    agent, key: runKey(run), service: run.service, token: run.token, status: run.status, from: run.from, to: run.to, startedAt: run.startedAt,
    steps: run.steps.map((step) => ({ step: step.step, attempt: step.attempt, status: step.status, startedAt: step.startedAt, finishedAt: step.finishedAt })),
  };
}

/** The runs kept in etcd under a scenario's prefix (each service's latest). */
export async function readEtcdRuns(env: AgentLab, scenario: string): Promise<JournalRun[]> {
  const { kvs } = await env.client.range(`/understudy-${scenario}/runs/`);
  return kvs.map((kv) => toJournalRun("etcd", JSON.parse(kv.value) as RunRecord));
}

/** The leader's name and fencing token (its key's create revision), or undefined when none. */
export async function readLeader(env: AgentLab, scenario: string): Promise<{ name: string; token: number } | undefined> {
  const kv = await env.client.get(`/understudy-${scenario}/leader`);
  return kv ? { name: kv.value, token: kv.createRevision } : undefined;
}

/** Polls the record every `everyMs` until stopped; samples carry wall-clock timestamps. */
export function recordDns(env: AgentLab, everyMs = 200): { samples: DnsSample[]; stop(): Promise<void> } {
  const samples: DnsSample[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const at = Date.now();
      samples.push({ at, values: await env.answer() });
      await sleep(Math.max(0, at + everyMs - Date.now()));
    }
  })();
  return {
    samples,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/**
 * An agent's terms as leader from its processes' logs (oldest first): each `leadership` line with
 * leading: true opens a term with its token, the next one closes it; a process that died closes its open
 * term at its death. A SIGSTOPped leader's term runs on until it wakes and says it stopped leading.
 */
export function leaderTerms(agent: string, processes: LabProcess[]): LeaderTerm[] {
  const terms: LeaderTerm[] = [];
  for (const proc of processes) {
    let open: LeaderTerm | undefined;
    for (const line of proc.logs) {
      if (line.event !== "leadership") continue;
      const at = Date.parse(String(line.time));
      if (open) {
        open.to = at;
        open = undefined;
      }
      if (line.leading === true) {
        // The leadership line carries fencing_token (older builds only had it in the message: "token N").
        const token = typeof line.fencing_token === "number" ? line.fencing_token : Number(/token (\d+)/.exec(String(line.msg))?.[1]);
        if (!Number.isFinite(token)) throw new Error(`${agent}'s leadership log line names no token: ${JSON.stringify(line)}`);
        open = { agent, token, from: at, to: undefined };
        terms.push(open);
      }
    }
    if (open) open.to = proc.endedAt();
  }
  return terms;
}
