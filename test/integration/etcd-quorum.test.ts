// Shared verdicts against a real 3-member etcd cluster: three agents in this process, each with its own
// client, session (lease) and startSharedVerdicts, fed check results as their own vantage points would
// see them. What a person would check: one agent's broken link is no `down` verdict; two of three are,
// said once; an agent that dies without a goodbye stops counting after its lease TTL; a frozen
// member of etcd (SIGSTOP) does not stop the verdicts; a burst of changes larger than one etcd
// transaction allows is all published; `understudy agents` lists who is there, and says clearly when
// etcd does not answer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { main } from "../../src/cli/main.js";
import { EtcdClient } from "../../src/coord/etcd-client.js";
import { decodeObservation, observationKey, observationsPrefix } from "../../src/coord/observations.js";
import { startSession } from "../../src/coord/session.js";
import { startSharedVerdicts, type StartedSharedVerdicts } from "../../src/coord/shared-verdicts.js";
import type { Session } from "../../src/coord/etcd-api.js";
import { parseConfig } from "../../src/config/load.js";
import { systemClock } from "../../src/engine/clock.js";
import { createAgentEvents } from "../../src/engine/events.js";
import { startWatching, type Watcher } from "../../src/engine/watch.js";
import { LocalVerdicts, type InstanceChange } from "../../src/engine/verdict.js";
import { buildTopology, type Check, type Topology } from "../../src/model/topology.js";
import { requireBinaries } from "./helpers/binaries.js";
import { startEtcdCluster, type EtcdCluster } from "./helpers/etcd.js";
import { freePort } from "./helpers/free-port.js";
import { makeTempDir, type TempDir } from "./helpers/temp-dir.js";

const available = requireBinaries("etcd-server", "etcd");
const PREFIX = "/t-quorum";
const TTL_MS = 5_000;

async function eventually<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, withinMs = 30_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${withinMs} ms`);
    await sleep(100);
  }
}

function topologyOf(yaml: string): Topology {
  const parsed = parseConfig(yaml, "understudy.yaml");
  if (!parsed.ok) throw new Error(parsed.diagnostics.map((d) => d.message).join("\n"));
  return buildTopology(parsed.config);
}

const topology = topologyOf(`version: 1
hosts:
  H1: { address: 127.0.0.1 }
services:
  web:
    runs_on: [H1]
    checks: [{ tcp: "127.0.0.1:1", failure_threshold: 2 }]
`);
const check: Check = topology.services.get("web")!.checks[0]!;

interface TestAgent {
  name: string;
  etcd: EtcdClient;
  session: Session;
  local: LocalVerdicts;
  shared: StartedSharedVerdicts;
  decisions: InstanceChange[];
  alerting: InstanceChange[];
  /** Feeds this agent's own check results until its own verdict is `state`. */
  sees(state: "up" | "down"): void;
}

async function startTestAgent(cluster: EtcdCluster, name: string, quorum: number, prefix = PREFIX): Promise<TestAgent> {
  const etcd = new EtcdClient({ endpoints: cluster.endpoints, timeoutMs: 1_000 });
  const session = await startSession({ etcd, prefix, name, ttlMs: TTL_MS, card: { version: "test", startedAt: Date.now() } });
  const local = new LocalVerdicts({ startedAt: 0, graceMs: 0 });
  const shared = startSharedVerdicts({ session, quorum, local, topology, clock: systemClock, coalesceMs: 20, retryMs: 200 });
  const agent: TestAgent = {
    name, etcd, session, local, shared, decisions: [], alerting: [],
    sees(state) {
      for (let i = 0; i < 5 && local.instanceState("web", "H1") !== state; i++) {
        const ok = state === "up";
        local.observe({ check, vantage: name, ok, reason: ok ? undefined : "refused", message: ok ? "connected" : `${name}'s link is down`, at: Date.now() });
      }
    },
  };
  shared.decisions.onChange((change) => agent.decisions.push(change));
  shared.alerting.onChange((change) => agent.alerting.push(change));
  await shared.ready;
  return agent;
}

async function stopTestAgent(agent: TestAgent): Promise<void> {
  await agent.shared.stop().catch(() => undefined);
  await agent.session.close().catch(() => undefined);
  await agent.etcd.close();
}

class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

async function understudy(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(argv, { stdout, stderr, env: {} });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

function configWith(dir: TempDir, name: string, agents: string): string {
  const file = join(dir.path, name);
  writeFileSync(file, `version: 1\nhosts:\n  H1: { address: 127.0.0.1 }\nservices:\n  web: { runs_on: [H1] }\nagents:\n${agents}`);
  return file;
}

const downs = (changes: readonly InstanceChange[]) => changes.filter((change) => change.to === "down").length;

describe.skipIf(!available)("quorum verdicts over a 3-member etcd cluster (quorum 2 of 3 agents)", () => {
  let cluster: EtcdCluster;
  const agents: TestAgent[] = [];
  let a: TestAgent, b: TestAgent, c: TestAgent;
  const says = (viewer: TestAgent, agent: string) => viewer.shared.decisions.observationsOf("web", "H1").get(agent)?.state;

  beforeAll(async () => {
    cluster = await startEtcdCluster({ members: 3 });
    for (const name of ["a", "b", "c"]) agents.push(await startTestAgent(cluster, name, 2));
    [a, b, c] = agents as [TestAgent, TestAgent, TestAgent];
  }, 90_000);
  afterAll(async () => {
    for (const member of cluster?.members ?? []) member.resume();
    for (const agent of agents) await stopTestAgent(agent);
    await cluster?.stop();
  }, 60_000);

  it("one agent seeing the service down (its own link) is no down verdict, and no alert", async () => {
    for (const agent of agents) agent.sees("up");
    await eventually("every agent's quorum says up", () => agents.every((agent) => agent.shared.decisions.instanceState("web", "H1") === "up"));
    a.sees("down");
    // Once every agent has read a's "down", each has decided with it in hand.
    await eventually("every agent has read a's down", () => agents.every((agent) => says(agent, "a") === "down"));
    for (const agent of agents) {
      expect(agent.shared.decisions.instanceState("web", "H1")).toBe("up");
      expect(agent.shared.alerting.instanceState("web", "H1")).toBe("up");
      expect(downs(agent.decisions) + downs(agent.alerting)).toBe(0);
    }
  }, 60_000);

  it("two of three seeing it down is a down verdict, said once by each agent", async () => {
    b.sees("down");
    await eventually("every agent's quorum says down", () => agents.every((agent) => agent.shared.decisions.instanceState("web", "H1") === "down"));
    // More failures change nothing: still one down verdict each.
    a.sees("down");
    b.sees("down");
    await eventually("every agent has read b's down", () => agents.every((agent) => says(agent, "b") === "down"));
    for (const agent of agents) {
      expect(downs(agent.decisions)).toBe(1);
      expect(downs(agent.alerting)).toBe(1);
    }
    const last = c.decisions.at(-1)!;
    expect(last).toMatchObject({ service: "web", host: "H1", from: "up", to: "down" });
    expect(last.reason).toMatch(/^down: a, b of 3 agents \(quorum 2\) \(a: web\/tcp.* failed \(refused: a's link is down\)\); up: c$/);
  }, 60_000);

  it("an agent that dies without revoking its lease stops counting after the TTL; the verdict is recomputed", async () => {
    await a.etcd.close(); // a can no longer renew: as if its process hung or its machine lost power
    await eventually("a's observations vanish with its lease", async () => (await c.etcd.range(`${observationsPrefix(PREFIX)}a/`)).kvs.length === 0, TTL_MS + 20_000);
    await eventually("c recomputes without a", () => says(c, "a") === undefined && c.shared.decisions.instanceState("web", "H1") === "suspect");
    expect(c.decisions.at(-1)).toMatchObject({ from: "down", to: "suspect" });
    expect(await c.etcd.get(`${PREFIX}/agents/a`)).toBeUndefined();
    // a itself: its quorum verdicts froze where they were and say why; it alerts on its own checks.
    await eventually("a's verdicts froze", () => !a.shared.decisions.status().current);
    expect(a.shared.decisions.status().reason).toMatch(/lease was lost/);
    expect(a.shared.decisions.instanceState("web", "H1")).toBe("down");
    expect(a.shared.alerting.local()).toBe(true);
    expect(a.shared.alerting.instanceState("web", "H1")).toBe("down");
  }, 60_000);

  it("verdicts keep flowing through the other members while one etcd member is frozen (SIGSTOP)", async () => {
    const frozen = cluster.members[0]!;
    frozen.pause();
    try {
      b.sees("up");
      await eventually("c's quorum says up again", () => c.shared.decisions.instanceState("web", "H1") === "up", 40_000);
      await eventually("b's quorum says up again", () => b.shared.decisions.instanceState("web", "H1") === "up", 40_000);
      expect(c.decisions.at(-1)).toMatchObject({ to: "up" });
      expect(c.shared.decisions.status().current).toBe(true);
    } finally {
      frozen.resume();
    }
  }, 90_000);

  it("a stale write that reaches etcd late (a timed-out request delivered after a heal) is corrected by the read-back", async () => {
    const key = observationKey(PREFIX, "b", "web@H1");
    await eventually("b's up is published", async () => decodeObservation((await c.etcd.get(key))?.value ?? "")?.state === "up");
    // What a request stuck in a socket to a partitioned member would do once delivered: an older "down".
    const stale = await c.etcd.put(key, JSON.stringify({ state: "down", at: Date.now() - 60_000, reason: "an old failure" }), { lease: b.session.lease()! });
    // The key held "down" at that revision (b may put it right within milliseconds): a later one must say up.
    await eventually("b's own view (up) is published again", async () => {
      const now = await c.etcd.get(key);
      return now !== undefined && now.modRevision > stale.revision && decodeObservation(now.value)?.state === "up";
    }, TTL_MS + 20_000);
  }, 60_000);

  it("understudy agents lists the live agents, the leader, and what each sees down", async () => {
    const dir = await makeTempDir("understudy-agents-cli-");
    try {
      await c.etcd.put(`${PREFIX}/leader`, "c", { lease: c.session.lease()! });
      c.sees("down"); // c now sees web down too (b sees it up)
      await eventually("c's down is published", async () => (await c.etcd.get(`${observationsPrefix(PREFIX)}c/web@H1`))?.value.includes('"down"'));
      const config = configWith(dir, "etcd.yaml", `  quorum: 2\n  coordination:\n    etcd:\n      prefix: ${PREFIX}\n      ttl: 5s\n      endpoints: [${cluster.endpoints.map((e) => `"${e}"`).join(", ")}]\n`);

      const json = await understudy("agents", "--config", config, "--format", "json");
      expect(json.stderr).toBe("");
      expect(json.code).toBe(0);
      const listed = JSON.parse(json.stdout) as { leader: string; quorum: number; agents: Array<{ name: string; leader: boolean; down: string[]; lastObservationAt: number | null; version: string }> };
      expect(listed.leader).toBe("c");
      expect(listed.quorum).toBe(2);
      // a died without a goodbye: its lease ended, so it is not listed.
      expect(listed.agents.map((agent) => [agent.name, agent.leader, agent.down, agent.version])).toEqual([["b", false, [], "test"], ["c", true, ["web@H1"], "test"]]);
      expect(listed.agents.every((agent) => typeof agent.lastObservationAt === "number")).toBe(true);

      const table = await understudy("agents", "--config", config);
      expect(table.code).toBe(0);
      expect(table.stdout).toMatch(/^c\s+test\s+leader\s+\S+ \(TTL 5s\)\s+\S+ ago\s+1: web@H1$/m);
      expect(table.stdout).toContain(`2 agents under ${PREFIX} on ${cluster.endpoints.join(", ")}; leader c (fencing token`);

      const short = await understudy("agents", "--config", configWith(dir, "q3.yaml", `  quorum: 3\n  coordination:\n    etcd:\n      prefix: ${PREFIX}\n      ttl: 5s\n      endpoints: [${cluster.endpoints.map((e) => `"${e}"`).join(", ")}]\n`));
      expect(short.code).toBe(1);
      expect(short.stdout).toContain("Fewer agents than the quorum (3): no failure can be confirmed, so nothing fails over; start 1 more.");
    } finally {
      await dir.stop();
    }
  }, 60_000);
  it("with fewer agents alive than the quorum, each remaining agent alerts on its own checks; failover's verdicts confirm nothing", async () => {
    c.sees("up");
    await eventually("c's quorum says up", () => c.shared.decisions.instanceState("web", "H1") === "up");
    expect(c.shared.alerting.local()).toBe(false);
    await b.etcd.close(); // b dies too: only c is left, and the quorum is 2
    await eventually("b's observations vanish with its lease", async () => (await c.etcd.range(`${observationsPrefix(PREFIX)}b/`)).kvs.length === 0, TTL_MS + 20_000);
    await eventually("c alerts on its own checks", () => c.shared.alerting.local());
    expect(c.shared.decisions.status().reason).toMatch(/fewer than the quorum \(2\)/);
    const downsBefore = downs(c.alerting);
    c.sees("down");
    await eventually("c's own down reaches its alerting", () => c.shared.alerting.instanceState("web", "H1") === "down");
    expect(downs(c.alerting)).toBe(downsBefore + 1);
    expect(c.shared.decisions.instanceState("web", "H1")).not.toBe("down");
  }, 60_000);
});

describe("understudy agents without etcd to ask", () => {
  it("says etcd does not answer, what it tried and what to check, and exits 2", async () => {
    const dir = await makeTempDir("understudy-agents-cli-");
    try {
      const port = await freePort();
      const result = await understudy("agents", "--config", configWith(dir, "down.yaml", `  quorum: 2\n  coordination:\n    etcd:\n      endpoints: ["http://127.0.0.1:${port}"]\n`));
      expect(result.code).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(new RegExp(`^understudy: etcd: no endpoint answered /v3/kv/txn: http://127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED.*\\)\\. What to do: check that etcd runs`));
    } finally {
      await dir.stop();
    }
  });

  it("with coordination local, says there is one agent and where to look", async () => {
    const dir = await makeTempDir("understudy-agents-cli-");
    try {
      const port = await freePort();
      const result = await understudy("agents", "--config", configWith(dir, "local.yaml", `  listen: "127.0.0.1:${port}"\n`));
      expect(result.code).toBe(1);
      expect(result.stdout).toBe(`coordination: local — one agent: none answered at http://127.0.0.1:${port}; start it with \`understudy agent\`. See \`understudy status\`.\n`);
    } finally {
      await dir.stop();
    }
  });
});

describe.skipIf(!available)("publishing a burst of verdicts", () => {
  let cluster: EtcdCluster;
  let agent: TestAgent | undefined;

  beforeAll(async () => {
    cluster = await startEtcdCluster({ members: 1 });
  }, 60_000);
  afterAll(async () => {
    if (agent) await stopTestAgent(agent);
    await cluster?.stop();
  }, 60_000);

  it("writes 300 changes at once in transactions etcd accepts (at most 128 operations each)", async () => {
    agent = await startTestAgent(cluster, "solo", 1, "/t-burst");
    const checks = Array.from({ length: 300 }, (_, i): Check => ({ ...check, name: `svc${i}/tcp`, service: `svc${i}` }));
    for (const each of checks) agent.local.observe({ check: each, vantage: "solo", ok: false, reason: "refused", message: "router down", at: Date.now() });
    const { kvs } = await eventually("all 300 observations are in etcd", async () => {
      const found = await agent!.etcd.range(`${observationsPrefix("/t-burst")}solo/`);
      return found.kvs.length === 300 ? found : undefined;
    });
    expect(kvs.every((kv) => JSON.parse(kv.value).state === "suspect" && kv.lease === agent!.session.lease())).toBe(true);
    await eventually("the quorum (1) sees every one", () => checks.every((each) => agent!.shared.decisions.instanceState(each.service, "H1") === "suspect"));
  }, 60_000);
});

describe.skipIf(!available)("an agent's watcher with shared verdicts (quorum 2 of 3)", () => {
  const WATCH_PREFIX = "/t-watch";
  const watched = topologyOf(`version: 1
hosts:
  H1: { address: 127.0.0.1 }
services:
  web:
    runs_on: [H1]
    checks: [{ tcp: "127.0.0.1:1", interval: 500ms, failure_threshold: 2 }]
agents:
  grace: 0s
`);
  interface WatchingAgent {
    name: string;
    etcd: EtcdClient;
    session: Session;
    watcher: Watcher;
    shared: StartedSharedVerdicts;
    linkDown: boolean;
    instanceChanges: InstanceChange[];
    opened: string[];
  }
  let cluster: EtcdCluster;
  const agents: WatchingAgent[] = [];

  async function startWatchingAgent(name: string): Promise<WatchingAgent> {
    const etcd = new EtcdClient({ endpoints: cluster.endpoints, timeoutMs: 1_000 });
    const session = await startSession({ etcd, prefix: WATCH_PREFIX, name, ttlMs: 3_000, card: { version: "test", startedAt: Date.now() } });
    const events = createAgentEvents();
    let shared: StartedSharedVerdicts | undefined;
    const agent = { name, etcd, session, linkDown: false, instanceChanges: [] as InstanceChange[], opened: [] as string[] } as WatchingAgent;
    events.on("instance.changed", (change) => void agent.instanceChanges.push(change));
    events.on("incident.opened", ({ incident }) => void agent.opened.push(incident.title));
    agent.watcher = startWatching({
      topology: watched, clock: systemClock, events, vantage: name, settleMs: 0,
      run: async () => (agent.linkDown ? { ok: false, reason: "refused", message: `${name}'s link is down`, latencyMs: 1 } : { ok: true, message: "connected", latencyMs: 1 }),
      shared: (local, topology) => (shared = startSharedVerdicts({ session, quorum: 2, local, topology, clock: systemClock, coalesceMs: 20, retryMs: 200 })),
    });
    agent.shared = shared!;
    await agent.shared.ready;
    return agent;
  }

  beforeAll(async () => {
    cluster = await startEtcdCluster({ members: 1 });
    for (const name of ["a", "b", "c"]) agents.push(await startWatchingAgent(name));
  }, 60_000);
  afterAll(async () => {
    for (const agent of agents) {
      await agent.watcher.stop().catch(() => undefined);
      await agent.session.close().catch(() => undefined);
      await agent.etcd.close();
    }
    await cluster?.stop();
  }, 60_000);

  it("one agent's broken link opens no incident anywhere; cut from etcd, that agent alerts on its own checks while failover's verdicts stay frozen", async () => {
    const [a, b, c] = agents as [WatchingAgent, WatchingAgent, WatchingAgent];
    await eventually("every agent's verdict is up", () => agents.every((agent) => agent.watcher.verdicts.instanceState("web", "H1") === "up"));
    a.linkDown = true;
    await eventually("every agent has read a's down", () => agents.every((agent) => agent.shared.decisions.observationsOf("web", "H1").get("a")?.state === "down"));
    await sleep(1_000); // a few more check runs on every agent
    for (const agent of agents) {
      expect(agent.opened).toEqual([]);
      expect(agent.instanceChanges.filter((change) => change.to === "down")).toEqual([]);
      expect(agent.watcher.health.health("web")).toBe("up");
    }

    await a.etcd.close(); // a loses etcd: its lease cannot be renewed
    await eventually("a's lease is lost and its quorum verdicts freeze", () => !a.shared.decisions.status().current, 20_000);
    await eventually("a alerts on its own checks", () => a.opened.length === 1, 20_000);
    expect(a.opened[0]).toMatch(/web/);
    expect(a.watcher.alerting.instanceState("web", "H1")).toBe("down");
    // What a's failover controller reads and hears: still up, as it was when etcd went away.
    expect(a.watcher.verdicts.instanceState("web", "H1")).toBe("up");
    expect(a.instanceChanges.filter((change) => change.to === "down")).toEqual([]);
    expect(b.opened).toEqual([]);
    expect(c.opened).toEqual([]);
  }, 90_000);
});
