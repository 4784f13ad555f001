// Real partitions between agents, the service and etcd (issue 6): three agents, each the real CLI in
// its own network namespace, coordinating through a real 3-member etcd with quorum 2; a stateful
// service's two instances and a real BIND on the lab's hub. Partitions are routes inside the agents'
// namespaces (helpers/netns.ts), not mocks.
//   (a) one agent cut from the service only: no failover (the record never moves, no run anywhere),
//       though that agent itself sees the primary down;
//   (b) the leader cut from etcd while its failover is held in a slow promote: another agent becomes
//       leader with a greater token and finishes the run; the old leader journals no step after its
//       lease could have expired, and no two agents act with different tokens at once;
//   (c) the leader killed (kill -9) together with the primary: another agent takes over and fails the
//       service over, once;
//   (d) an etcd member stopped with SIGSTOP (the raft leader): the failover still happens;
//   (e) a leader killed mid-run comes back as a follower; after a second, real failover it leads again
//       with everything healthy: it must not resume its own stale copy of the first run (found by the
//       chaos schedules: the record moved with no failure).
// Each scenario has its own etcd prefix and data directories; the lab is shared.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, waitFor } from "./agent-harness.js";
import {
  leaderTerms, readEtcdRuns, readJournal, readLeader, recordDns, startAgentLab, startLabAgent, writeAgentConfig,
  type AgentLab, type AgentOptions, type RunningAgent,
} from "./helpers/agent-lab.js";
import { requireBinaries, requireRoot } from "./helpers/binaries.js";
import { checkInvariants, type JournalRun } from "./helpers/chaos-check.js";
import { decodeObservation, observationKey } from "../../src/coord/observations.js";

const AGENTS = ["a1", "a2", "a3"];
const available = requireBinaries("etcd-server", "etcd") && requireBinaries("bind9", "named") && requireBinaries("iproute2", "ip") && requireRoot("agents in network namespaces, partitions cut with ip");
let env: AgentLab;
let agents: RunningAgent[] = [];

beforeAll(async () => {
  if (!available) return;
  await ensureBuilt();
  env = await startAgentLab(AGENTS);
}, 240_000);

afterEach(async () => {
  await Promise.all(agents.map((agent) => agent.process.kill()));
  agents = [];
  for (const node of env?.nodes.values() ?? []) await node.heal();
  for (const member of env?.etcd.members ?? []) member.resume();
  if (env && !env.primary.running()) await env.primary.start();
  if (env && !env.standby.running()) await env.standby.start();
  await env?.setRecord(env.addresses.primary);
});

afterAll(async () => {
  await env?.stop();
});

/** Starts the three agents for a scenario and waits until one leads and every agent sees both instances up. */
async function startScenario(scenario: string, options: AgentOptions = {}) {
  agents = AGENTS.map((name) => startLabAgent(env, name, writeAgentConfig(env, scenario, name, options)));
  const failure = () => agents.find((agent) => !agent.process.running());
  await explained(waitFor(`a leader among ${AGENTS.join(", ")} in /understudy-${scenario}`, async () => {
    if (failure()) throw new Error(`agent ${failure()!.name} exited`);
    return readLeader(env, scenario);
  }, 60_000));
  await explained(waitFor("every agent to publish both instances up", async () => {
    if (failure()) throw new Error(`agent ${failure()!.name} exited`);
    for (const agent of AGENTS) {
      for (const host of ["primary", "standby"]) {
        const kv = await env.client.get(observationKey(`/understudy-${scenario}`, agent, `app@${host}`));
        if (decodeObservation(kv?.value ?? "")?.state !== "up") return false;
      }
    }
    return true;
  }, 60_000));
  const byName = (name: string) => agents.find((agent) => agent.name === name)!;
  const journals = (since = 0): JournalRun[] => agents.flatMap((agent) => readJournal(agent.name, agent.dataDir, since));
  const terms = () => agents.flatMap((agent) => leaderTerms(agent.name, [agent.process]));
  return { byName, journals, terms, leader: async () => (await readLeader(env, scenario))! };
}

describe.skipIf(!available)("three agents on etcd, partitioned for real", () => {
  it("(a) one agent cut from the service only: it sees the primary down, but nothing fails over", async () => {
    const { journals, leader } = await startScenario("a");
    // Cut the leader itself: the agent that would act is the one whose link is broken.
    const cutAgent = (await leader()).name;
    const dns = recordDns(env);
    await env.nodes.get(cutAgent)!.cut([env.addresses.primary, env.addresses.standby]);
    await waitFor(`${cutAgent}'s own observation of the primary to turn down`, async () => {
      const kv = await env.client.get(observationKey("/understudy-a", cutAgent, "app@primary"));
      return decodeObservation(kv?.value ?? "")?.state === "down";
    }, 30_000);
    // Several more check intervals for a wrong decision to show.
    await sleep(8_000);
    await dns.stop();
    expect(new Set(dns.samples.filter((sample) => sample.values).map((sample) => sample.values!.join()))).toEqual(new Set([env.addresses.primary]));
    expect(journals()).toEqual([]);
    expect(await readEtcdRuns(env, "a")).toEqual([]);
    for (const other of AGENTS.filter((name) => name !== cutAgent)) {
      const kv = await env.client.get(observationKey("/understudy-a", other, "app@primary"));
      expect(decodeObservation(kv?.value ?? "")?.state).toBe("up");
    }
  }, 180_000);

  it("(b) the leader cut from etcd mid-failover: a new leader with a greater token finishes; the old one acts no more", async () => {
    const ttlMs = 3_000;
    const { byName, journals, terms, leader } = await startScenario("b", { ttl: "3s", promote: ["sleep", "6"], promoteTimeout: "30s" });
    const old = await leader();
    const dns = recordDns(env);
    const failedAt = Date.now();
    await env.primary.kill();
    await waitFor(`${old.name} to start the promote step`, () => readJournal(old.name, byName(old.name).dataDir).some((run) => run.steps.some((step) => step.step === "promote")), 60_000);
    const cutAt = Date.now();
    await env.nodes.get(old.name)!.cut(env.etcdAddresses);
    const successor = await waitFor("another agent to lead", async () => {
      const now = await readLeader(env, "b");
      return now && now.name !== old.name ? now : undefined;
    }, 60_000);
    expect(successor.token).toBeGreaterThan(old.token);
    await waitFor("the record to point at the standby", async () => (await env.answer())?.[0] === env.addresses.standby, 90_000);
    await waitFor(`${successor.name} to finish the run`, () => readJournal(successor.name, byName(successor.name).dataDir).some((run) => run.status === "done"), 60_000);
    await sleep(2_000);
    await dns.stop();

    // The old leader said it stopped leading (its log), while still running.
    expect(byName(old.name).process.running()).toBe(true);
    expect(terms().find((term) => term.agent === old.name && term.token === old.token)?.to).toBeDefined();
    const oldRuns = readJournal(old.name, byName(old.name).dataDir).filter((run) => run.token === old.token);
    expect(oldRuns.length).toBeGreaterThan(0);
    // Everything the old leader did, it began before its lease could have run out.
    for (const step of oldRuns.flatMap((run) => run.steps)) expect(step.startedAt).toBeLessThanOrEqual(cutAt + ttlMs);
    const successorRun = readJournal(successor.name, byName(successor.name).dataDir).find((run) => run.status === "done")!;
    expect(successorRun.token).toBe(successor.token);
    expect(successorRun.steps.filter((step) => step.status === "done").map((step) => step.step)).toEqual(expect.arrayContaining(["promote", "switch"]));

    await env.nodes.get(old.name)!.heal();
    const verdict = checkInvariants({
      addresses: env.addresses, dns: dns.samples, failures: [{ at: failedAt, host: "primary" }],
      runs: [...journals(), ...(await readEtcdRuns(env, "b"))], terms: terms(),
    });
    expect(verdict.violations).toEqual([]);
    expect(verdict.dnsFailovers).toBe(1);
  }, 300_000);

  it("(c) the leader killed with the primary: another agent takes over and fails the service over once", async () => {
    const { journals, terms, leader } = await startScenario("c");
    const old = await leader();
    const dns = recordDns(env);
    const failedAt = Date.now();
    await Promise.all([byProcess(old.name).kill(), env.primary.kill()]);
    const successor = await waitFor("another agent to lead", async () => {
      const now = await readLeader(env, "c");
      return now && now.name !== old.name ? now : undefined;
    }, 60_000);
    expect(successor.token).toBeGreaterThan(old.token);
    await waitFor("the record to point at the standby", async () => (await env.answer())?.[0] === env.addresses.standby, 90_000);
    await sleep(3_000);
    await dns.stop();
    const runs = journals();
    // One run completed (a journal may hold a copy of another's run: the same key), by the successor.
    const done = runs.filter((run) => run.status === "done");
    expect(new Set(done.map((run) => run.key)).size).toBe(1);
    expect(done.map((run) => run.agent)).toContain(successor.name);
    expect(done.map((run) => run.agent)).not.toContain(old.name);
    const verdict = checkInvariants({ addresses: env.addresses, dns: dns.samples, failures: [{ at: failedAt, host: "primary" }], runs: [...runs, ...(await readEtcdRuns(env, "c"))], terms: terms() });
    expect(verdict.violations).toEqual([]);
    expect(verdict.dnsFailovers).toBe(1);
  }, 300_000);

  it("(d) an etcd member stopped with SIGSTOP (the raft leader): the failover still happens", async () => {
    const { journals, terms } = await startScenario("d");
    const raftLeader = await etcdRaftLeader();
    const dns = recordDns(env);
    raftLeader.pause();
    const failedAt = Date.now();
    await env.primary.kill();
    await waitFor("the record to point at the standby", async () => (await env.answer())?.[0] === env.addresses.standby, 90_000);
    await sleep(2_000);
    await dns.stop();
    raftLeader.resume();
    const runs = journals();
    expect(new Set(runs.filter((run) => run.status === "done").map((run) => run.key)).size).toBe(1);
    const verdict = checkInvariants({ addresses: env.addresses, dns: dns.samples, failures: [{ at: failedAt, host: "primary" }], runs: [...runs, ...(await readEtcdRuns(env, "d"))], terms: terms() });
    expect(verdict.violations).toEqual([]);
  }, 300_000);

  it("(e) a leader killed mid-run, back as a follower and leading much later, does not redo its stale run", async () => {
    const { byName, journals, leader } = await startScenario("e", { promote: ["sleep", "6"], promoteTimeout: "30s" });
    const old = await leader();
    const dns = recordDns(env);
    const failures = [{ at: Date.now(), host: "primary" }];
    await env.primary.kill();
    await waitFor(`${old.name} to start the promote step`, () => readJournal(old.name, byName(old.name).dataDir).some((run) => run.steps.some((step) => step.step === "promote")), 60_000);
    await byName(old.name).process.kill();
    await waitFor("the record to point at the standby", async () => (await env.answer())?.[0] === env.addresses.standby, 90_000);
    // Back as a follower, with its own journal still saying the run is running.
    const restarted = startLabAgent(env, old.name, { config: byName(old.name).config, dataDir: byName(old.name).dataDir, apiUrl: byName(old.name).apiUrl });
    const earlier = byName(old.name).process;
    agents = [...agents.filter((agent) => agent.name !== old.name), restarted];
    await env.primary.start();
    // A second, real failure: the standby dies, the service moves back to the primary.
    await waitFor("every agent to publish the primary up", async () => {
      for (const agent of AGENTS) {
        const kv = await env.client.get(observationKey("/understudy-e", agent, "app@primary"));
        if (decodeObservation(kv?.value ?? "")?.state !== "up") return false;
      }
      return true;
    }, 60_000);
    failures.push({ at: Date.now(), host: "standby" });
    await env.standby.kill();
    await explained(waitFor("the record to point at the primary again", async () => (await env.answer())?.[0] === env.addresses.primary, 90_000));
    await env.standby.start();
    // Now the restarted agent alone: it leads, with everything healthy.
    await Promise.all(agents.filter((agent) => agent.name !== old.name).map((agent) => agent.process.kill()));
    await explained(waitFor(`${old.name} to lead again`, async () => (await readLeader(env, "e"))?.name === old.name, 60_000));
    // Long enough for a resumed run to promote (6 s) and switch.
    await sleep(12_000);
    await dns.stop();
    const said = restarted.process.logs.filter((line) => /failover|resum|leadership|adopt/.test(String(line.event))).map((line) => `${String(line.time)} ${String(line.msg)}`).join("\n");
    expect(await env.answer(), `${old.name}, leading again with both instances up, said:\n${said}`).toEqual([env.addresses.primary]);
    const allTerms = agents.flatMap((agent) => leaderTerms(agent.name, agent.name === old.name ? [earlier, agent.process] : [agent.process]));
    const verdict = checkInvariants({ addresses: env.addresses, dns: dns.samples, failures, runs: [...journals(), ...(await readEtcdRuns(env, "e"))], terms: allTerms });
    expect(verdict.violations).toEqual([]);
    expect(verdict.dnsFailovers).toBe(2);
    // Its history does not keep saying the first run is running.
    expect(readJournal(old.name, byName(old.name).dataDir).filter((run) => run.status === "running")).toEqual([]);
  }, 400_000);
});

/** A failed wait says what each agent last printed, since the agents are where the answer is. */
async function explained<T>(wait: Promise<T>): Promise<T> {
  try {
    return await wait;
  } catch (error) {
    const outputs = agents.map((agent) => `--- ${agent.name} (${agent.process.running() ? "running" : "exited"}) ---\n${agent.process.output().slice(-1_500)}`).join("\n");
    throw new Error(`${(error as Error).message}\n${outputs}`, { cause: error });
  }
}

function byProcess(name: string) {
  return agents.find((agent) => agent.name === name)!.process;
}

/** The member etcd currently elects as its raft leader (from each member's /v3/maintenance/status). */
async function etcdRaftLeader() {
  return waitFor("etcd's raft leader", async () => {
    for (const member of env.etcd.members) {
      const response = await fetch(`${member.endpoint}/v3/maintenance/status`, { method: "POST", body: "{}", signal: AbortSignal.timeout(1_000) });
      const status = (await response.json()) as { header?: { member_id?: string }; leader?: string };
      if (status.leader !== undefined && status.leader === status.header?.member_id) return member;
    }
    return undefined;
  }, 30_000);
}
