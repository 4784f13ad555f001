// The agent's session with etcd (the Session contract in etcd-api.ts): one lease, renewed every ttl/3,
// carrying the agent's card at <prefix>/agents/<name> and whatever else the agent publishes on it.
//
// States (SessionState):
//   held    a lease is granted and was renewed in time; validUntil() is in the future
//   lost    no lease we can count on: etcd answered TTL 0, or validUntil passed without an answer.
//           "lost" is emitted once, then a new lease is asked for every ttl/3 until one is granted
//           (back to held, "granted" emitted: listeners re-publish their keys on the new lease)
//   closed  close() revoked the lease; nothing runs any more
//
// Decisions:
// - Time is monotonic (performance.now()). validUntil is the SEND time of the last answered keepalive
//   plus the TTL etcd answered: etcd started its countdown after it received the request, so the lease
//   cannot end at etcd before validUntil, and "lost" is always said before the keys can vanish.
// - A watchdog timer fires at validUntil, so "lost" is said on time even while a keepalive hangs on an
//   unresponsive member.
// - The name is claimed with a transaction: put the card only if the key is absent or on one of our
//   own leases. A card on a lease that is not ours may belong to our own crashed predecessor, whose
//   lease ends within a TTL; so startSession waits one TTL for it to go before refusing.
// - After a re-grant the old lease is revoked (best effort) so nothing we published stays on it.
// - The initial lease is held when startSession resolves; "granted" is emitted only for re-grants.
//   With `waitForEtcd` (the agent) an etcd that does not answer at start is no reason to stop: the
//   session starts lost and keeps asking, so the agent probes and alerts on its own meanwhile and
//   joins ("granted") once etcd answers. A refused name, auth or TLS still fails the start: those are
//   the config's problems, and waiting would hide them.
// - Timers never throw: failures go to onError; a throwing listener is reported and skipped.
import type { AgentCard, Etcd, Session } from "./etcd-api.js";
import { EtcdError } from "./etcd-api.js";

export const SessionState = { held: "held", lost: "lost", closed: "closed" } as const;
export type SessionState = (typeof SessionState)[keyof typeof SessionState];

export interface SessionOptions {
  etcd: Etcd;
  prefix: string;
  name: string;
  ttlMs: number;
  card: Omit<AgentCard, "seenAt" | "name">;
  /** Wall clock for the card's seenAt (default Date.now). */
  now?: () => number;
  /** Hears failures of the background renewals and listeners (never thrown). */
  onError?: (error: Error) => void;
  /** An unreachable etcd at start: start lost and keep asking instead of throwing (see the header). */
  waitForEtcd?: boolean;
}

type LeaseListener = (event: { kind: "granted" | "lost"; lease: string | undefined; reason: string }) => void;

const monotonic = () => performance.now();

export function agentKey(prefix: string, name: string): string {
  return `${prefix}/agents/${name}`;
}

export async function startSession(options: SessionOptions): Promise<Session> {
  const session = new EtcdSession(options);
  try {
    await session.start();
  } catch (error) {
    const unreachable = error instanceof EtcdError && (error.code === "unreachable" || error.code === "timeout");
    if (!options.waitForEtcd || !unreachable) throw error;
    session.startLost(error);
  }
  return session;
}

class EtcdSession implements Session {
  readonly name: string;
  readonly prefix: string;
  readonly etcd: Etcd;
  readonly ttlMs: number;
  private state: SessionState = SessionState.lost;
  private leaseId: string | undefined;
  private readonly ownLeases = new Set<string>();
  private until = 0;
  private renewTimer: ReturnType<typeof setTimeout> | undefined;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<LeaseListener>();
  private readonly ttlSeconds: number;
  private readonly intervalMs: number;

  constructor(private readonly options: SessionOptions) {
    this.name = options.name;
    this.prefix = options.prefix;
    this.etcd = options.etcd;
    this.ttlMs = options.ttlMs;
    this.ttlSeconds = Math.max(1, Math.ceil(options.ttlMs / 1000));
    this.intervalMs = (this.ttlSeconds * 1000) / 3;
  }

  lease(): string | undefined {
    return this.state === SessionState.held ? this.leaseId : undefined;
  }

  validUntil(): number {
    return this.state === SessionState.held ? this.until : 0;
  }

  alive(marginMs = 0): boolean {
    return this.state === SessionState.held && monotonic() + marginMs < this.until;
  }

  onLease(listener: LeaseListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The first lease and card; throws (with what to do) when etcd is unreachable or the name is taken. */
  async start(): Promise<void> {
    let lease = await this.grant();
    // Our own lease is kept alive through the wait below (it can last longer than one TTL), and
    // granted again if it ended anyway (this process was stopped).
    const claim = async (): Promise<{ lease: string; url?: string } | undefined> => {
      if (monotonic() - lease.sentAt >= this.intervalMs) {
        const sentAt = monotonic();
        const ttl = await this.etcd.leaseKeepAlive(lease.id);
        lease = ttl > 0 ? { id: lease.id, ttl, sentAt } : await this.grant();
      }
      return this.claimName(lease.id);
    };
    try {
      // A card left by this agent's killed predecessor goes when its lease ends: within one TTL, but a
      // change of etcd leader restarts every lease's TTL, so a dying lease can outlive the first wait.
      // Past it, the wait goes on while the holder's lease only runs down (nobody renews it), up to
      // three TTLs more; a live agent renews every TTL/3, so its lease's time left goes back up, again
      // and again (once could be a change of leader).
      const started = monotonic();
      const deadline = started + this.ttlSeconds * 1000 + 1_000;
      const cap = deadline + 3 * this.ttlSeconds * 1000;
      let holder = await claim();
      let left: { lease: string; ttl: number } | undefined;
      let rises = 0;
      while (holder !== undefined && monotonic() < cap) {
        if (monotonic() >= deadline) {
          const ttl = await this.etcd.leaseTimeToLive(holder.lease).catch(() => undefined);
          // One rise is a change of etcd leader (every lease gets its TTL again); a live agent's lease
          // rises at each of its renewals.
          if (ttl !== undefined && left?.lease === holder.lease && ttl > left.ttl) rises++;
          if (rises >= 2) break;
          if (ttl !== undefined) left = { lease: holder.lease, ttl };
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(500, this.intervalMs)));
        holder = await claim();
      }
      // One last look: a process stopped (SIGSTOP, a suspended VM) through the wait comes back past the
      // deadline holding an answer from before the stop, when the predecessor's lease had not ended yet.
      if (holder !== undefined) holder = await claim();
      if (holder !== undefined) {
        throw new EtcdError(
          `another agent is already connected to etcd as "${this.name}" (its card ${agentKey(this.prefix, this.name)} stayed on lease ${holder.lease}, ${rises >= 2 ? "renewed while this agent waited" : `for ${Math.round((monotonic() - started) / 1000)} s, longer than a lease of ${this.ttlSeconds} s can last unrenewed`}${holder.url ? `; it serves ${holder.url}` : ""}). What to do: give each agent its own agents.name, or stop the other agent`,
          "request",
        );
      }
    } catch (error) {
      await this.etcd.leaseRevoke(lease.id).catch(() => undefined);
      throw error;
    }
    this.hold(lease.id, lease.sentAt, lease.ttl);
  }

  private async grant(): Promise<{ id: string; ttl: number; sentAt: number }> {
    const sentAt = monotonic();
    const { id, ttl } = await this.etcd.leaseGrant(this.ttlSeconds);
    return { id, ttl, sentAt };
  }

  /** Starts without a lease (etcd did not answer): asks for one every ttl/3 until granted. */
  startLost(error: Error): void {
    this.report(error);
    this.state = SessionState.lost;
    this.schedule(() => this.regrant(), this.intervalMs);
  }

  async close(): Promise<void> {
    if (this.state === SessionState.closed) return;
    const lease = this.leaseId;
    this.state = SessionState.closed;
    clearTimeout(this.renewTimer);
    clearTimeout(this.watchdog);
    this.listeners.clear();
    if (lease !== undefined) await this.etcd.leaseRevoke(lease).catch((error: Error) => this.report(error));
  }

  /** Puts the card unless another lease holds the name; answers the holder's card then. */
  private async claimName(lease: string): Promise<{ lease: string; url?: string } | undefined> {
    const key = agentKey(this.prefix, this.name);
    const card: AgentCard = { ...this.options.card, name: this.name, seenAt: (this.options.now ?? Date.now)() };
    const put = { put: { key, value: JSON.stringify(card), lease } };
    const absent = await this.etcd.txn({ compare: [{ key, target: "create", result: "equal", value: 0 }], success: [put], failure: [{ range: { key } }] });
    if (absent.succeeded) return undefined;
    const existing = absent.responses[0]?.[0];
    if (existing === undefined) return this.claimName(lease);
    if (existing.lease === lease || this.ownLeases.has(existing.lease)) {
      const ours = await this.etcd.txn({ compare: [{ key, target: "lease", result: "equal", value: existing.lease }], success: [put] });
      return ours.succeeded ? undefined : this.claimName(lease);
    }
    let url: string | undefined;
    try {
      url = (JSON.parse(existing.value) as Partial<AgentCard>).url;
    } catch {
      // Not a card we wrote; the lease id is enough to name it.
    }
    return { lease: existing.lease, url };
  }

  private hold(lease: string, sentAt: number, ttlSeconds: number): void {
    this.state = SessionState.held;
    this.leaseId = lease;
    this.ownLeases.add(lease);
    this.renewed(sentAt, ttlSeconds);
    this.schedule(() => this.renew(), this.intervalMs);
  }

  private renewed(sentAt: number, ttlSeconds: number): void {
    this.until = sentAt + ttlSeconds * 1000;
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      if (this.state === SessionState.held && monotonic() >= this.until) this.lose(`no keepalive answered within the ${this.ttlSeconds} s lease TTL`);
    }, Math.max(0, this.until - monotonic()));
  }

  private async renew(): Promise<void> {
    const lease = this.leaseId;
    if (this.state !== SessionState.held || lease === undefined) return;
    const sentAt = monotonic();
    try {
      const ttl = await this.etcd.leaseKeepAlive(lease);
      if (this.state !== SessionState.held || this.leaseId !== lease) return;
      if (ttl <= 0) return this.lose(`etcd says lease ${lease} is gone (it expired or was revoked)`);
      this.renewed(sentAt, ttl);
    } catch (error) {
      this.report(error);
      if (this.state === SessionState.held && monotonic() >= this.until) return this.lose(`keepalive failed past the lease's end: ${(error as Error).message}`);
    }
    if (this.state === SessionState.held) this.schedule(() => this.renew(), this.intervalMs);
  }

  private lose(reason: string): void {
    if (this.state !== SessionState.held) return;
    this.state = SessionState.lost;
    clearTimeout(this.renewTimer);
    clearTimeout(this.watchdog);
    this.until = 0;
    this.emit({ kind: "lost", lease: undefined, reason });
    this.schedule(() => this.regrant(), 0);
  }

  /** While lost: a new lease, the card on it, then the old lease revoked. */
  private async regrant(): Promise<void> {
    if (this.state !== SessionState.lost) return;
    const sentAt = monotonic();
    try {
      const { id, ttl } = await this.etcd.leaseGrant(this.ttlSeconds);
      if (this.state !== SessionState.lost) {
        await this.etcd.leaseRevoke(id).catch(() => undefined);
        return;
      }
      const holder = await this.claimName(id);
      if (holder !== undefined) {
        await this.etcd.leaseRevoke(id).catch(() => undefined);
        throw new EtcdError(`etcd: the name "${this.name}" is held by lease ${holder.lease}, not ours; retrying until it is free (is another agent using agents.name "${this.name}"?)`, "request");
      }
      const old = this.leaseId;
      this.hold(id, sentAt, ttl);
      this.emit({ kind: "granted", lease: id, reason: "a new lease after the old one was lost" });
      if (old !== undefined && old !== id) await this.etcd.leaseRevoke(old).catch(() => undefined);
    } catch (error) {
      this.report(error);
      if (this.state === SessionState.lost) this.schedule(() => this.regrant(), this.intervalMs);
    }
  }

  private schedule(task: () => Promise<void>, delayMs: number): void {
    clearTimeout(this.renewTimer);
    this.renewTimer = setTimeout(() => {
      task().catch((error: unknown) => this.report(error));
    }, delayMs);
  }

  private emit(event: Parameters<LeaseListener>[0]): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.report(error);
      }
    }
  }

  private report(error: unknown): void {
    try {
      this.options.onError?.(error instanceof Error ? error : new Error(String(error)));
    } catch {
      // The error callback itself failed; nothing more to tell.
    }
  }
}
