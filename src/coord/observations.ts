// This agent's verdicts, published for the other agents: each instance's LocalVerdicts state
// (up/suspect/down/recovering, with when and a short reason) at
// <prefix>/observations/<agent>/<service>@<host>, as JSON, on the agent's session lease, so that a dead
// agent's opinions vanish with its lease and never outvote the living. QuorumVerdicts
// (src/engine/quorum-verdicts.ts) reads everyone's back.
//
// Decisions:
//   - Writes are coalesced: a change marks its instance dirty and a flush `coalesceMs` later writes every
//     dirty key in one transaction (a dead router turns thirty verdicts into one write, not thirty).
//     A transaction holds at most MAX_TXN_OPS operations (etcd's --max-txn-ops default is 128), so a
//     larger burst is split into several. One flush runs at a time.
//   - "unknown" is never published: it is the state before the first result, and saying nothing is how
//     an agent that has not looked yet stays out of the count.
//   - A failed write keeps its keys dirty and retries after `retryMs`. With no lease there is nothing to
//     write on: the session's "granted" event re-publishes every instance on the new lease.
//   - Anti-entropy: every `verifyMs` (the lease TTL) the publisher reads its own keys back and rewrites
//     any that differ from what it last saw. A write that timed out may still reach etcd later (the
//     request sat in a socket to a partitioned member and is delivered after the heal), overwriting a
//     newer one; without this read-back such a stale "down" would stand until the state changed again
//     (found by the chaos schedules: an agent that sees a service up, published as down for good).
//   - A new publisher (agent start or config reload) keeps the keys it finds for instances that still
//     exist, so a reload does not drop this vantage point from the count until its checks run again;
//     keys of instances no longer in the config are deleted.
import type { HealthState, InstanceChange } from "../engine/verdict.js";
import type { Clock, TimerHandle } from "../engine/clock.js";
import type { Operation, Session } from "./etcd-api.js";

/** etcd's default --max-txn-ops: more operations than this in one transaction are refused. */
export const MAX_TXN_OPS = 128;

/** One vantage point's verdict on one instance, as stored in etcd. */
export interface SharedObservation {
  readonly state: HealthState;
  /** Wall time (ms) of the change on the publishing agent's clock. */
  readonly at: number;
  readonly reason: string;
}

export function observationsPrefix(prefix: string): string {
  return `${prefix}/observations/`;
}

export function observationKey(prefix: string, agent: string, instance: string): string {
  return `${observationsPrefix(prefix)}${agent}/${instance}`;
}

/** The agent and instance ("service@host") a key names; undefined for a key of another shape. */
export function parseObservationKey(prefix: string, key: string): { agent: string; instance: string } | undefined {
  const root = observationsPrefix(prefix);
  if (!key.startsWith(root)) return undefined;
  const rest = key.slice(root.length);
  // Service and host names cannot hold "/" (config names are [A-Za-z0-9_.-]); an agent name might.
  const slash = rest.lastIndexOf("/");
  if (slash <= 0 || !rest.slice(slash + 1).includes("@")) return undefined;
  return { agent: rest.slice(0, slash), instance: rest.slice(slash + 1) };
}

const STATES: ReadonlySet<string> = new Set(["unknown", "up", "suspect", "down", "recovering"]);

/** Parses a stored observation; undefined when the value is not one (another version wrote it, or garbage). */
export function decodeObservation(value: string): SharedObservation | undefined {
  try {
    const parsed = JSON.parse(value) as Partial<SharedObservation>;
    if (typeof parsed.state !== "string" || !STATES.has(parsed.state) || typeof parsed.at !== "number") return undefined;
    return { state: parsed.state, at: parsed.at, reason: typeof parsed.reason === "string" ? parsed.reason : "" };
  } catch {
    return undefined;
  }
}

/** Splits operations into transactions etcd accepts. */
export function batches<T>(items: readonly T[], size = MAX_TXN_OPS): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface PublisherOptions {
  session: Session;
  /** Where this agent's own verdict changes come from (its LocalVerdicts). */
  local: { onChange(listener: (change: InstanceChange) => void): () => void };
  clock: Clock;
  /** The instance keys ("service@host") of the current config: older keys of this agent are deleted. */
  instances: ReadonlySet<string>;
  coalesceMs?: number;
  retryMs?: number;
  /** How often the published keys are read back and corrected (default: the session's TTL). */
  verifyMs?: number;
  /** Hears a failed write or cleanup (once per streak of failures); the publisher retries by itself. */
  onError?(error: unknown): void;
}

export interface ObservationPublisher {
  /** Writes what is dirty now (tests and shutdown); resolves when written or failed. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export function startObservationPublisher(options: PublisherOptions): ObservationPublisher {
  const { session, clock } = options;
  const coalesceMs = options.coalesceMs ?? 100;
  const retryMs = options.retryMs ?? 1_000;
  const latest = new Map<string, SharedObservation>();
  const dirty = new Set<string>();
  let timer: TimerHandle | undefined;
  let running: Promise<void> | undefined;
  let failing = false;
  let stopped = false;
  const key = (instance: string) => observationKey(session.prefix, session.name, instance);

  const schedule = (ms: number) => {
    if (stopped || timer !== undefined) return;
    timer = clock.setTimeout(() => {
      timer = undefined;
      void flush();
    }, ms);
  };
  const failed = (error: unknown) => {
    if (!failing) options.onError?.(error);
    failing = true;
    schedule(retryMs);
  };

  const write = async () => {
    const lease = session.lease();
    if (lease === undefined || dirty.size === 0) return;
    const instances = [...dirty];
    dirty.clear();
    for (const [index, chunk] of batches(instances).entries()) {
      const success: Operation[] = chunk.map((instance) => ({ put: { key: key(instance), value: JSON.stringify(latest.get(instance)), lease } }));
      try {
        await session.etcd.txn({ compare: [], success });
      } catch (error) {
        for (const instance of instances.slice(index * MAX_TXN_OPS)) dirty.add(instance);
        failed(error);
        return;
      }
    }
    failing = false;
  };
  const flush = async (): Promise<void> => {
    while (running) await running;
    running = write().finally(() => { running = undefined; });
    return running;
  };

  const cleanup = async () => {
    try {
      const { kvs } = await session.etcd.range(`${observationsPrefix(session.prefix)}${session.name}/`);
      const gone = kvs.map((kv) => kv.key).filter((k) => {
        const parsed = parseObservationKey(session.prefix, k);
        return parsed?.agent === session.name && !options.instances.has(parsed.instance);
      });
      for (const chunk of batches(gone)) await session.etcd.txn({ compare: [], success: chunk.map((k) => ({ delete: { key: k } })) });
    } catch (error) {
      // Not retried: a stale key of a removed instance is harmless (nobody asks about that instance).
      options.onError?.(error);
    }
  };
  const cleaned = cleanup();

  // Anti-entropy (see the header): read our keys back, mark what differs (or vanished) dirty.
  const verifyMs = options.verifyMs ?? session.ttlMs;
  let verifyTimer: TimerHandle | undefined;
  const verify = async () => {
    if (stopped) return;
    if (session.lease() !== undefined && latest.size > 0) {
      try {
        const { kvs } = await session.etcd.range(`${observationsPrefix(session.prefix)}${session.name}/`);
        const published = new Map(kvs.map((kv) => [parseObservationKey(session.prefix, kv.key)?.instance, kv.value]));
        let found = false;
        for (const [instance, observation] of latest) {
          if (published.get(instance) !== JSON.stringify(observation)) {
            dirty.add(instance);
            found = true;
          }
        }
        if (found) schedule(0);
      } catch (error) {
        // The next verify tries again; a write failure is reported by the writes themselves.
        void error;
      }
    }
    if (!stopped) verifyTimer = clock.setTimeout(() => void verify(), verifyMs);
  };
  verifyTimer = clock.setTimeout(() => void verify(), verifyMs);

  const offs = [
    options.local.onChange((change) => {
      if (change.to === "unknown") return;
      const instance = `${change.service}@${change.host}`;
      latest.set(instance, { state: change.to, at: change.at, reason: change.reason });
      dirty.add(instance);
      schedule(coalesceMs);
    }),
    session.onLease((event) => {
      if (event.kind !== "granted") return;
      for (const instance of latest.keys()) dirty.add(instance);
      schedule(0);
    }),
  ];

  return {
    flush,
    async stop() {
      stopped = true;
      for (const off of offs) off();
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      if (verifyTimer !== undefined) clock.clearTimeout(verifyTimer);
      await cleaned;
      // What changed last is still worth saying: another generation or agent may rely on it.
      await flush();
    },
  };
}
