// One voice for several agents (issue 16): three agents, each the real CLI in its own network namespace,
// on a real 3-member etcd with quorum 2, watching one service (the lab's stateful service on the hub).
// Each agent notifies two webhooks on a local receiver (the hub, loopback-only lab addresses), which
// counts every message it gets, per webhook. The sentences are the README's ("Alerts with several
// agents").
import { createServer, type Server } from "node:http";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, waitFor } from "./agent-harness.js";
import { readLeader, startLabAgent, startAgentLab, type AgentLab, type RunningAgent } from "./helpers/agent-lab.js";
import { requireBinaries, requireRoot } from "./helpers/binaries.js";
import { freePort } from "./helpers/free-port.js";
import { readNotices } from "../../src/coord/incident-notices.js";
import { decodeObservation, observationKey } from "../../src/coord/observations.js";
import { storePathIn } from "../../src/store/data-dir.js";
import { openStore } from "../../src/store/db.js";
import { deliveriesOf } from "../../src/store/deliveries.js";
import { listIncidents } from "../../src/store/incidents.js";

const AGENTS = ["h001", "h002", "h003"];
const HOOKS = ["hook-a", "hook-b"];
const available = requireBinaries("etcd-server", "etcd") && requireBinaries("bind9", "named") && requireBinaries("iproute2", "ip") && requireRoot("agents in network namespaces, etcd cut with ip");

interface Received {
  hook: string;
  /** "incident:…" for a service's incident, "agent:<name>" for an agent's own. */
  key: string;
  event: string;
  title: string;
  at: number;
}

let env: AgentLab;
let receiver: { server: Server; url: string; messages: Received[] };
let agents: RunningAgent[] = [];

beforeAll(async () => {
  if (!available) return;
  await ensureBuilt();
  env = await startAgentLab(AGENTS);
  const host = await env.lab.hubAddress(20);
  const port = await freePort();
  const messages: Received[] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      const json = JSON.parse(body) as { key: string; event: string; title: string };
      messages.push({ hook: (request.url ?? "").slice(1), key: json.key, event: json.event, title: json.title, at: Date.now() });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((done) => server.listen(port, host, done));
  receiver = { server, url: `http://${host}:${port}`, messages };
}, 240_000);

afterEach(async () => {
  await Promise.all(agents.map((agent) => agent.process.kill()));
  agents = [];
  for (const node of env?.nodes.values() ?? []) await node.heal();
  if (env && !env.primary.running()) await env.primary.start();
  receiver?.messages.splice(0);
});

afterAll(async () => {
  await new Promise((done) => receiver?.server.close(done));
  await env?.stop();
});

function writeConfig(scenario: string, agent: string) {
  const node = env.nodes.get(agent)!;
  const base = join(env.dir.path, scenario);
  mkdirSync(base, { recursive: true });
  const dataDir = join(base, `${agent}-state`);
  const config = join(base, `${agent}.yaml`);
  const endpoints = env.etcd.endpoints.map((endpoint) => `"${endpoint}"`).join(", ");
  writeFileSync(config, `version: 1
hosts:
  primary: { address: ${env.addresses.primary} }
  jobs: { address: ${env.lab.address(99)} }
services:
  nightly:
    runs_on: [jobs]
    checks:
      - { push: { token: nightly-token, period: 1h } }
  app:
    primary: primary
    standby: []
    criticality: high
    checks:
      - { http: "http://${env.addresses.primary}:${env.primary.port}/health", interval: 1s, timeout: 800ms, failure_threshold: 2 }
notify:
${HOOKS.map((hook) => `  - { name: ${hook}, webhook: { url: "${receiver.url}/${hook}" } }`).join("\n")}
notify_policy: { retry: { attempts: 3, min_delay_ms: 200, max_delay_ms: 1000, factor: 2 } }
agents:
  name: ${agent}
  listen: "${node.address}:8470"
  grace: 0s
  data_dir: ${dataDir}
  quorum: 2
  coordination:
    etcd: { endpoints: [${endpoints}], prefix: /understudy-${scenario}, ttl: 3s }
`);
  return { config, dataDir, apiUrl: `http://${node.address}:8470` };
}

async function startScenario(scenario: string) {
  agents = AGENTS.map((name) => startLabAgent(env, name, writeConfig(scenario, name)));
  const leader = await explained(waitFor("a leader", async () => {
    const exited = agents.find((agent) => !agent.process.running());
    if (exited) throw new Error(`agent ${exited.name} exited`);
    return readLeader(env, scenario);
  }, 60_000));
  // Every agent has seen the service up (so that the kill below is news to all of them).
  await explained(waitFor("every agent to publish the service up", async () => {
    for (const agent of AGENTS) {
      const kv = await env.client.get(observationKey(`/understudy-${scenario}`, agent, "app@primary"));
      if (decodeObservation(kv?.value ?? "")?.state !== "up") return false;
    }
    return true;
  }, 60_000));
  await explained(waitFor("every agent to join as a member", async () => (await env.client.range(`/understudy-${scenario}/members/`)).kvs.length === AGENTS.length, 30_000));
  return leader;
}

const isAgent = (message: Received) => message.key.startsWith("agent:");
/** The service's messages to one webhook, in order ("opened", "resolved"…); agents' own incidents apart. */
const serviceEvents = (hook: string) => receiver.messages.filter((message) => message.hook === hook && !isAgent(message)).map((message) => message.event);
const count = (filter: Partial<Omit<Received, "key">> & { marked?: boolean; agent?: string }) => receiver.messages.filter((message) =>
  (filter.agent === undefined ? !isAgent(message) : message.key === `agent:${filter.agent}`) && (filter.hook === undefined || message.hook === filter.hook) && (filter.event === undefined || message.event === filter.event)
  && (filter.marked === undefined || /alone\)$/.test(message.title) === filter.marked)).length;

/** Waits until every webhook got `n` messages matching the filter. */
const eachHookGot = (what: string, filter: Omit<Parameters<typeof count>[0], "hook">, n = 1) =>
  explained(waitFor(what, () => HOOKS.every((hook) => count({ ...filter, hook }) >= n), 60_000));

describe.skipIf(!available)("alerts with several agents on etcd", () => {
  it("three agents on etcd send one message per notifier for an incident's opening and one for its resolution, and each agent's timeline shows who sent them", async () => {
    const leader = await startScenario("one-page");
    await env.primary.kill();
    await eachHookGot("the opening at both webhooks", { event: "opened" });
    await sleep(5_000);
    await env.primary.start();
    await eachHookGot("the resolution at both webhooks", { event: "resolved" });
    await sleep(5_000);
    for (const hook of HOOKS) {
      expect(serviceEvents(hook)).toEqual(["opened", "resolved"]);
    }
    for (const agent of agents) {
      const store = openStore(storePathIn(agent.dataDir));
      try {
        const incident = listIncidents(store, {}).find((row) => row.root.name === "app" || row.children.some((child) => child.name === "app"))!;
        const timeline = deliveriesOf(store, incident.id).map((delivery) => `${delivery.notice} ${delivery.notifier} ${delivery.outcome} by ${delivery.sentBy}`).sort();
        expect(timeline, agent.name).toEqual(["opened hook-a sent", "opened hook-b sent", "resolved hook-a sent", "resolved hook-b sent"].map((line) => `${line} by ${leader.name}`));
      } finally {
        store.close();
      }
    }
  }, 180_000);

  it("when the leader dies mid-incident, another agent sends the resolution, exactly once", async () => {
    const first = await startScenario("leader-dies");
    await env.primary.kill();
    await eachHookGot("the opening at both webhooks", { event: "opened" });
    // The opening's delivery is recorded in etcd before the leader goes.
    const firstRoot = await waitFor("both deliveries of the opening recorded in etcd", async () => {
      const record = [...(await readNotices(env.client, "/understudy-leader-dies")).values()][0]?.record;
      return HOOKS.every((hook) => record?.notices.opened?.outcomes[hook]?.outcome === "sent") && record!.root;
    }, 10_000);
    await agents.find((agent) => agent.name === first.name)!.process.kill();
    const next = await explained(waitFor("another leader", async () => {
      const leader = await readLeader(env, "leader-dies");
      return leader && leader.name !== first.name ? leader : undefined;
    }, 30_000));
    // The watchers are watched: the dead leader is an incident of its own, sent once by the new leader.
    await eachHookGot(`${first.name}'s absence at both webhooks`, { agent: first.name, event: "opened" });
    expect(receiver.messages.find((message) => message.key === `agent:${first.name}`)!.title).toBe(`agent ${first.name} is gone: 2 of 3 vantage points left; quorum still possible`);
    await env.primary.start();
    await eachHookGot("the resolution at both webhooks", { event: "resolved" });
    const dead = agents.find((agent) => agent.name === first.name)!;
    agents = [...agents.filter((agent) => agent !== dead), startLabAgent(env, dead.name, { config: dead.config, dataDir: dead.dataDir, apiUrl: dead.apiUrl })];
    await eachHookGot(`${first.name}'s return at both webhooks`, { agent: first.name, event: "resolved" });
    await sleep(8_000);
    for (const hook of HOOKS) {
      expect(serviceEvents(hook)).toEqual(["opened", "resolved"]);
    }
    for (const hook of HOOKS) {
      expect(count({ hook, agent: first.name, event: "opened" })).toBe(1);
      expect(count({ hook, agent: first.name, event: "resolved" })).toBe(1);
    }
    const record = (await readNotices(env.client, "/understudy-leader-dies")).get(firstRoot)!.record;
    expect(record.notices.opened!.by).toBe(first.name);
    expect(record.notices.resolved!.by).toBe(next.name);
  }, 180_000);

  it("an agent cut off from etcd alerts on its own checks, marked as seen from it alone, and sends nothing again when it rejoins", async () => {
    const leader = await startScenario("cut-off");
    const cut = agents.find((agent) => agent.name !== leader.name)!;
    const linesBefore = cut.process.logs.length;
    await env.nodes.get(cut.name)!.cut(env.etcdAddresses);
    await explained(waitFor(`${cut.name} to know it is alone`, () => cut.process.logs.slice(linesBefore).some((line) => line.event === "quorum.status" && line.current === false), 30_000));
    await env.primary.kill();
    await eachHookGot("the leader's opening at both webhooks", { event: "opened", marked: false });
    await eachHookGot(`${cut.name}'s own opening at both webhooks`, { event: "opened", marked: true });
    expect(receiver.messages.find((message) => message.event === "opened" && /alone\)$/.test(message.title))!.title).toMatch(new RegExp(`\\(seen from ${cut.name} alone\\)$`));
    // For the others it is gone (its lease ended): an incident of its own, once its absence outlasts a TTL.
    await eachHookGot(`${cut.name}'s absence at both webhooks`, { agent: cut.name, event: "opened" });
    const rejoinFrom = cut.process.logs.length;
    await env.nodes.get(cut.name)!.heal();
    await explained(waitFor(`${cut.name} to rejoin`, () => cut.process.logs.slice(rejoinFrom).some((line) => line.event === "quorum.status" && line.current === true), 30_000));
    await sleep(6_000);
    await env.primary.start();
    await eachHookGot("the resolution at both webhooks", { event: "resolved", marked: false });
    await sleep(6_000);
    await eachHookGot(`${cut.name}'s return at both webhooks`, { agent: cut.name, event: "resolved" });
    for (const hook of HOOKS) {
      expect(count({ hook, event: "opened", marked: false })).toBe(1);
      expect(count({ hook, event: "opened", marked: true })).toBe(1);
      expect(count({ hook, event: "resolved", marked: false })).toBe(1);
      // What it told alone, it closes itself (marked the same), once.
      expect(count({ hook, event: "resolved", marked: true })).toBe(1);
      expect(count({ hook })).toBe(4);
      // Cut off from etcd, it was gone for the others too: one opening and one resolution of its own.
      expect(count({ hook, agent: cut.name, event: "opened" })).toBe(1);
      expect(count({ hook, agent: cut.name, event: "resolved" })).toBe(1);
    }
  }, 180_000);

  it("a push received by any agent counts for all: a failure pushed to one agent is confirmed by the quorum and sent once", async () => {
    await startScenario("pushes");
    const one = agents[0]!;
    const answer = await fetch(`${one.apiUrl}/push/nightly-token/3`, { method: "POST", body: "rsync: No space left on device (28)" });
    expect(answer.status).toBe(200);
    // Quorum 2: without sharing, only the agent that took the push would see the job failed, and nobody would be told.
    await eachHookGot("the failed job's incident at both webhooks", { event: "opened" });
    await sleep(4_000);
    for (const hook of HOOKS) expect(serviceEvents(hook)).toEqual(["opened"]);
    expect(receiver.messages.find((message) => message.event === "opened")!.title).toContain("nightly");
  }, 180_000);
});

async function explained<T>(wait: Promise<T>): Promise<T> {
  try {
    return await wait;
  } catch (error) {
    const outputs = agents.map((agent) => `--- ${agent.name} (${agent.process.running() ? "running" : "exited"}) ---\n${agent.process.output().slice(-2_000)}`).join("\n");
    throw new Error(`${(error as Error).message}\nreceived: ${JSON.stringify(receiver.messages)}\n${outputs}`, { cause: error });
  }
}
