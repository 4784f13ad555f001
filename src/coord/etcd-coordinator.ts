// Leadership and fencing on etcd, the Patroni way (not the etcd3 client's Election class, which its own
// issues report electing two leaders after an etcd restart):
//   - <prefix>/leader is created if absent (txn: create revision == 0 → put our name on the session's
//     lease) and held while the lease lives and the key's value is still ours, checked every loop
//     (ttl/3). The fencing token is the key's create revision: every new leader's is higher.
//   - Every commit/publish is one txn comparing the leader key's create revision with our token AND its
//     value with our name; it writes the run as journaled (<prefix>/runs/<service>) and, with the
//     switch, the active host (<prefix>/active/<service>). A deposed leader's writes are refused.
//   - Demote first: isLeader() turns false (and the term's AbortSignal aborts) once the session's
//     validUntil minus a margin (ttl/3) has passed without a renewal, before the server can expire the
//     lease and let another agent in. Time here is monotonic, like the session's.
//   - TILT (Redis Sentinel): a loop tick more than a period late (the process was stopped) or a wall
//     clock that moved unlike the monotonic one pauses acting until a keepalive answered after the pause
//     and a fresh read of the leader key confirm that we still lead.
//
// States: follower → leader (key taken or confirmed ours) → follower (key lost, lease not renewed) or
// paused (TILT) → leader (confirmed) | follower; any → stopped. Each transition emits a LeadershipEvent.
// Every agent's loop also mirrors <prefix>/active/* to `onActive`, so followers follow the leader's moves.
import type { CommitResult, CoordinationStatus, Coordinator, LeadershipEvent, StepCommit } from "../failover/coordinator.js";
import type { RunRecord } from "../failover/journal.js";
import type { ConfigDocument } from "../config/schema.js";
import type { AgentCard, Compare, KeyValue, Operation, Session } from "./etcd-api.js";
import { connectEtcd } from "./etcd-client.js";
import { startSession } from "./session.js";

export const LeaderState = { follower: "follower", leader: "leader", paused: "paused", stopped: "stopped" } as const;
export type LeaderState = (typeof LeaderState)[keyof typeof LeaderState];

export interface EtcdCoordinatorOptions {
  session: Session;
  /** Monotonic ms (default performance.now()) and wall ms (default Date.now()); tests make them disagree. */
  monotonic?: () => number;
  wall?: () => number;
  /** How often the loop checks the leader key (default ttl/3); tests slow one agent's loop down. */
  periodMs?: number;
  /** How long before validUntil the leader stops acting (default ttl/3). */
  marginMs?: number;
  /** Heard when a service's active host in etcd differs from the one last heard (every agent). */
  onActive?(service: string, host: string): void;
  /** Heard for each failed loop (etcd unreachable…); the loop goes on. */
  onError?(error: Error): void;
}

/** The value of <prefix>/active/<service>. */
export interface ActiveRecord {
  host: string;
  run: number;
  token: number;
  by: string;
  at: number;
}

const errorOf = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

export class EtcdCoordinator implements Coordinator {
  private state: LeaderState = LeaderState.follower;
  private token = 0;
  private leaderName: string | undefined;
  private term = abortedController();
  private readonly listeners = new Set<(event: LeadershipEvent) => void>();
  private readonly active = new Map<string, string>();
  private lastTick: { mono: number; wall: number } | undefined;
  private pausedAt: { validUntil: number } | undefined;
  private loopTimer: ReturnType<typeof setTimeout> | undefined;
  private cancelWatch: (() => void) | undefined;
  private deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  private ticking: Promise<void> = Promise.resolve();
  private readonly offLease: () => void;
  private readonly monotonic: () => number;
  private readonly wall: () => number;
  readonly periodMs: number;
  readonly marginMs: number;

  constructor(private readonly options: EtcdCoordinatorOptions) {
    const { session } = options;
    this.monotonic = options.monotonic ?? (() => performance.now());
    this.wall = options.wall ?? (() => Date.now());
    this.periodMs = options.periodMs ?? Math.max(100, Math.round(session.ttlMs / 3));
    this.marginMs = options.marginMs ?? Math.round(session.ttlMs / 3);
    this.offLease = session.onLease((event) => {
      if (event.kind === "lost") this.demote(LeaderState.follower, `the etcd lease was lost (${event.reason}); no longer acting`);
      this.armDeadline();
    });
  }

  /** A method, not a field read, so that TypeScript does not narrow it across an await. */
  private isStopped(): boolean {
    return this.state === LeaderState.stopped;
  }

  private get name(): string {
    return this.options.session.name;
  }

  private key(...parts: string[]): string {
    return [this.options.session.prefix.replace(/\/+$/, ""), ...parts].join("/");
  }

  /** Runs the first loop (so the caller knows at once whether it leads), then keeps looping every ttl/3. */
  async start(): Promise<void> {
    await this.tick();
    this.schedule();
    // The loop alone would notice a dead leader's key gone up to a period late; a watch on the key runs
    // a follower's loop at once when etcd deletes it (the lease expired or the leader resigned), so a
    // takeover takes the TTL, not the TTL plus a period. The leader itself is left to its loop (its
    // term ends with its lease: demote-first already covers it). Polling stays: a watch can break.
    if (!this.isStopped()) {
      this.cancelWatch = this.options.session.etcd.watch(this.key("leader"), {
        onEvents: (events) => {
          if (this.state === LeaderState.follower && events.some((event) => event.type === "delete" && event.kv.key === this.key("leader"))) this.kick();
        },
      });
    }
  }

  /** Runs the loop now (serialized with the timer's runs), then goes on every period. */
  private kick(): void {
    if (this.isStopped()) return;
    clearTimeout(this.loopTimer);
    this.ticking = this.ticking.catch(() => undefined).then(() => this.tick()).finally(() => this.schedule());
  }

  /** Stops the loop; with `resign`, a leader deletes its key (guarded by its token) so the next takes over at once. */
  async stop(options: { resign?: boolean } = {}): Promise<void> {
    if (this.isStopped()) return;
    const wasLeading = this.isLeader();
    this.state = LeaderState.stopped;
    clearTimeout(this.loopTimer);
    clearTimeout(this.deadlineTimer);
    this.cancelWatch?.();
    this.offLease();
    await this.ticking.catch(() => undefined);
    if (!this.term.signal.aborted) this.term.abort(new Error("the coordinator stopped"));
    if (options.resign && wasLeading) {
      await this.options.session.etcd.txn({ compare: this.leaderCompare(), success: [{ delete: { key: this.key("leader") } }] }).catch(() => undefined);
    }
    if (wasLeading) this.emit(false, options.resign ? "stopped and resigned the leadership" : "stopped leading: this process is stopping");
  }

  isLeader(): boolean {
    return this.state === LeaderState.leader && this.options.session.alive(this.marginMs);
  }

  leaderSignal(): AbortSignal {
    return this.term.signal;
  }

  fencingToken(): Promise<number> {
    return Promise.resolve(this.token);
  }

  onLeadership(listener: (event: LeadershipEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  status(): CoordinationStatus & { state: LeaderState } {
    const leading = this.isLeader();
    return { coordination: "etcd", leader: leading ? this.name : this.leaderName, isLeader: leading, token: this.token, state: this.state };
  }

  /** The leader's name as last read (undefined: nobody holds the key). */
  leader(): string | undefined {
    return this.isLeader() ? this.name : this.leaderName;
  }

  commit(step: StepCommit, run: RunRecord): Promise<CommitResult> {
    return this.write(`${step.step} of run #${step.runId} (${step.service})`, step.token, [{ put: { key: this.key("runs", run.service), value: JSON.stringify(run) } }]);
  }

  publish(run: RunRecord, token: number, move?: { service: string; host: string }): Promise<CommitResult> {
    const writes: Operation[] = [{ put: { key: this.key("runs", run.service), value: JSON.stringify(run) } }];
    if (move) {
      const record: ActiveRecord = { host: move.host, run: run.id, token, by: this.name, at: this.wall() };
      writes.push({ put: { key: this.key("active", move.service), value: JSON.stringify(record) } });
    }
    return this.write(`the journal of run #${run.id} (${run.service})`, token, writes);
  }

  async runs(): Promise<RunRecord[]> {
    const { kvs } = await this.options.session.etcd.range(this.key("runs") + "/");
    const records: RunRecord[] = [];
    for (const kv of kvs) {
      try {
        records.push(JSON.parse(kv.value) as RunRecord);
      } catch (error) {
        this.options.onError?.(new Error(`${kv.key} in etcd does not hold a failover run (${errorOf(error).message}); it is ignored`));
      }
    }
    return records.sort((a, b) => a.startedAt - b.startedAt);
  }

  private leaderCompare(): Compare[] {
    return [
      { key: this.key("leader"), target: "create", result: "equal", value: this.token },
      { key: this.key("leader"), target: "value", result: "equal", value: this.name },
    ];
  }

  private async write(what: string, token: number, success: Operation[]): Promise<CommitResult> {
    if (!this.isLeader()) {
      const by = this.leaderName === undefined || this.leaderName === this.name ? "no agent is confirmed as the leader" : `${this.leaderName} leads`;
      return { ok: false, reason: "not-leader", message: `${this.name} is not the leader (${by}): ${what} is not done here` };
    }
    if (token !== this.token) {
      return { ok: false, reason: "fenced", message: `${what} holds token ${token}, but ${this.name} now leads with token ${this.token}: this run stops` };
    }
    try {
      const result = await this.options.session.etcd.txn({ compare: this.leaderCompare(), success, failure: [{ range: { key: this.key("leader") } }] });
      if (result.succeeded) return { ok: true };
      const holder = result.responses[0]?.[0];
      this.demote(LeaderState.follower, holder ? `${holder.value} holds the leader key (token ${holder.createRevision})` : "the leader key is gone");
      this.leaderName = holder?.value;
      return { ok: false, reason: "fenced", message: `etcd refused ${what}: the leader key ${holder ? `is held by ${holder.value} (token ${holder.createRevision})` : "is gone"}, not by ${this.name} with token ${token}: this run stops` };
    } catch (error) {
      return { ok: false, reason: "not-leader", message: `${what} not done: etcd did not confirm the leadership of ${this.name} (${errorOf(error).message})` };
    }
  }

  private emit(leading: boolean, reason: string): void {
    const event: LeadershipEvent = { leading, leader: leading ? this.name : this.leaderName, token: this.token, reason };
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.options.onError?.(errorOf(error));
      }
    }
  }

  private promote(token: number, reason: string): void {
    this.token = token;
    this.leaderName = this.name;
    this.state = LeaderState.leader;
    this.pausedAt = undefined;
    this.term = new AbortController();
    this.armDeadline();
    this.emit(true, reason);
  }

  /** Leaves the leader (or paused) state; the term's signal aborts whatever step is in flight. */
  private demote(to: typeof LeaderState.follower | typeof LeaderState.paused, reason: string): void {
    if (this.state === LeaderState.stopped) return;
    const was = this.state;
    this.state = to;
    if (to === LeaderState.paused) this.pausedAt = { validUntil: this.options.session.validUntil() };
    if (!this.term.signal.aborted) this.term.abort(new Error(reason));
    if (was === LeaderState.leader) this.emit(false, reason);
  }

  /** Demote first: a timer at validUntil − margin, re-armed whenever the lease is renewed or regranted. */
  private armDeadline(): void {
    clearTimeout(this.deadlineTimer);
    if (this.state !== LeaderState.leader) return;
    const due = this.options.session.validUntil() - this.marginMs - this.monotonic();
    this.deadlineTimer = setTimeout(() => {
      if (this.state !== LeaderState.leader) return;
      if (this.options.session.alive(this.marginMs)) this.armDeadline();
      else this.demote(LeaderState.follower, "cannot renew the etcd lease; no longer acting");
    }, Math.max(0, due) + 1);
  }

  private schedule(): void {
    if (this.state === LeaderState.stopped) return;
    clearTimeout(this.loopTimer);
    this.loopTimer = setTimeout(() => {
      this.ticking = this.ticking.catch(() => undefined).then(() => this.tick()).finally(() => this.schedule());
    }, this.periodMs);
  }

  private async tick(): Promise<void> {
    const mono = this.monotonic();
    const wall = this.wall();
    if (this.lastTick) {
      const late = mono - this.lastTick.mono - this.periodMs;
      const drift = Math.abs(wall - this.lastTick.wall - (mono - this.lastTick.mono));
      if (late > this.periodMs) this.tilt(`the leadership loop ran ${Math.round(late)} ms late (was the process stopped?)`);
      else if (drift > this.periodMs) this.tilt(`the wall clock jumped by ${Math.round(drift)} ms`);
    }
    this.lastTick = { mono, wall };
    const { session } = this.options;
    if (this.state === LeaderState.leader && !session.alive(this.marginMs)) this.demote(LeaderState.follower, "cannot renew the etcd lease; no longer acting");
    try {
      await this.checkLeader();
    } catch (error) {
      this.options.onError?.(errorOf(error));
    }
    try {
      await this.mirrorActive();
    } catch (error) {
      this.options.onError?.(errorOf(error));
    }
    this.armDeadline();
  }

  private tilt(reason: string): void {
    if (this.state !== LeaderState.leader && this.state !== LeaderState.paused) return;
    this.demote(LeaderState.paused, `${reason}: acting is paused until etcd confirms this agent still leads`);
  }

  private async checkLeader(): Promise<void> {
    if (this.state === LeaderState.stopped) return;
    const { session } = this.options;
    const lease = session.lease();
    if (lease === undefined || !session.alive(this.marginMs)) {
      if (this.state === LeaderState.leader) this.demote(LeaderState.follower, "cannot renew the etcd lease; no longer acting");
      return;
    }
    const leaderKey = this.key("leader");
    let kv: KeyValue | undefined = await session.etcd.get(leaderKey);
    if (kv === undefined) {
      const taken = await session.etcd.txn({
        compare: [{ key: leaderKey, target: "create", result: "equal", value: 0 }],
        success: [{ put: { key: leaderKey, value: this.name, lease } }],
        failure: [{ range: { key: leaderKey } }],
      });
      kv = taken.succeeded ? { key: leaderKey, value: this.name, createRevision: taken.revision, modRevision: taken.revision, version: 1, lease } : taken.responses[0]?.[0];
    }
    if (this.isStopped()) return;
    this.leaderName = kv?.value;
    const ours = kv !== undefined && kv.value === this.name && kv.lease === lease;
    if (!ours) {
      if (this.state !== LeaderState.follower) this.demote(LeaderState.follower, kv ? `${kv.value} holds the leader key` : "the leader key is gone");
      return;
    }
    if (this.state === LeaderState.follower) this.promote(kv!.createRevision, `took the leader key (token ${kv!.createRevision})`);
    else if (this.state === LeaderState.paused && this.pausedAt && session.validUntil() > this.pausedAt.validUntil) {
      this.promote(kv!.createRevision, `the lease was renewed and the leader key is still ours (token ${kv!.createRevision}): acting again`);
    } else if (this.state === LeaderState.leader && kv!.createRevision !== this.token) {
      this.demote(LeaderState.follower, "the leader key was re-created");
      this.promote(kv!.createRevision, `holding a re-created leader key (token ${kv!.createRevision})`);
    }
  }

  private async mirrorActive(): Promise<void> {
    if (!this.options.onActive) return;
    const { kvs } = await this.options.session.etcd.range(this.key("active") + "/");
    for (const kv of kvs) {
      const service = kv.key.slice(this.key("active").length + 1);
      let host: string;
      try {
        host = (JSON.parse(kv.value) as ActiveRecord).host;
      } catch {
        this.options.onError?.(new Error(`${kv.key} in etcd does not hold an active host record; it is ignored`));
        continue;
      }
      if (this.active.get(service) === host) continue;
      this.active.set(service, host);
      this.options.onActive(service, host);
    }
  }
}

export type EtcdSettings = Exclude<ConfigDocument["agents"]["coordination"], "local">["etcd"];

export interface EtcdCoordination {
  session: Session;
  coordinator: EtcdCoordinator;
  /** Stops the loop (resigning when asked), revokes the session's lease, closes the client. */
  close(options?: { resign?: boolean }): Promise<void>;
}

/**
 * Client, session and coordinator from the config's etcd block (the coordinator not yet started). A
 * request times out well within a loop period, so one hung member cannot hold the loop past ttl/3.
 */
export async function openEtcdCoordination(settings: EtcdSettings, options: {
  name: string;
  card: Omit<AgentCard, "seenAt" | "name">;
  secret(ref: string): Promise<string>;
  onActive?: EtcdCoordinatorOptions["onActive"];
  onError?(error: Error): void;
  /** The agent: an etcd that does not answer yet is joined later (session.ts waitForEtcd). */
  waitForEtcd?: boolean;
}): Promise<EtcdCoordination> {
  const client = await connectEtcd({ ...settings, timeoutMs: Math.min(2_000, Math.max(300, Math.round(settings.ttl / 4))) }, options.secret);
  try {
    const session = await startSession({ etcd: client, prefix: settings.prefix, name: options.name, ttlMs: settings.ttl, card: options.card, waitForEtcd: options.waitForEtcd === true, ...(options.onError ? { onError: options.onError } : {}) });
    const coordinator = new EtcdCoordinator({ session, ...(options.onActive ? { onActive: options.onActive } : {}), ...(options.onError ? { onError: options.onError } : {}) });
    return {
      session, coordinator,
      async close(closeOptions = {}) {
        await coordinator.stop(closeOptions);
        await session.close();
        await client.close();
      },
    };
  } catch (error) {
    await client.close();
    throw error;
  }
}

function abortedController(): AbortController {
  const controller = new AbortController();
  controller.abort(new Error("not the leader"));
  return controller;
}
