// The failover library the agent and the CLI share: picks the target, builds the plan, checks the
// guards, runs it with the journal (one run per service at a time in this process), resumes what a
// crash left behind, and reads the active host and the history. Effects come in through `deps`.
// Resuming first adopts the runs the coordinator holds (etcd: the journal a previous leader published),
// so a new leader finishes what the old one left; with etcd, an unfinished run of its own journal that
// etcd does not hold as the latest of its service is a stale copy from an earlier term: closed, never
// resumed (staleCopy).
// Each run's end records the instances' roles (instance-states.ts): the target serves; the source is
// catching-up once fenced (or when no fence is configured: nothing can stop it), pending-fence when its
// fence could not reach it (the agent retries it). A failback (or any move onto a host that is not warm) is refused until
// that host has received the serving instance's data: a catching-up host turns warm once a replica
// shipped after its fence is recorded (refreshStates).
import type { Clock } from "../engine/clock.js";
import type { HealthState } from "../engine/verdict.js";
import type { Topology } from "../model/topology.js";
import type { Store } from "../store/db.js";
import { moveActiveHost, readActiveHost } from "./active-host.js";
import { failoverSettings, type FailoverConfig, type FailoverDocument } from "./config.js";
import type { Coordinator } from "./coordinator.js";
import { startRun, type ExecuteDeps, type RunResult, type StepActions } from "./execute.js";
import { checkGuards, type GuardRefusal } from "./guards.js";
import { FailoverJournal, type RunRecord } from "./journal.js";
import { InstanceState, instanceState, readInstanceState, writeInstanceState } from "./instance-states.js";
import { buildPlan, type Plan } from "./plan.js";
import type { ReplicaCheck } from "./replica-check.js";
import { isSelf, ownerAlive } from "./owner.js";
import type { Owner } from "./owner.js";
import { resumeRun } from "./resume.js";

export interface FailoversDeps {
  store: Store;
  clock: Clock;
  topology(): Topology;
  /** The `failover:` block of a service as written (undefined: defaults). */
  block(service: string): FailoverDocument | undefined;
  coordinator: Coordinator;
  actions: StepActions;
  /** The instance's state by the agent's verdicts ("unknown" when nobody watches, as in the CLI). */
  instanceState(service: string, host: string): HealthState;
  /** The maintenance window covering the service or host now, if any. */
  maintenance(service: string, host: string): string | undefined;
  afterStarted?: ExecuteDeps["afterStarted"];
  signal?: AbortSignal;
  /** Replica ages, to tell when a catching-up instance has received the serving one's data. */
  replicas?: ReplicaCheck;
}

export interface PlanRequest {
  service: string;
  kind: "failover" | "failback";
  to?: string | undefined;
  force: boolean;
  reason: string;
  detectedAt?: number | undefined;
  lastSeenUp?: number | undefined;
}

export type Planned = { ok: true; plan: Plan; refusals: GuardRefusal[] } | { ok: false; message: string };

export class Failovers {
  readonly journal: FailoverJournal;
  private readonly running = new Map<string, Promise<RunResult>>();
  private resuming: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: FailoversDeps) {
    this.journal = new FailoverJournal(deps.store);
  }

  settings(service: string): FailoverConfig {
    return failoverSettings(this.deps.block(service));
  }

  activeHost(service: string): string | undefined {
    const placement = this.deps.topology().services.get(service)?.placement;
    if (placement?.kind !== "failover") return undefined;
    const stored = readActiveHost(this.deps.store, service);
    // A host removed from the config since cannot serve: fall back to the primary.
    return stored !== undefined && [placement.primary, ...placement.standby].includes(stored) ? stored : placement.primary;
  }

  /**
   * Follows the active host the leader recorded (etcd's <prefix>/active/<service>) into this store.
   * True when the local copy moved (the caller recomputes health); a host not in the config is ignored.
   */
  follow(service: string, host: string): boolean {
    const placement = this.deps.topology().services.get(service)?.placement;
    if (placement?.kind !== "failover" || ![placement.primary, ...placement.standby].includes(host)) return false;
    const current = readActiveHost(this.deps.store, service) ?? placement.primary;
    if (current === host) return false;
    const now = this.deps.clock.now();
    const moved = moveActiveHost(this.deps.store, service, { from: current, to: host, primary: placement.primary }, now);
    // Another agent's run moved it: the instance it left is one a run stopped, so if it is seen serving
    // again here (this agent leading by then) it is fenced, not taken for a standby that runs by design.
    const left = readInstanceState(this.deps.store, service, current)?.state;
    if (moved && (left === undefined || left === InstanceState.serving)) {
      writeInstanceState(this.deps.store, service, current, InstanceState.catchingUp, now, `${service} moved from ${current} to ${host} by another agent's run; receiving ${host}'s data`);
    }
    return moved;
  }

  isRunning(service: string): boolean {
    return this.running.has(service);
  }

  plan(request: PlanRequest): Planned {
    const topology = this.deps.topology();
    const service = topology.services.get(request.service);
    if (!service) return { ok: false, message: `unknown service "${request.service}"` };
    const placement = service.placement;
    if (placement.kind !== "failover" || placement.standby.length === 0) return { ok: false, message: `${request.service} has no primary + standby to fail over between` };
    const active = this.activeHost(request.service)!;
    const hosts = [placement.primary, ...placement.standby];
    let to = request.to;
    const role = (host: string) => instanceState(this.deps.store, topology, request.service, host, this.deps.clock.now())?.state;
    if (request.kind === "failback") {
      if (active === placement.primary) return { ok: false, message: `${request.service} already runs on its primary ${placement.primary}` };
      to = placement.primary;
    } else if (to === undefined) {
      const candidates = hosts.filter((host) => host !== active);
      const ready = (host: string) => role(host) === InstanceState.warm && (this.deps.instanceState(request.service, host) !== "down" || this.stoppedByDesign(request.service, host));
      to = candidates.find(ready) ?? candidates.find((host) => this.deps.instanceState(request.service, host) !== "down") ?? candidates[0];
    }
    if (to === undefined || !hosts.includes(to)) return { ok: false, message: `${to ?? "no host"} is not a host of ${request.service}; it runs on ${hosts.join(", ")}` };
    if (to === active) return { ok: false, message: `${request.service} already runs on ${to}` };
    const config = this.settings(request.service);
    const now = this.deps.clock.now();
    // Planned: a person moves a healthy primary (switchover), or the service goes back to its primary
    // while the standby still runs: the source is fenced and its last writes shipped before the promote.
    const sourceState = this.deps.instanceState(request.service, active);
    const planned = request.kind === "failback" ? sourceState !== "down" : sourceState === "up";
    const plan = buildPlan({
      topology, service, config, kind: request.kind, from: active, to, reason: request.reason, force: request.force, planned, now,
      detectedAt: request.detectedAt, lastSeenUp: request.lastSeenUp,
    });
    const targetState = this.deps.instanceState(request.service, to);
    const refusals = checkGuards({
      now, config, target: to, force: request.force, leader: this.deps.coordinator.isLeader(),
      previousRuns: this.journal.list({ service: request.service, since: now - 3_600_000 }).map((run) => run.startedAt),
      // A warm standby's checks fail by design (its service is stopped until promoted): not a refusal.
      targetState: targetState === "down" && this.stoppedByDesign(request.service, to) ? "unknown" : targetState,
      targetRole: role(to), targetRoleReason: readInstanceState(this.deps.store, request.service, to)?.reason, kind: request.kind,
      maintenance: this.deps.maintenance(request.service, to) ?? this.deps.maintenance(request.service, active),
    });
    return { ok: true, plan, refusals };
  }

  /**
   * Whether an instance is stopped by design: a standby (warm or catching-up, not the active host) of a
   * service whose promote starts it. Its failing checks are its normal state, not a failure.
   */
  stoppedByDesign(service: string, host: string): boolean {
    if (this.settings(service).promote === undefined) return false;
    const state = instanceState(this.deps.store, this.deps.topology(), service, host, this.deps.clock.now())?.state;
    return state === InstanceState.warm || state === InstanceState.catchingUp;
  }

  /** A catching-up instance that has received a replica since it was fenced is warm again. */
  async refreshStates(): Promise<Array<{ service: string; host: string }>> {
    const replicas = this.deps.replicas;
    const warmed: Array<{ service: string; host: string }> = [];
    if (!replicas) return warmed;
    for (const service of this.deps.topology().services.values()) {
      if (service.placement.kind !== "failover") continue;
      for (const host of [service.placement.primary, ...service.placement.standby]) {
        const stored = readInstanceState(this.deps.store, service.name, host);
        if (stored?.state !== InstanceState.catchingUp || host === this.activeHost(service.name)) continue;
        const now = this.deps.clock.now();
        const age = await replicas.ageMs(service.name, host, now).catch(() => undefined);
        if (age === undefined || now - age < stored.since) continue;
        writeInstanceState(this.deps.store, service.name, host, InstanceState.warm, now, `received ${service.name}'s data from ${this.activeHost(service.name)} after its fence`);
        warmed.push({ service: service.name, host });
      }
    }
    return warmed;
  }

  /** After a run: the roles it leaves (see the header). */
  private recordRoles(result: RunResult, plan: Plan): void {
    if (result.status !== "done") return;
    const now = this.deps.clock.now();
    const how = plan.kind === "failback" ? "failed back" : "failed over";
    writeInstanceState(this.deps.store, plan.service, plan.to, InstanceState.serving, now, `${how} from ${plan.from} (run #${result.runId})`);
    const run = this.journal.get(result.runId);
    const fence = [...(run?.steps ?? [])].reverse().find((record) => record.step === "fence");
    if (fence?.status === "done") writeInstanceState(this.deps.store, plan.service, plan.from, InstanceState.catchingUp, now, `fenced by run #${result.runId}; receiving ${plan.to}'s data`);
    // No fence configured: nothing can stop it; replication still ships to it, and the receiving side
    // refuses while a process there has the data open (validate warns about this config).
    else if (this.settings(plan.service).fence === undefined) writeInstanceState(this.deps.store, plan.service, plan.from, InstanceState.catchingUp, now, `no fence configured: ${plan.from} is not stopped by Understudy; it receives ${plan.to}'s data only while its service is stopped`);
    else writeInstanceState(this.deps.store, plan.service, plan.from, InstanceState.pendingFence, now, `the fence of run #${result.runId} did not reach ${plan.from} (${fence?.output ?? "not run"}); retried until done`);
  }

  /** Runs a plan whose guards passed; a second call for a service already running joins the first. */
  run(plan: Plan): Promise<RunResult> {
    const existing = this.running.get(plan.service);
    if (existing) return existing;
    const run = startRun(this.executeDeps(), plan).then((result) => {
      this.recordRoles(result, plan);
      return result;
    }).finally(() => this.running.delete(plan.service));
    this.running.set(plan.service, run);
    return run;
  }

  /**
   * Whether a run another process began is left unfinished by it (that process is gone): the agent's
   * tick calls `resume` then, so a person's `understudy failover` killed mid-run is settled without
   * waiting for the agent's next restart.
   */
  orphaned(): boolean {
    return this.journal.unfinished().some((run) => {
      const owner = this.otherOwner(run);
      return !this.running.has(run.service) && owner !== undefined && ownerAlive(owner) !== true;
    });
  }

  /** With coordination local, a run another live process on this host began (and still runs). */
  private ownedElsewhere(run: RunRecord): boolean {
    const owner = this.otherOwner(run);
    return owner !== undefined && ownerAlive(owner) === true;
  }

  /** The process that began a run, when that is not this one and ownership decides (coordination local). */
  private otherOwner(run: RunRecord): Owner | undefined {
    const owner = run.plan.owner;
    return this.deps.coordinator.status().coordination === "local" && owner !== undefined && !isSelf(owner) ? owner : undefined;
  }

  /**
   * Brings every run a crash (or a lost leader) left unfinished to a consistent end (see resume.ts).
   * One resume at a time (leadership can come and go quickly); a resumed run counts as running, so
   * neither a new run nor a second resume of its service starts beside it.
   */
  resume(): Promise<RunResult[]> {
    const next = this.resuming.then(() => this.resumeOnce());
    this.resuming = next.catch(() => undefined);
    return next;
  }

  private async resumeOnce(): Promise<RunResult[]> {
    const busy = (service: string) => this.running.has(service);
    const shared = await this.deps.coordinator.runs();
    for (const record of shared) if (!busy(record.service)) this.journal.adopt(record);
    const results: RunResult[] = [];
    for (const run of this.journal.unfinished()) {
      if (busy(run.service)) continue;
      // Another process on this data folder (a person's `understudy failover`) is still running it: its
      // own. With etcd, leadership decides instead (a deposed leader's run is the new leader's to finish).
      if (this.ownedElsewhere(run)) continue;
      const closed = this.deps.coordinator.status().coordination === "etcd" ? this.closeIfStale(run, shared) : undefined;
      if (closed) {
        results.push(closed);
        continue;
      }
      const resumed = resumeRun(this.executeDeps(), run).then((result) => {
        this.recordRoles(result, run.plan);
        return result;
      }).finally(() => this.running.delete(run.service));
      this.running.set(run.service, resumed);
      results.push(await resumed);
    }
    return results;
  }

  /** With etcd: unfinished runs of this agent's journal that no run here is executing (a follower settles them). */
  unsettled(): boolean {
    return this.deps.coordinator.status().coordination === "etcd" && this.journal.unfinished().some((run) => !this.running.has(run.service));
  }

  /**
   * A follower's part of resume (etcd): its journal's unfinished runs, left by a term it lost (killed
   * or cut off mid-run, back as a follower), are brought to what etcd holds without acting. Closed
   * untouched when etcd's latest run of the service is another one; given etcd's end when etcd
   * finished this very run; left as they are while etcd's copy is unfinished (the leader's to resume).
   * Answers nothing when etcd cannot be read: the next tick tries again.
   */
  settleAsFollower(): Promise<RunResult[]> {
    const next = this.resuming.then(() => this.settleOnce());
    this.resuming = next.catch(() => undefined);
    return next;
  }

  private async settleOnce(): Promise<RunResult[]> {
    if (!this.unsettled()) return [];
    const shared = await this.deps.coordinator.runs().catch(() => undefined);
    if (shared === undefined) return [];
    const results: RunResult[] = [];
    for (const run of this.journal.unfinished()) {
      if (this.running.has(run.service)) continue;
      // Begun by another live process on this data folder (a person's `understudy failover`, which
      // leads while it runs): its own, published to etcd only from its first step on.
      const owner = run.plan.owner;
      if (owner !== undefined && !isSelf(owner) && ownerAlive(owner) === true) continue;
      const closed = this.closeIfStale(run, shared);
      if (closed) {
        results.push(closed);
        continue;
      }
      const same = shared.find((record) => record.service === run.service);
      if (same && same.status !== "running") {
        this.journal.adopt(same);
        results.push({ runId: run.id, status: same.status, summary: `finished by the leader: ${same.summary ?? same.status}` });
      }
    }
    return results;
  }

  /**
   * Not etcd's run: whatever it did was finished (or undone) by the leader that took over. Acting on it
   * now, maybe long after, would move traffic nobody asked to move; it is closed untouched.
   */
  private closeIfStale(run: RunRecord, shared: readonly RunRecord[]): RunResult | undefined {
    const stale = staleCopy(run, shared);
    if (!stale) return undefined;
    this.journal.finish(run.id, "fenced", stale, this.deps.clock.now());
    return { runId: run.id, status: "fenced", summary: stale };
  }

  private executeDeps(): ExecuteDeps {
    const { store, clock, coordinator, actions } = this.deps;
    return {
      journal: this.journal, clock, coordinator, actions,
      moveActive: (plan) => {
        const placement = this.deps.topology().services.get(plan.service)?.placement;
        const primary = placement?.kind === "failover" ? placement.primary : plan.from;
        return moveActiveHost(store, plan.service, { from: plan.from, to: plan.to, primary }, clock.now());
      },
      ...(this.deps.afterStarted ? { afterStarted: this.deps.afterStarted } : {}),
      ...(this.deps.signal ? { signal: this.deps.signal } : {}),
    };
  }
}

/**
 * With etcd the journal of record is etcd's (<prefix>/runs/<service>, the latest run of each service,
 * published with every step): a run this agent's own journal holds as unfinished but etcd does not is
 * a copy left by a leader that lost its term (killed mid-run and back later); answers why, or
 * undefined when etcd's latest run of the service is this very run.
 */
export function staleCopy(run: RunRecord, shared: readonly RunRecord[]): string | undefined {
  const latest = shared.find((record) => record.service === run.service);
  if (latest && latest.startedAt === run.startedAt && latest.from === run.from && latest.to === run.to) return undefined;
  const since = latest ? `etcd's latest run of ${run.service} is the ${latest.kind} ${latest.from} → ${latest.to} started ${new Date(latest.startedAt).toISOString()} (${latest.status})` : `etcd holds no run of ${run.service}`;
  return `left unfinished by this agent in an earlier term and superseded: ${since}; closed without acting`;
}
