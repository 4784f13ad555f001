// Leadership and fencing on a REAL 3-member etcd (Debian etcd-server, started by the test on loopback):
// several EtcdCoordinator instances in this process, each with its own client and session, as separate
// agents would have. What a user relies on: exactly one leader; a dead leader is replaced with a higher
// fencing token; a deposed leader's steps are refused by etcd; a leader cut from etcd stops acting before
// etcd can expire its lease; and the next leader finishes a failover the previous one left unfinished,
// while the previous one never writes again (checked over etcd's key history, by revision).
import { writeFileSync } from "node:fs";
import { createServer, connect, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { EtcdClient } from "../../src/coord/etcd-client.js";
import { EtcdCoordinator } from "../../src/coord/etcd-coordinator.js";
import type { Session, WatchEvent } from "../../src/coord/etcd-api.js";
import { startSession } from "../../src/coord/session.js";
import { systemClock } from "../../src/engine/clock.js";
import { readActiveHost } from "../../src/failover/active-host.js";
import type { StepActions } from "../../src/failover/execute.js";
import { Failovers } from "../../src/failover/failovers.js";
import type { RunRecord } from "../../src/failover/journal.js";
import { fakeActions, fixtureConfig, type FakeWorld } from "../../src/failover/test-fixture.js";
import { openStore, type Store } from "../../src/store/db.js";
import { ensureBuilt, getJson, runCli, startCli, stopAll, type RunningCli } from "./agent-harness.js";
import { requireBinaries } from "./helpers/binaries.js";
import { freePort } from "./helpers/free-port.js";
import { makeTempDir } from "./helpers/temp-dir.js";
import { startEtcdCluster, type EtcdCluster } from "./helpers/etcd.js";

const available = requireBinaries("etcd-server", "etcd");
const TTL_MS = 3_000;
let cluster: EtcdCluster;
let admin: EtcdClient;
let prefixes = 0;
const cleanups: Array<() => Promise<unknown>> = [];

/** One shared log of what happened, in order: assertions compare positions, never durations. */
type Log = string[];

interface Agent {
  name: string;
  client: EtcdClient;
  session: Session;
  coordinator: EtcdCoordinator;
  /** Closes the client first, so nothing is revoked: the lease dies only when etcd expires it. */
  kill(): Promise<void>;
}

async function agent(name: string, prefix: string, log: Log, options: { endpoints?: string[]; periodMs?: number; wall?: () => number } = {}): Promise<Agent> {
  const client = new EtcdClient({ endpoints: options.endpoints ?? cluster.endpoints, timeoutMs: 1_000 });
  const session = await startSession({ etcd: client, prefix, name, ttlMs: TTL_MS, card: { version: "test", startedAt: Date.now() }, onError: () => {} });
  const coordinator = new EtcdCoordinator({ session, onError: () => {}, ...(options.periodMs ? { periodMs: options.periodMs } : {}), ...(options.wall ? { wall: options.wall } : {}) });
  coordinator.onLeadership((event) => log.push(`${name} ${event.leading ? "leads" : "stops"} token=${event.token}: ${event.reason}`));
  await coordinator.start();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await coordinator.stop();
    await session.close();
    await client.close();
  };
  cleanups.push(stop);
  return {
    name, client, session, coordinator,
    async kill() {
      await client.close();
      await stop();
    },
  };
}

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, withinMs = 30_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`waited ${withinMs} ms for ${what}`);
    await sleep(50);
  }
}

/** Every write to keys under `prefix`, from the first revision (etcd keeps the history until compaction). */
async function history(prefix: string): Promise<WatchEvent[]> {
  const { revision } = await admin.range(prefix);
  const events: WatchEvent[] = [];
  let seen = 0;
  const cancel = admin.watch(prefix, { fromRevision: 1, onEvents: (batch, at) => { events.push(...batch); seen = at; } });
  try {
    await until("the watch to replay the history", () => seen >= revision || events.some((event) => event.kv.modRevision >= revision));
  } finally {
    cancel();
  }
  return events;
}

/** A TCP relay to one member that can be made silent (packets dropped, connections left hanging). */
async function relay(target: string): Promise<{ endpoint: string; blackhole(): void; close(): Promise<void> }> {
  const url = new URL(target);
  let silent = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((downstream) => {
    sockets.add(downstream);
    downstream.on("close", () => sockets.delete(downstream));
    downstream.on("error", () => {});
    if (silent) return;
    const upstream = connect(Number(url.port), url.hostname);
    sockets.add(upstream);
    upstream.on("error", () => downstream.destroy());
    upstream.on("close", () => sockets.delete(upstream));
    downstream.on("data", (chunk) => { if (!silent) upstream.write(chunk); });
    upstream.on("data", (chunk) => { if (!silent) downstream.write(chunk); });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    blackhole: () => { silent = true; },
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function failoversFor(coordinator: EtcdCoordinator, store: Store, actions: StepActions, crashAt?: string): Failovers {
  const { config, topology } = fixtureConfig();
  return new Failovers({
    store, clock: systemClock, topology: () => topology, block: (name) => config.services[name]?.failover,
    // The primary is down (an unplanned failover: no final sync step), the standby up.
    coordinator, actions, instanceState: (_service, host) => (host === "vps" ? "down" : "up"), maintenance: () => undefined,
    ...(crashAt ? { afterStarted: (step: string) => { if (step === crashAt) throw new Error(`crash at ${step}`); } } : {}),
  });
}

const runOf = (event: WatchEvent) => JSON.parse(event.kv.value) as RunRecord;

describe.skipIf(!available)("leadership on a real 3-member etcd", () => {
  beforeAll(async () => {
    cluster = await startEtcdCluster({ members: 3 });
    admin = new EtcdClient({ endpoints: cluster.endpoints, timeoutMs: 2_000 });
    await ensureBuilt();
  }, 300_000);

  afterAll(async () => {
    await stopAll();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    await admin?.close();
    await cluster?.stop();
  }, 60_000);

  test("exactly one of three leads; killed, another takes over with a higher token", async () => {
    const prefix = `/t${++prefixes}`;
    const log: Log = [];
    const agents = [await agent("a1", prefix, log), await agent("a2", prefix, log), await agent("a3", prefix, log)];
    await until("a leader", () => agents.some((a) => a.coordinator.isLeader()));
    await sleep(TTL_MS / 2); // every loop has run at least once more: still exactly one
    const leaders = agents.filter((a) => a.coordinator.isLeader());
    expect(leaders).toHaveLength(1);
    const first = leaders[0]!;
    const firstToken = await first.coordinator.fencingToken();
    expect((await admin.get(`${prefix}/leader`))?.value).toBe(first.name);
    for (const other of agents.filter((a) => a !== first)) expect(other.coordinator.status().leader).toBe(first.name);

    await first.kill();
    const second = await until("a new leader", () => agents.find((a) => a !== first && a.coordinator.isLeader()), 30_000);
    expect(await second.coordinator.fencingToken()).toBeGreaterThan(firstToken);
    await sleep(TTL_MS / 2);
    expect(agents.filter((a) => a !== first && a.coordinator.isLeader())).toEqual([second]);
  }, 120_000);

  test("a deposed leader that has not noticed yet: etcd refuses its commit, naming the new leader", async () => {
    const prefix = `/t${++prefixes}`;
    const log: Log = [];
    // a1's loop is slowed down so that it still believes it leads when it tries to commit.
    const a1 = await agent("a1", prefix, log, { periodMs: 3_600_000 });
    expect(a1.coordinator.isLeader()).toBe(true);
    const a2 = await agent("a2", prefix, log);
    await admin.delete(`${prefix}/leader`); // as if a1's lease had ended
    await until("a2 to lead", () => a2.coordinator.isLeader());
    expect(a1.coordinator.isLeader()).toBe(true);

    const store = openStore(":memory:");
    cleanups.push(async () => store.close());
    const world: FakeWorld = { dns: "10.0.0.1", log: [], failing: new Map(), standbyServes: true };
    const failovers = failoversFor(a1.coordinator, store, fakeActions(world));
    const planned = failovers.plan({ service: "hs", kind: "failover", force: false, reason: "test" });
    if (!planned.ok) throw new Error(planned.message);
    const result = await failovers.run(planned.plan);
    expect(result.status).toBe("fenced");
    expect(result.summary).toMatch(/held by a2/);
    expect(world.log).toEqual([]);
    expect(world.dns).toBe("10.0.0.1");
    expect(await admin.get(`${prefix}/runs/hs`)).toBeUndefined();
    // Refused once, it stops acting at once.
    expect(a1.coordinator.isLeader()).toBe(false);
    expect(a1.coordinator.leaderSignal().aborted).toBe(true);
  }, 120_000);

  test("a leader cut from etcd stops acting before etcd expires its lease, and says so", async () => {
    const prefix = `/t${++prefixes}`;
    const log: Log = [];
    const cut = await relay(cluster.endpoints[0]!);
    cleanups.push(() => cut.close());
    const a1 = await agent("a1", prefix, log, { endpoints: [cut.endpoint] });
    expect(a1.coordinator.isLeader()).toBe(true);
    const term = a1.coordinator.leaderSignal();
    const a2 = await agent("a2", prefix, log);
    const cancel = admin.watch(`${prefix}/leader`, { onEvents: (events) => { for (const event of events) log.push(`etcd ${event.type} leader=${event.kv.value || "(gone)"}`); } });
    cleanups.push(async () => cancel());

    cut.blackhole();
    await until("a2 to lead", () => a2.coordinator.isLeader(), 30_000);
    const demoted = log.findIndex((line) => line.startsWith("a1 stops"));
    const expired = log.findIndex((line) => line === "etcd delete leader=(gone)");
    expect(log[demoted]).toMatch(/cannot renew the etcd lease; no longer acting/);
    expect(demoted).toBeGreaterThanOrEqual(0);
    expect(expired).toBeGreaterThan(demoted);
    expect(term.aborted).toBe(true);
    expect(a1.coordinator.isLeader()).toBe(false);
  }, 120_000);

  test("a wall clock jump pauses acting (TILT) until a renewal and a fresh read confirm the leadership; the token stays", async () => {
    const prefix = `/t${++prefixes}`;
    const log: Log = [];
    let offset = 0;
    const a1 = await agent("a1", prefix, log, { wall: () => Date.now() + offset });
    expect(a1.coordinator.isLeader()).toBe(true);
    const token = await a1.coordinator.fencingToken();
    const term = a1.coordinator.leaderSignal();
    offset = 3_600_000;
    await until("a1 to pause", () => log.some((line) => line.startsWith("a1 stops")));
    expect(log.find((line) => line.startsWith("a1 stops"))).toMatch(/wall clock jumped by \d+ ms: acting is paused/);
    expect(term.aborted).toBe(true);
    await until("a1 to act again", () => a1.coordinator.isLeader());
    expect(log.at(-1)).toMatch(/^a1 leads .*still ours/);
    expect(await a1.coordinator.fencingToken()).toBe(token);
    expect(a1.coordinator.leaderSignal().aborted).toBe(false);
  }, 120_000);

  test("leader 1 crashes after promote; leader 2 adopts the run from etcd and finishes it; leader 1 never writes again", async () => {
    const prefix = `/t${++prefixes}`;
    const log: Log = [];
    const world: FakeWorld = { dns: "10.0.0.1", log: [], failing: new Map(), standbyServes: true };
    const stores = [openStore(":memory:"), openStore(":memory:")] as const;
    cleanups.push(async () => stores.forEach((store) => store.close()));

    const a1 = await agent("a1", prefix, log);
    expect(a1.coordinator.isLeader()).toBe(true);
    const token1 = await a1.coordinator.fencingToken();
    const a2 = await agent("a2", prefix, log);
    const second = failoversFor(a2.coordinator, stores[1], fakeActions(world));
    const resumed: Array<Promise<unknown>> = [];
    a2.coordinator.onLeadership((event) => { if (event.leading) resumed.push(second.resume()); });

    const first = failoversFor(a1.coordinator, stores[0], fakeActions(world), "verify");
    const planned = first.plan({ service: "hs", kind: "failover", force: false, reason: "test" });
    if (!planned.ok) throw new Error(planned.message);
    await expect(first.run(planned.plan)).rejects.toThrow(/crash at verify/);
    expect(world.log).toEqual(["fence", "check-replica", "promote"]);
    await a1.kill();

    await until("a2 to lead and resume", () => resumed.length > 0 && a2.coordinator.isLeader());
    const [results] = (await Promise.all(resumed)) as Array<Array<{ status: string }>>;
    expect(results?.map((result) => result.status)).toEqual(["done"]);
    expect(world.dns).toBe("10.0.0.2");
    expect(world.log).toEqual(["fence", "check-replica", "promote", "verify", "switch", expect.stringMatching(/^notify:done:/)]);
    expect(readActiveHost(stores[1], "hs")).toBe("spare");

    const token2 = await a2.coordinator.fencingToken();
    expect(token2).toBeGreaterThan(token1);
    const stored = JSON.parse((await admin.get(`${prefix}/runs/hs`))!.value) as RunRecord;
    expect(stored.status).toBe("done");
    expect(stored.token).toBe(token2);
    expect(JSON.parse((await admin.get(`${prefix}/active/hs`))!.value)).toMatchObject({ host: "spare", token: token2, by: "a2" });

    // The history by revision: a1's writes all come before a2's leader key; after it, only a2's token.
    const events = await history(prefix);
    const runs = events.filter((event) => event.kv.key === `${prefix}/runs/hs` && event.type === "put");
    expect(runs.some((event) => runOf(event).token === token1)).toBe(true);
    for (const event of runs) {
      if (event.kv.modRevision > token2) expect(runOf(event).token).toBe(token2);
      else expect(runOf(event).token).toBe(token1);
    }
  }, 120_000);

  test("a deposed leader mid-step: the new leader finishes the run, the old one's next write is refused and DNS is switched once", async () => {
    const prefix = `/t${++prefixes}`;
    const log: Log = [];
    const world: FakeWorld = { dns: "10.0.0.1", log: [], failing: new Map(), standbyServes: true };
    const stores = [openStore(":memory:"), openStore(":memory:")] as const;
    cleanups.push(async () => stores.forEach((store) => store.close()));
    const a1 = await agent("a1", prefix, log, { periodMs: 3_600_000 });
    const token1 = await a1.coordinator.fencingToken();
    const a2 = await agent("a2", prefix, log);

    // a1's promote hangs until released: a slow action, or a process stopped in the middle of a step.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const real = fakeActions(world);
    const slow: StepActions = { ...real, run: async (step, ctx) => { if (step.name === "promote") await held; return real.run(step, ctx); } };
    const first = failoversFor(a1.coordinator, stores[0], slow);
    const planned = first.plan({ service: "hs", kind: "failover", force: false, reason: "test" });
    if (!planned.ok) throw new Error(planned.message);
    const running = first.run(planned.plan);
    await until("a1 to start promote", async () => {
      const stored = await admin.get(`${prefix}/runs/hs`);
      return stored !== undefined && (JSON.parse(stored.value) as RunRecord).steps.some((record) => record.step === "promote");
    });

    await admin.delete(`${prefix}/leader`); // a1's term ends while its promote is in flight
    const second = failoversFor(a2.coordinator, stores[1], fakeActions(world));
    await until("a2 to lead", () => a2.coordinator.isLeader());
    const [result2] = await second.resume();
    expect(result2?.status).toBe("done");
    const token2 = await a2.coordinator.fencingToken();

    release();
    const result1 = await running;
    expect(result1.status).toBe("fenced");
    expect(world.log.filter((line) => line === "switch")).toHaveLength(1);
    expect(world.dns).toBe("10.0.0.2");

    const events = await history(prefix);
    const writes = events.filter((event) => event.kv.key.startsWith(`${prefix}/runs/`) || event.kv.key.startsWith(`${prefix}/active/`));
    const handover = (await admin.get(`${prefix}/leader`))!.createRevision;
    expect(handover).toBe(token2);
    for (const event of writes.filter((e) => e.kv.modRevision > handover)) expect((JSON.parse(event.kv.value) as { token: number }).token).toBe(token2);
    expect(writes.some((event) => (JSON.parse(event.kv.value) as { token: number }).token === token1)).toBe(true);
  }, 120_000);

  test("two real agents: only the leader fails over, the follower mirrors the active host; kill -9 the leader and the follower leads with a higher token", async () => {
    const prefix = `/t${++prefixes}`;
    const dir = await makeTempDir("understudy-etcd-agents-");
    cleanups.push(() => dir.stop());
    const listen = async () => {
      const server = createServer((socket) => socket.end());
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      cleanups.push(() => new Promise((resolve) => server.close(resolve)));
      return { server, port: (server.address() as { port: number }).port };
    };
    const primary = await listen();
    const standby = await listen();
    const start = async (name: string, endpoints = cluster.endpoints, run = true) => {
      const port = await freePort();
      const file = join(dir.path, `${name}.yaml`);
      writeFileSync(file, `version: 1
hosts: { P: { address: 127.0.0.2 }, S: { address: 127.0.0.3 } }
services:
  app:
    primary: P
    standby: [S]
    checks:
      - { on: P, tcp: "127.0.0.1:${primary.port}", interval: 1s, timeout: 800ms, failure_threshold: 2 }
      - { on: S, tcp: "127.0.0.1:${standby.port}", interval: 1s, timeout: 800ms, failure_threshold: 2 }
    failover: { mode: automatic }
agents:
  name: ${name}
  listen: "127.0.0.1:${port}"
  grace: 0s
  data_dir: ./${name}-state
  coordination: { etcd: { endpoints: [${endpoints.map((e) => `"${e}"`).join(", ")}], prefix: "${prefix}", ttl: 3s } }
`);
      return { name, file, base: `http://127.0.0.1:${port}`, cli: run ? startCli(["agent", "--config", file]) : undefined };
    };
    type Coordination = { coordination?: { coordination: string; leader?: string; isLeader: boolean; token: number } };
    const coordination = async (agent: { base: string }) => (await getJson<Coordination>(`${agent.base}/api/status`).catch(() => ({} as Coordination))).coordination;
    const events = (cli: RunningCli | undefined, event: string) => cli!.logs.filter((line) => line.event === event);

    const a1 = await start("a1");
    const led = await until("a1 to lead", async () => { const c = await coordination(a1); return c?.isLeader ? c : undefined; }, 60_000);
    expect(led).toMatchObject({ coordination: "etcd", leader: "a1" });
    const a2 = await start("a2");
    expect(await until("a2 to follow a1", async () => { const c = await coordination(a2); return c?.leader === "a1" ? c : undefined; }, 60_000)).toMatchObject({ isLeader: false });

    // A person's `understudy failover` is fenced like an agent: it may not act while a1 leads.
    const refused = await runCli(["failover", "app", "--config", a2.file]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/a1 is the leader in etcd and only the leader acts: nothing was changed/);
    // A dry run only plans: it needs no etcd at all.
    const offline = await start("a3", [`http://127.0.0.1:${await freePort()}`], false);
    const dry = await runCli(["failover", "app", "--dry-run", "--config", offline.file]);
    expect(dry.stderr).toBe("");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/dry run/);

    await new Promise((resolve) => primary.server.close(resolve));
    await until("a1's failover to end", () => events(a1.cli, "failover.end")[0], 60_000);
    expect(events(a1.cli, "failover.end")[0]).toMatchObject({ status: "done" });
    await until("a2 to follow the move", () => events(a2.cli, "failover.followed")[0], 30_000);
    expect(events(a2.cli, "failover.start")).toEqual([]);
    expect(JSON.parse((await admin.get(`${prefix}/active/app`))!.value)).toMatchObject({ host: "S", by: "a1", token: led.token });

    a1.cli!.signal("SIGKILL");
    const taken = await until("a2 to lead", async () => { const c = await coordination(a2); return c?.isLeader ? c : undefined; }, 60_000);
    expect(taken.token).toBeGreaterThan(led.token);
    expect(events(a2.cli, "leadership").at(-1)).toMatchObject({ leading: true });
    // The new leader does not fail over again: the service already runs on the standby.
    expect(events(a2.cli, "failover.start")).toEqual([]);
    a2.cli!.signal("SIGTERM");
    expect(await a2.cli!.exited).toBe(0);
  }, 240_000);
});
