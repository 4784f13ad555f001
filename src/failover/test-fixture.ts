// Test fixture (imported by the failover unit tests only): a two-host service, an in-memory store,
// and fake steps that record what they did to a pretend DNS record, so a test can crash a run at any
// step and check the world it leaves.
import { parseConfig } from "../config/load.js";
import type { ConfigDocument } from "../config/schema.js";
import { FakeClock } from "../engine/clock.js";
import type { HealthState } from "../engine/verdict.js";
import { buildTopology, type Topology } from "../model/topology.js";
import { openStore, type Store } from "../store/db.js";
import { LocalCoordinator, type CommitResult, type Coordinator, type LeadershipEvent } from "./coordinator.js";
import type { StepActions, StepOutcome } from "./execute.js";
import { Failovers } from "./failovers.js";
import type { RunRecord } from "./journal.js";
import type { StepName } from "./plan.js";
import type { ReplicaCheck } from "./replica-check.js";

export function fixtureConfig(failover = "{ mode: automatic, min_interval: 10m, max_per_hour: 3 }"): { config: ConfigDocument; topology: Topology } {
  const loaded = parseConfig(`version: 1
hosts: { vps: { address: 10.0.0.1 }, spare: { address: 10.0.0.2 } }
services:
  hs:
    primary: vps
    standby: [spare]
    target: { rpo: 5m }
    data: [{ sqlite: /var/lib/hs/db.sqlite }]
    checks: [{ on: vps, command: ["true"] }, { on: spare, command: ["true"] }]
    failover: ${failover}
`, "fixture.yaml");
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join("\n"));
  return { config: loaded.config, topology: buildTopology(loaded.config) };
}

/** The world fake steps act on: a DNS record and what was run. */
export interface FakeWorld {
  dns: string;
  log: string[];
  /** Steps that fail (every attempt) with this reason. */
  failing: Map<StepName, string>;
  /** Whether the standby serves (verify). */
  standbyServes: boolean;
  /** Hosts whose instance runs: fence and demote stop one, promote and restore start one. */
  running?: Set<string>;
  /** Hosts that cannot be reached: a fence or restore on them fails as unreachable. */
  unreachable?: Set<string>;
  /** Undo actions that fail with this reason. */
  failingUndo?: Map<"restore" | "demote", string>;
}

export function fakeActions(world: FakeWorld): StepActions {
  const outcome = (name: StepName): StepOutcome => {
    const reason = world.failing.get(name);
    return reason === undefined ? { status: "done", output: `${name} ok` } : { status: "failed", reason, output: `${name} failed` };
  };
  return {
    async run(step, { plan }) {
      world.log.push(step.name);
      if (step.name === "verify" && !world.standbyServes) return { status: "failed", reason: "verify", output: `${plan.to} does not serve` };
      if (step.name === "fence" && world.unreachable?.has(plan.from)) return { status: "failed", reason: "unreachable", output: `${plan.from} unreachable` };
      const result = outcome(step.name);
      if (step.name === "switch" && result.status === "done") world.dns = plan.addresses.to;
      if (step.name === "fence" && result.status === "done") world.running?.delete(plan.from);
      if (step.name === "promote" && result.status === "done") world.running?.add(plan.to);
      return result;
    },
    async undo(what, plan) {
      const host = what === "restore" ? plan.from : plan.to;
      world.log.push(`undo:${what}:${host}`);
      const reason = world.failingUndo?.get(what) ?? (world.unreachable?.has(host) ? "unreachable" : undefined);
      if (reason !== undefined) return { status: "failed", reason, output: `${what} ${host} failed` };
      if (what === "restore") world.running?.add(host);
      else world.running?.delete(host);
      return { status: "done", output: `${what} ${host} ok` };
    },
    async rollbackSwitch(plan) {
      world.log.push("rollback");
      world.dns = plan.addresses.from;
      return { status: "done", output: `dns back to ${plan.addresses.from}` };
    },
    async notify(_run, status, summary) {
      world.log.push(`notify:${status}:${summary}`);
      return { status: "done", output: "sent" };
    },
  };
}

export interface Harness {
  clock: FakeClock;
  store: Store;
  world: Required<FakeWorld>;
  failovers(options?: { afterStarted?: (step: string) => void; coordinator?: Coordinator; store?: Store; actions?: StepActions; instanceState?: (service: string, host: string) => HealthState; replicas?: ReplicaCheck }): Failovers;
}

export function harness(failover?: string): Harness {
  const { config, topology } = fixtureConfig(failover);
  const clock = new FakeClock();
  const store = openStore(":memory:");
  const world: Required<FakeWorld> = { dns: "10.0.0.1", log: [], failing: new Map(), standbyServes: true, running: new Set(["vps"]), unreachable: new Set(), failingUndo: new Map() };
  return {
    clock, store, world,
    failovers: (options = {}) => new Failovers({
      store: options.store ?? store, clock, topology: () => topology, block: (name) => config.services[name]?.failover,
      coordinator: options.coordinator ?? new LocalCoordinator(store, () => clock.now()), actions: options.actions ?? fakeActions(world),
      // By default the primary is down (what an automatic failover sees) and the standby up.
      instanceState: options.instanceState ?? ((_service, host) => (host === "vps" ? "down" : "up")), maintenance: () => undefined,
      ...(options.afterStarted ? { afterStarted: options.afterStarted } : {}),
      ...(options.replicas ? { replicas: options.replicas } : {}),
    }),
  };
}

/**
 * A coordination store shared by several pretend agents, in memory (the unit tests' stand-in for what
 * etcd holds; the real EtcdCoordinator is tested against a real etcd in test/integration): a leader and
 * its term's token, the published runs and active hosts, and every accepted write with its token.
 */
export class SharedTerms {
  leader: string | undefined;
  token = 0;
  readonly runs = new Map<string, RunRecord>();
  readonly active = new Map<string, string>();
  readonly writes: Array<{ by: string; token: number; what: string }> = [];
  private readonly terms = new Map<string, AbortController>();
  private readonly listeners = new Set<(event: LeadershipEvent) => void>();

  /** `name` becomes the leader with a new, higher token; the previous leader's term signal aborts. */
  elect(name: string): number {
    const previous = this.leader;
    if (previous !== undefined) this.terms.get(previous)?.abort(new Error(`${name} leads now`));
    this.leader = name;
    this.token += 1;
    this.terms.set(name, new AbortController());
    for (const listener of this.listeners) listener({ leading: true, leader: name, token: this.token, reason: "elected" });
    return this.token;
  }

  coordinator(name: string): Coordinator {
    const refuse = (token: number): CommitResult | undefined => {
      if (this.leader !== name) return { ok: false, reason: "not-leader", message: `${name} is not the leader (${this.leader ?? "nobody"} leads)` };
      if (token !== this.token) return { ok: false, reason: "fenced", message: `token ${token} is not the current ${this.token}` };
      return undefined;
    };
    const record = (run: RunRecord, token: number, what: string) => {
      this.runs.set(run.service, structuredClone(run));
      this.writes.push({ by: name, token, what });
    };
    return {
      isLeader: () => this.leader === name,
      leaderSignal: () => this.terms.get(name)?.signal ?? AbortSignal.abort(),
      fencingToken: async () => this.token,
      commit: async (step, run) => {
        const refused = refuse(step.token);
        if (refused) return refused;
        record(run, step.token, `commit ${step.step}`);
        return { ok: true };
      },
      publish: async (run, token, move) => {
        const refused = refuse(token);
        if (refused) return refused;
        record(run, token, move ? `publish ${run.status} + active ${move.host}` : `publish ${run.status}`);
        if (move) this.active.set(move.service, move.host);
        return { ok: true };
      },
      runs: async () => [...this.runs.values()].map((run) => structuredClone(run)),
      onLeadership: (listener) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      },
      status: () => ({ coordination: "etcd", leader: this.leader, isLeader: this.leader === name, token: this.token }),
    };
  }
}
