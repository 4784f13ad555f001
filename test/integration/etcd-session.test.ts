// The agent's etcd session against a real 3-member cluster: its card on its lease, a name that is
// already taken, a hung member it must route around, a lease revoked behind its back, and an etcd that
// is entirely gone (the session must say "lost" on its own, then come back with a new lease).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { setTimeout as sleep } from "node:timers/promises";
import type { AgentCard, Session } from "../../src/coord/etcd-api.js";
import { EtcdClient } from "../../src/coord/etcd-client.js";
import { startSession } from "../../src/coord/session.js";
import { waitFor as eventually } from "./agent-harness.js";
import { requireBinaries } from "./helpers/binaries.js";
import { startEtcdCluster } from "./helpers/etcd.js";
import type { EtcdCluster } from "./helpers/etcd.js";

const available = requireBinaries("etcd-server", "etcd");
const PREFIX = "/us-test";
const card = { version: "0.1.0-test", startedAt: 1_700_000_000_000, url: "http://127.0.0.1:8470" };

describe.skipIf(!available)("etcd session (3-member cluster)", () => {
  let cluster: EtcdCluster;
  let reader: EtcdClient;
  const cleanup: Array<() => Promise<void> | void> = [];

  beforeAll(async () => {
    cluster = await startEtcdCluster({ members: 3 });
    // Reads from the last member, which no test pauses alone.
    reader = new EtcdClient({ endpoints: [...cluster.endpoints].reverse(), timeoutMs: 1_000 });
  });
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });
  afterAll(async () => {
    await reader?.close();
    await cluster?.stop();
  });

  async function open(name: string, options: { timeoutMs?: number; ttlMs?: number } = {}) {
    const etcd = new EtcdClient({ endpoints: cluster.endpoints, timeoutMs: options.timeoutMs ?? 500 });
    const errors: Error[] = [];
    const events: Array<{ kind: string; lease: string | undefined; reason: string }> = [];
    let session: Session | undefined;
    cleanup.push(async () => {
      await session?.close();
      await etcd.close();
    });
    session = await startSession({ etcd, prefix: PREFIX, name, ttlMs: options.ttlMs ?? 3_000, card, now: () => 1_800_000_000_000, onError: (error) => errors.push(error) });
    session.onLease((event) => events.push(event));
    return { session, etcd, errors, events };
  }

  const cardOf = async (name: string) => {
    const kv = await reader.get(`${PREFIX}/agents/${name}`);
    return kv && { lease: kv.lease, card: JSON.parse(kv.value) as AgentCard };
  };

  it("publishes the agent's card on its lease and removes it on close", async () => {
    const { session } = await open("alpha");
    expect(session.alive()).toBe(true);
    expect(session.lease()).toMatch(/^[1-9][0-9]*$/);
    expect(await cardOf("alpha")).toEqual({ lease: session.lease(), card: { ...card, name: "alpha", seenAt: 1_800_000_000_000 } });
    await session.close();
    expect(session.alive()).toBe(false);
    expect(session.lease()).toBeUndefined();
    expect(await cardOf("alpha")).toBeUndefined();
  });

  it("refuses a second agent with the same name, saying what to change", async () => {
    const { session } = await open("twin");
    const error = await open("twin").then(() => undefined, (caught: unknown) => caught);
    expect(String(error)).toContain('"twin"');
    expect(String(error)).toContain("agents.name");
    expect(String(error)).toContain(card.url);
    // The first one keeps its name and card.
    expect((await cardOf("twin"))?.lease).toBe(session.lease());
    expect(session.alive()).toBe(true);
  });

  it("takes over the name of a crashed predecessor once its lease expires", async () => {
    const stale = await reader.leaseGrant(2);
    await reader.put(`${PREFIX}/agents/phoenix`, JSON.stringify({ ...card, name: "phoenix", seenAt: 1 }), { lease: stale.id });
    const { session } = await open("phoenix");
    const now = await cardOf("phoenix");
    expect(now?.lease).toBe(session.lease());
    expect(now?.lease).not.toBe(stale.id);
  });

  it("waits out a predecessor's lease that outlives one TTL (a change of etcd leader restarts leases), while nobody renews it", async () => {
    // A change of leader gives every lease a full TTL again: here, a lease twice the session's TTL
    // stands for a dead agent's lease restarted just before this agent started.
    const stale = await reader.leaseGrant(7);
    await reader.put(`${PREFIX}/agents/lazarus`, JSON.stringify({ ...card, name: "lazarus", seenAt: 1 }), { lease: stale.id });
    const { session } = await open("lazarus");
    expect((await cardOf("lazarus"))?.lease).toBe(session.lease());
    expect(await reader.leaseTimeToLive(stale.id)).toBe(-1);
  });

  it("keeps its lease through a hung member (SIGSTOP) by renewing through the others", async () => {
    const { session, events } = await open("steady");
    const lease = session.lease();
    const first = cluster.members[0]!;
    first.pause();
    cleanup.push(() => first.resume());
    // Two TTLs of renewals with the member it talked to frozen.
    await sleep(6_000);
    expect(events).toEqual([]);
    expect(session.lease()).toBe(lease);
    expect(session.alive()).toBe(true);
    expect((await cardOf("steady"))?.lease).toBe(lease);
  });

  it("notices a lease revoked behind its back and re-publishes its card on a new one", async () => {
    const { session, events } = await open("revoked");
    const old = session.lease()!;
    await reader.leaseRevoke(old);
    await eventually("a new lease", () => events.some((event) => event.kind === "granted"));
    expect(events.map((event) => event.kind)).toEqual(["lost", "granted"]);
    expect(events[0]!.reason).toContain("gone");
    const fresh = session.lease();
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(old);
    expect(events[1]!.lease).toBe(fresh);
    expect((await cardOf("revoked"))?.lease).toBe(fresh);
  });

  it("says the lease is lost when etcd is entirely gone, and comes back when etcd does", async () => {
    const { session, events } = await open("orphan");
    const old = session.lease();
    for (const member of cluster.members) member.pause();
    cleanup.push(() => cluster.members.forEach((member) => member.resume()));
    try {
      await eventually("the session saying lost", () => events.some((event) => event.kind === "lost"));
      expect(session.alive()).toBe(false);
      expect(session.lease()).toBeUndefined();
      expect(session.validUntil()).toBe(0);
      expect(events[0]!.reason).toMatch(/no keepalive answered|keepalive failed/);
    } finally {
      for (const member of cluster.members) member.resume();
    }
    await eventually("a new lease once etcd is back", () => events.some((event) => event.kind === "granted"));
    expect(events.map((event) => event.kind)).toEqual(["lost", "granted"]);
    expect(session.alive()).toBe(true);
    expect(session.lease()).not.toBe(old);
    await eventually("the card on the new lease", async () => (await cardOf("orphan"))?.lease === session.lease());
  });

  it("an agent's session (waitForEtcd) starts while etcd does not answer, and joins once it does; without it the start fails", async () => {
    for (const member of cluster.members) member.pause();
    cleanup.push(() => cluster.members.forEach((member) => member.resume()));
    const etcd = new EtcdClient({ endpoints: cluster.endpoints, timeoutMs: 300 });
    const events: string[] = [];
    let session: Session | undefined;
    cleanup.push(async () => {
      await session?.close();
      await etcd.close();
    });
    try {
      await expect(startSession({ etcd, prefix: PREFIX, name: "early", ttlMs: 3_000, card })).rejects.toMatchObject({ name: "EtcdError", code: expect.stringMatching(/unreachable|timeout/) });
      session = await startSession({ etcd, prefix: PREFIX, name: "early", ttlMs: 3_000, card, waitForEtcd: true, onError: () => undefined });
      session.onLease((event) => events.push(event.kind));
      expect(session.lease()).toBeUndefined();
      expect(session.alive()).toBe(false);
    } finally {
      for (const member of cluster.members) member.resume();
    }
    await eventually("a lease once etcd answers", () => events.includes("granted"));
    expect(session.alive()).toBe(true);
    await eventually("the card on that lease", async () => (await cardOf("early"))?.lease === session!.lease());
  });
});
