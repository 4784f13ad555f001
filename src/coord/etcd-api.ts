// The contract between Understudy and etcd, shared by the client (etcd-client.ts), the agent's session
// (session.ts), leadership and fencing (etcd-coordinator.ts) and the shared observations
// (observations.ts). Only these shapes cross module lines; everything else stays private to its file.
//
// Keys under the configured prefix (default "/understudy"):
//   <prefix>/agents/<name>                    this agent's card (JSON), on its session lease
//   <prefix>/leader                           the leader's name, on its session lease; the key's
//                                             create revision is the leader's fencing token
//   <prefix>/observations/<agent>/<service>@<host>   one vantage point's verdict (JSON), on its lease
//   <prefix>/active/<service>                 the host serving a primary/standby service (JSON)
//   <prefix>/runs/<service>                   the service's latest failover run, as journaled (JSON)

/** One key as etcd returns it; revisions and lease ids are int64 on the wire, numbers/strings here. */
export interface KeyValue {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
  version: number;
  /** "0" when the key has no lease. */
  lease: string;
}

/** A comparison in a transaction (etcd's Compare): the target of `key` against `value`. */
export type Compare =
  | { key: string; target: "value"; result: "equal" | "not-equal"; value: string }
  | { key: string; target: "create" | "mod" | "version"; result: "equal" | "not-equal" | "greater" | "less"; value: number }
  | { key: string; target: "lease"; result: "equal" | "not-equal"; value: string };

export type Operation =
  | { put: { key: string; value: string; lease?: string } }
  | { delete: { key: string; prefix?: boolean } }
  | { range: { key: string; prefix?: boolean } };

export interface TxnResult {
  succeeded: boolean;
  /** The store's revision after the transaction. */
  revision: number;
  /** Per operation of the branch that ran; a range answers its keys, put/delete answer []. */
  responses: KeyValue[][];
}

export interface WatchEvent {
  type: "put" | "delete";
  kv: KeyValue;
}

export interface EtcdConnection {
  endpoints: string[];
  /** PEM contents (read from the config's *_file keys by the caller). */
  ca?: string;
  cert?: string;
  key?: string;
  username?: string;
  password?: string;
  /** Per-request timeout; a member that does not answer in time is skipped for the next one. */
  timeoutMs?: number;
}

/** What Understudy needs of etcd (the v3 API); implemented over etcd's JSON gateway in etcd-client.ts. */
export interface Etcd {
  get(key: string): Promise<KeyValue | undefined>;
  range(prefix: string): Promise<{ kvs: KeyValue[]; revision: number }>;
  put(key: string, value: string, options?: { lease?: string }): Promise<{ revision: number }>;
  delete(key: string, options?: { prefix?: boolean }): Promise<{ deleted: number }>;
  txn(request: { compare: Compare[]; success: Operation[]; failure?: Operation[] }): Promise<TxnResult>;
  leaseGrant(ttlSeconds: number): Promise<{ id: string; ttl: number }>;
  /** Renews the lease; answers the TTL left (0: the lease is gone). */
  leaseKeepAlive(id: string): Promise<number>;
  leaseRevoke(id: string): Promise<void>;
  /** The seconds a lease has left without renewing it (-1: the lease is gone). */
  leaseTimeToLive(id: string): Promise<number>;
  /**
   * Watches a prefix from `fromRevision` (inclusive); reconnects to another endpoint on failure and
   * resumes after the last revision seen. `onError` hears each lost connection. Returns a cancel.
   */
  watch(prefix: string, options: { fromRevision?: number; onEvents(events: WatchEvent[], revision: number): void; onError?(error: Error): void }): () => void;
  close(): Promise<void>;
}

/** Every failure talking to etcd: which endpoint(s), what happened, what to check. */
export class EtcdError extends Error {
  override readonly name = "EtcdError";
  constructor(message: string, readonly code: "unreachable" | "timeout" | "auth" | "request" | "tls") {
    super(message);
  }
}

/**
 * The agent's presence in etcd: one lease, kept alive every ttl/3, carrying its card and everything it
 * publishes. Time here is monotonic (performance.now()), so a wall-clock jump cannot stretch a lease.
 */
export interface Session {
  readonly name: string;
  readonly prefix: string;
  readonly etcd: Etcd;
  readonly ttlMs: number;
  /** The lease currently held; undefined while none (not yet granted, or lost and not yet re-granted). */
  lease(): string | undefined;
  /**
   * Until when (monotonic ms) the lease is certainly alive: the send time of the last keepalive that
   * etcd answered, plus the TTL it answered. 0 while there is no lease.
   */
  validUntil(): number;
  /** The lease is alive and will stay so for at least `marginMs` more. */
  alive(marginMs?: number): boolean;
  /** Hears the lease changing: "granted" (a new lease: re-publish what was on the old one) or "lost". */
  onLease(listener: (event: { kind: "granted" | "lost"; lease: string | undefined; reason: string }) => void): () => void;
  /** Revokes the lease (its keys go at once) and stops renewing. */
  close(): Promise<void>;
}

/** The card an agent keeps at <prefix>/agents/<name>. */
export interface AgentCard {
  name: string;
  version: string;
  startedAt: number;
  /** Wall time of the card's last refresh (written when the session starts or re-grants). */
  seenAt: number;
  url?: string;
}
