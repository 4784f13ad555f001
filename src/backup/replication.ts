// Replication that follows the active host: one cycle snapshots the service on the host that serves
// it now (through its HostAccess), pulls the snapshot into the agent's per-service, per-source cache
// with rsync (only what changed since the last cycle crosses that link), then pushes it to every other
// host that may receive it (again only what differs from the replica there). Work that does not wait
// on the previous step runs beside it: each target's spare is brought up to its replica while the source
// copies, and the pulled copy is integrity-checked on the agent while it is pushed (nothing is swapped
// in before that check passed). Never onto the active
// host: the plan leaves it out, each target is checked again just before its shipment (a failover
// during the cycle), and the receiving side refuses while any process has the data open
// (replicate.ts). `shipFinalSnapshot` is the planned move's sync step: after the source is fenced,
// one snapshot from `from` to `to`, returned as the replica record the promote step checks.
//
// Where the data lives on a host: at its paths on the primary, under `replicate.root` on the others.
// The cache lives in <dataDir>/replica-cache/<service>/<source host>/; a service's cycles and final
// syncs are serialised, so two of them never write one cache at once.
import { basename, join } from "node:path";
import { performance } from "node:perf_hooks";
import type { ConfigDocument } from "../config/schema.js";
import { isHostFailure } from "../hosts/host-access.js";
import { HostAccessPool } from "../hosts/host-for.js";
import type { HostAccess, HostFailure } from "../hosts/host-access.js";
import { BackupError } from "./errors.js";
import type { BackupErrorKind } from "./errors.js";
import { snapshotOnHost } from "./host-snapshot.js";
import type { HostSnapshot } from "./host-snapshot.js";
import { kindOf, prepareSpares, pushSnapshot, sparesFor } from "./replicate.js";
import { DATA_DIR } from "./manifest.js";
import { readCacheState, usableFrom } from "./page-log.js";
import { recordReplica } from "./replica-state.js";
import type { ReplicaRecord } from "./replica-state.js";

export interface ReplicationContext {
  doc: ConfigDocument;
  /** The agent's data folder: the cache and the replica records live there. */
  dataDir: string;
  /** How to reach a host (a HostAccessPool's get, usually). */
  hosts: (host: string) => HostAccess | HostFailure;
  /** The host serving the service now; undefined means its primary. */
  activeHost: (service: string) => string | undefined;
  /** Whether a host may receive the service's replica now (default: any host but the active one). */
  mayReceive?: ((service: string, host: string) => boolean) | undefined;
  /** Where hosts keep the snapshot's temporary copies (default $TMPDIR of the login, else /var/tmp). */
  hostTempDir?: string | undefined;
  now?: () => Date;
  timeoutMs?: number;
  signal?: AbortSignal | undefined;
}

/**
 * UNDERSTUDY_HOST_TMPDIR: where hosts keep the snapshot's temporary copies when the config does not say
 * (tests point it into their own temporary folder, so a killed agent's copies go with it).
 */
export const hostTempDirOf = (env: NodeJS.ProcessEnv): string | undefined => env.UNDERSTUDY_HOST_TMPDIR || undefined;

export type ShipmentResult =
  | { ok: true; host: string; source: string; snapshotId: string; files: number; wireBytes: number; hops: { pulled: number; pushed: number; ms: { copy: number; pull: number; check: number; spares: number; prepare: number; ship: number; swap: number }; how: { pulled: Record<string, "tail" | "full">; shipped: Record<string, "pages" | "rsync"> } }; replica: ReplicaRecord }
  | { ok: false; host: string; source: string | undefined; snapshotId?: string | undefined; kind: BackupErrorKind; message: string };

/** Where the service's data paths live on `host`. */
export function rootOf(doc: ConfigDocument, service: string, host: string): string {
  const config = doc.services[service];
  return config === undefined || host === config.primary ? "/" : (config.replicate?.root ?? "/");
}

/** The host a service's data is read from: the active one, else its primary, else its only host. */
export function sourceHostOf(doc: ConfigDocument, service: string, activeHost?: (service: string) => string | undefined): string | undefined {
  const config = doc.services[service];
  if (config === undefined) return undefined;
  return activeHost?.(service) ?? config.primary ?? (config.runs_on?.length === 1 ? config.runs_on[0] : undefined);
}

/** Every host that holds a copy of the service's data: its primary and its replication targets. */
export function dataHosts(doc: ConfigDocument, service: string): string[] {
  const config = doc.services[service];
  if (config === undefined) return [];
  const others = config.replicate?.to === undefined || config.replicate.to === "standby" ? (config.standby ?? []) : config.replicate.to;
  return [...new Set([...(config.primary !== undefined ? [config.primary] : []), ...others])];
}

/** Pure: where this cycle reads (the active host) and which hosts it ships to (the others that may receive). */
export function replicationPlan(doc: ConfigDocument, service: string, active: string | undefined, mayReceive?: (service: string, host: string) => boolean): { source: string | undefined; targets: string[]; held: string[] } {
  const source = active ?? doc.services[service]?.primary;
  const others = dataHosts(doc, service).filter((host) => host !== source);
  const may = (host: string) => mayReceive?.(service, host) ?? true;
  return { source, targets: others.filter(may), held: others.filter((host) => !may(host)) };
}

const locks = new Map<string, Promise<unknown>>();
async function serialised<T>(service: string, work: () => Promise<T>): Promise<T> {
  const previous = locks.get(service) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(work);
  locks.set(service, next);
  try {
    return await next;
  } finally {
    if (locks.get(service) === next) locks.delete(service);
  }
}

const errorOf = (error: unknown): { kind: BackupErrorKind; message: string } =>
  error instanceof BackupError ? { kind: error.kind, message: error.message } : { kind: "source", message: error instanceof Error ? error.message : String(error) };

function accessOrThrow(context: ReplicationContext, host: string): HostAccess {
  const access = context.hosts(host);
  if (isHostFailure(access)) throw new BackupError(access.reason === "config" ? "source" : kindOf(access), access.message);
  return access;
}

const cacheOf = (context: Pick<ReplicationContext, "dataDir">, service: string, source: string) => join(context.dataDir, "replica-cache", service, source);

async function snapshotFrom(context: ReplicationContext, service: string, source: string): Promise<HostSnapshot> {
  const config = context.doc.services[service];
  if (config === undefined) throw new BackupError("not_found", `there is no service ${service} in the config`);
  return snapshotOnHost({
    service, data: config.data, access: accessOrThrow(context, source), root: rootOf(context.doc, service, source),
    into: cacheOf(context, service, source), hash: false, checkOn: "agent", cleanUpBeside: true, track: true, tempDir: context.hostTempDir,
    ...(context.now ? { now: context.now } : {}), ...(context.timeoutMs !== undefined ? { timeoutMs: context.timeoutMs } : {}), signal: context.signal,
  });
}

/**
 * Each target's spares brought up to its replica, started now: the cycle takes the snapshot on the
 * source meanwhile (on two machines the two run side by side, not one after the other). A target whose
 * preparation failed is shipped without (pushSnapshot prepares what is not ready, and says why it fails).
 */
type Prepared = Promise<{ ready: ReadonlyMap<string, string | undefined>; ms: number }>;

/**
 * Each target's spares prepared (see Prepared), given the generations the cache of `source` can ship
 * changed pages from: a spare at one of them is left as it is (the pages catch it up), the others are
 * brought up to their replica. Read before the snapshot starts, which marks the cache as being written.
 */
async function prepareTargets(context: ReplicationContext, service: string, source: string, targets: readonly string[]): Promise<Map<string, Prepared>> {
  const data = context.doc.services[service]?.data ?? [];
  const usable = new Map<number, string[]>();
  for (const [index, item] of data.entries()) {
    if ("sqlite" in item) usable.set(index, usableFrom(await readCacheState(join(cacheOf(context, service, source), DATA_DIR, `${index}-sqlite`), basename(item.sqlite))));
  }
  return new Map(targets.map((host): [string, Prepared] => {
    const access = context.hosts(host);
    const started = performance.now();
    const spares = sparesFor(service, data, rootOf(context.doc, service, host)).map((spare) => ({ ...spare, usable: usable.get(spare.index) }));
    const ready = isHostFailure(access)
      ? Promise.resolve(new Map<string, string | undefined>())
      : prepareSpares(access, spares, { ...(context.timeoutMs !== undefined ? { timeoutMs: context.timeoutMs } : {}), signal: context.signal }).catch(() => new Map<string, string | undefined>());
    return [host, ready.then((map) => ({ ready: map, ms: performance.now() - started }))];
  }));
}

async function shipTo(context: ReplicationContext, snapshot: HostSnapshot, service: string, source: string, host: string, prepared?: Prepared): Promise<ShipmentResult> {
  try {
    let checkedNow = false;
    snapshot.checked.then(() => (checkedNow = true), () => undefined);
    const early = await prepared;
    const pushed = await pushSnapshot({ snapshot, to: accessOrThrow(context, host), root: rootOf(context.doc, service, host), prepared: early?.ready, deltas: snapshot.deltas, beforeSwap: () => snapshot.checked, swapNow: () => checkedNow, ...(context.timeoutMs !== undefined ? { timeoutMs: context.timeoutMs } : {}), signal: context.signal });
    const wireBytes = snapshot.wireBytes + pushed.wireBytes;
    const replica: ReplicaRecord = {
      service, host, snapshot_id: snapshot.manifest.id, data_time: snapshot.manifest.created_at,
      shipped_at: (context.now ?? (() => new Date()))().toISOString(), source, wire_bytes: wireBytes,
    };
    await recordReplica(context.dataDir, replica);
    return { ok: true, host, source, snapshotId: snapshot.manifest.id, files: pushed.files, wireBytes, hops: { pulled: snapshot.wireBytes, pushed: pushed.wireBytes, ms: { ...snapshot.timings, check: (await snapshot.checked).ms, spares: early?.ms ?? 0, ...pushed.timings }, how: { pulled: snapshot.pulls, shipped: pushed.shipped } }, replica };
  } catch (error) {
    return { ok: false, host, source, snapshotId: snapshot.manifest.id, ...errorOf(error) };
  }
}

/** One replication cycle of `service`: one result per target (none when there is nothing to ship to). */
export function replicateService(service: string, context: ReplicationContext): Promise<ShipmentResult[]> {
  return serialised(service, async () => {
    const mayReceive = (svc: string, host: string) => host !== context.activeHost(svc) && (context.mayReceive?.(svc, host) ?? true);
    const { source, targets } = replicationPlan(context.doc, service, context.activeHost(service), mayReceive);
    if (source === undefined || targets.length === 0) return [];
    const prepared = await prepareTargets(context, service, source, targets);
    let snapshot: HostSnapshot;
    try {
      snapshot = await snapshotFrom(context, service, source);
    } catch (error) {
      await Promise.all(prepared.values());
      const failed = errorOf(error);
      return targets.map((host): ShipmentResult => ({ ok: false, host, source, ...failed, message: `snapshot on ${source}: ${failed.message}` }));
    }
    const results: ShipmentResult[] = [];
    for (const host of targets) {
      // The active host may have moved while the snapshot was taken: never ship onto the new one.
      const active = context.activeHost(service) ?? context.doc.services[service]?.primary;
      if (!mayReceive(service, host) || active !== source) {
        results.push({ ok: false, host, source, snapshotId: snapshot.manifest.id, kind: "refused", message: `not shipped to ${host}: ${active === host ? `${host} serves ${service} now` : active !== source ? `${service} moved from ${source} to ${active} during the cycle; the next cycle ships from ${active}` : `${host} may not receive ${service} now`}` });
        continue;
      }
      results.push(await shipTo(context, snapshot, service, source, host, prepared.get(host)));
    }
    // The source's temporary folder was being removed meanwhile (and a target left out may still be
    // preparing its spare); the caller closes the connections next.
    // (and the copy's check may still run, when no target was shipped to): the next cycle writes the cache.
    await Promise.all([snapshot.settled, snapshot.checked.catch(() => undefined), ...prepared.values()]);
    return results;
  });
}

/**
 * The planned move's sync step (switchover, failback): called after `from` is fenced, takes a snapshot
 * on `from` and ships it to `to` (refused if a process on `to` has the data open). The replica record
 * it returns is what the promote step checks: its data_time is the snapshot's, taken after the fence,
 * so nothing acknowledged before the fence is missing from it.
 */
export function shipFinalSnapshot(service: string, from: string, to: string, context: Omit<ReplicationContext, "activeHost" | "mayReceive">): Promise<ShipmentResult> {
  return serialised(service, async () => {
    if (from === to) return { ok: false, host: to, source: from, kind: "refused", message: `a final sync of ${service} from ${from} to itself makes no sense` };
    const prepared = (await prepareTargets({ ...context, activeHost: () => from }, service, from, [to])).get(to);
    let snapshot: HostSnapshot;
    try {
      snapshot = await snapshotFrom({ ...context, activeHost: () => from }, service, from);
    } catch (error) {
      await prepared;
      const failed = errorOf(error);
      return { ok: false, host: to, source: from, ...failed, message: `final snapshot of ${service} on ${from}: ${failed.message}` };
    }
    try {
      return await shipTo({ ...context, activeHost: () => from }, snapshot, service, from, to, prepared);
    } finally {
      await snapshot.settled;
    }
  });
}

/**
 * shipFinalSnapshot with the hosts reached as the config says (src/hosts/host-for.ts), the connections
 * closed afterwards: what the failover's sync step calls with the agent's config, env and data folder.
 */
export async function finalSync(service: string, from: string, to: string, options: { doc: ConfigDocument; dataDir: string; env: NodeJS.ProcessEnv; self?: string | undefined; connectTimeoutMs?: number | undefined; signal?: AbortSignal | undefined; now?: () => Date; hostTempDir?: string | undefined }): Promise<ShipmentResult> {
  const pool = new HostAccessPool(options.doc, { env: options.env, self: options.self, connectTimeoutMs: options.connectTimeoutMs, scratchDir: join(options.dataDir, "staging") });
  try {
    return await shipFinalSnapshot(service, from, to, { doc: options.doc, dataDir: options.dataDir, hosts: (host) => pool.get(host), signal: options.signal, hostTempDir: options.hostTempDir ?? hostTempDirOf(options.env), ...(options.now ? { now: options.now } : {}) });
  } finally {
    await pool.close();
  }
}
