// Verdicts agreed by several vantage points: every live agent's published verdicts
// (<prefix>/observations/<agent>/<service>@<host>, see src/coord/observations.ts) combined with
// `agents.quorum` = q, the way Redis Sentinel turns one sentinel's SDOWN into an ODOWN only when q agree.
// One agent's broken link is therefore never a `down` verdict, and never a failover.
//
// The combination (combineVerdicts, pure), with d, s, r, u the agents saying down, suspect, recovering, up
// and n = d + s + r + u the agents that report at all ("unknown" and absent agents do not count):
//   d ≥ q                 → down        a quorum sees it down
//   n < q                 → suspect if anyone says down/suspect, else unknown
//                                       too few vantage points to decide anything: never up, never down
//   u ≥ q                 → up          a quorum sees it serve; a minority's doubt is its own link
//   u + r ≥ q             → recovering  a quorum sees it pass, some are still confirming
//   otherwise             → suspect     doubt that neither side can settle
// With q = 1 and one agent this is exactly that agent's LocalVerdicts state.
//
// QuorumVerdicts keeps everyone's observations from a range of the prefix followed by a watch from the
// next revision, and emits InstanceChange like LocalVerdicts, so service health, incidents and the
// failover controller run on it unchanged.
//
// Frozen: while this agent's session has no lease (etcd unreachable from here, or the lease lost), the
// verdicts stay where they were and `status()` says why; nothing is emitted until the next read of the
// observations, which then emits what changed meanwhile. Failover must not act on a view it cannot
// refresh. Alerting does not freeze: FallbackVerdicts follows this agent's own checks in the meantime
// (a person should still hear about a failure while the coordination store is away).
import type { Etcd, KeyValue, WatchEvent } from "../coord/etcd-api.js";
import { decodeObservation, observationsPrefix, parseObservationKey, type SharedObservation } from "../coord/observations.js";
import type { Clock } from "./clock.js";
import { Emitter } from "./emitter.js";
import { HealthState, type InstanceChange, type VerdictSource } from "./verdict.js";

export function combineVerdicts(states: readonly HealthState[], quorum: number): HealthState {
  let d = 0, s = 0, r = 0, u = 0;
  for (const state of states) {
    if (state === "down") d++;
    else if (state === "suspect") s++;
    else if (state === "recovering") r++;
    else if (state === "up") u++;
  }
  if (d >= quorum) return HealthState.down;
  if (d + s + r + u < quorum) return d + s > 0 ? HealthState.suspect : HealthState.unknown;
  if (u >= quorum) return HealthState.up;
  if (u + r >= quorum) return HealthState.recovering;
  return HealthState.suspect;
}

/** Why the quorum's verdicts are (or are not) current. */
export interface QuorumStatus {
  /** False while frozen: verdicts stay where they were. */
  readonly current: boolean;
  readonly reason: string;
  /** Wall time of the last change of `current`. */
  readonly since: number;
  /** Agents with at least one observation. */
  readonly vantages: number;
  readonly quorum: number;
}

export interface QuorumVerdictsOptions {
  etcd: Etcd;
  prefix: string;
  quorum: number;
  clock: Clock;
  onListenerError?: (error: unknown) => void;
  /**
   * Hears the watch's errors (it reconnects by itself). A compacted start revision means events were
   * lost: the caller should resync().
   */
  onWatchError?: (error: Error) => void;
}

const splitInstance = (key: string) => {
  const at = key.lastIndexOf("@");
  return { service: key.slice(0, at), host: key.slice(at + 1) };
};

export class QuorumVerdicts implements VerdictSource {
  /** instance → agent → observation: everything read, also while frozen. */
  private readonly observations = new Map<string, Map<string, SharedObservation>>();
  /** instance → the verdict last emitted (what instanceState answers). */
  private readonly verdicts = new Map<string, HealthState>();
  private readonly events: Emitter<{ change: InstanceChange; status: QuorumStatus }>;
  private state: QuorumStatus;
  private cancelWatch: (() => void) | undefined;
  private reading: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: QuorumVerdictsOptions) {
    const report = options.onListenerError ?? (() => {});
    this.events = new Emitter((failure) => report(failure.error));
    this.state = { current: false, reason: "observations not read yet", since: options.clock.now(), vantages: 0, quorum: options.quorum };
  }

  instanceState(service: string, host: string): HealthState {
    return this.verdicts.get(`${service}@${host}`) ?? HealthState.unknown;
  }

  onChange(listener: (change: InstanceChange) => void): () => void {
    return this.events.on("change", listener);
  }

  status(): QuorumStatus {
    return { ...this.state, vantages: this.vantages() };
  }

  onStatus(listener: (status: QuorumStatus) => void): () => void {
    return this.events.on("status", listener);
  }

  /** What each agent says of one instance (the dashboard's and `understudy agents`' detail). */
  observationsOf(service: string, host: string): ReadonlyMap<string, SharedObservation> {
    return this.observations.get(`${service}@${host}`) ?? new Map();
  }

  /**
   * Reads every observation (a range), then follows them (a watch from the next revision), and thaws:
   * changes since the last verdicts are emitted. Called at start and whenever the session is granted a
   * lease again (a watch may have missed a compacted stretch while we were away). Throws EtcdError when
   * the range fails; the verdicts stay frozen.
   */
  async resync(): Promise<void> {
    if (this.reading) return this.reading;
    this.reading = this.read().finally(() => { this.reading = undefined; });
    return this.reading;
  }

  /** Stops emitting changes: verdicts stay where they are until the next resync. */
  freeze(reason: string): void {
    if (!this.state.current) {
      if (reason !== this.state.reason) this.setStatus(false, reason);
      return;
    }
    this.setStatus(false, reason);
  }

  stop(): void {
    this.stopped = true;
    this.cancelWatch?.();
    this.cancelWatch = undefined;
  }

  private async read(): Promise<void> {
    const { etcd, prefix } = this.options;
    const root = observationsPrefix(prefix);
    const { kvs, revision } = await etcd.range(root);
    if (this.stopped) return;
    this.cancelWatch?.();
    this.observations.clear();
    for (const kv of kvs) this.apply({ type: "put", kv });
    this.cancelWatch = etcd.watch(root, {
      fromRevision: revision + 1,
      onEvents: (events) => this.onEvents(events),
      ...(this.options.onWatchError ? { onError: this.options.onWatchError } : {}),
    });
    // Verdicts first, then "current": a source that follows us only while we are current
    // (FallbackVerdicts) then moves once, from its fallback's view to the new one, with no stale step.
    this.recompute([...new Set([...this.observations.keys(), ...this.verdicts.keys()])]);
    this.setStatus(true, this.following(this.vantages()));
  }

  private onEvents(events: readonly WatchEvent[]): void {
    if (this.stopped) return;
    const touched = new Set<string>();
    for (const event of events) {
      const instance = this.apply(event);
      if (instance) touched.add(instance);
    }
    if (this.state.current) {
      this.recompute([...touched]);
      // Say so when the agents reporting fall below the quorum or reach it again: alerting follows
      // this agent's own checks while no quorum can form (FallbackVerdicts), or nothing would alert.
      const vantages = this.vantages();
      if ((vantages < this.options.quorum) !== (this.state.vantages < this.options.quorum)) this.setStatus(true, this.following(vantages));
    }
  }

  private following(vantages: number): string {
    return vantages < this.options.quorum
      ? `only ${vantages} agent${vantages === 1 ? "" : "s"} report, fewer than the quorum (${this.options.quorum}): nothing can be confirmed down`
      : `following ${vantages} agents' observations`;
  }

  /** Records one put/delete; answers the instance it concerns. */
  private apply(event: { type: "put" | "delete"; kv: KeyValue }): string | undefined {
    const parsed = parseObservationKey(this.options.prefix, event.kv.key);
    if (!parsed) return undefined;
    let byAgent = this.observations.get(parsed.instance);
    const observation = event.type === "put" ? decodeObservation(event.kv.value) : undefined;
    if (observation) {
      if (!byAgent) this.observations.set(parsed.instance, (byAgent = new Map()));
      byAgent.set(parsed.agent, observation);
    } else if (byAgent) {
      byAgent.delete(parsed.agent);
      if (byAgent.size === 0) this.observations.delete(parsed.instance);
    }
    return parsed.instance;
  }

  private recompute(instances: readonly string[]): void {
    const at = this.options.clock.now();
    for (const instance of instances) {
      const byAgent = this.observations.get(instance) ?? new Map<string, SharedObservation>();
      const to = combineVerdicts([...byAgent.values()].map((o) => o.state), this.options.quorum);
      const from = this.verdicts.get(instance) ?? HealthState.unknown;
      if (to === from) continue;
      if (to === HealthState.unknown) this.verdicts.delete(instance);
      else this.verdicts.set(instance, to);
      const { service, host } = splitInstance(instance);
      this.events.emit("change", { service, host, from, to, at, reason: explain(to, byAgent, this.options.quorum) });
    }
  }

  private vantages(): number {
    const agents = new Set<string>();
    for (const byAgent of this.observations.values()) for (const agent of byAgent.keys()) agents.add(agent);
    return agents.size;
  }

  private setStatus(current: boolean, reason: string): void {
    const since = current === this.state.current ? this.state.since : this.options.clock.now();
    this.state = { current, reason, since, vantages: this.vantages(), quorum: this.options.quorum };
    this.events.emit("status", this.state);
  }
}

/** "down: 2 of 3 agents (quorum 2) — a: web/http failed (timeout: …); b: …; up: c". */
export function explain(verdict: HealthState, byAgent: ReadonlyMap<string, SharedObservation>, quorum: number): string {
  const groups = new Map<HealthState, string[]>();
  for (const [agent, observation] of [...byAgent].sort(([a], [b]) => a.localeCompare(b))) {
    groups.set(observation.state, [...(groups.get(observation.state) ?? []), agent]);
  }
  const agreeing = groups.get(verdict) ?? [];
  const first = agreeing[0];
  const detail = first !== undefined && verdict !== "up" ? ` (${first}: ${byAgent.get(first)!.reason})` : "";
  const others = [...groups].filter(([state]) => state !== verdict).map(([state, agents]) => `${state}: ${agents.join(", ")}`);
  const head = verdict === "unknown" || verdict === "suspect" && agreeing.length === 0
    ? `${verdict}: ${byAgent.size} agent${byAgent.size === 1 ? "" : "s"} report, quorum ${quorum}`
    : `${verdict}: ${agreeing.join(", ")} of ${byAgent.size} agent${byAgent.size === 1 ? "" : "s"} (quorum ${quorum})${detail}`;
  return [head, ...others].join("; ");
}
