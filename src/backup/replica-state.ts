// The record of what each standby holds: per service and host, the snapshot last shipped and when.
// Kept as one JSON file in the agent's data folder, written atomically. `replicaAge` is what the
// failover promote step calls: it refuses a replica older than the service's RPO unless forced.
import { readFileSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../fs/atomic-file.js";

export const REPLICA_STATE_FILE = "replicas.json";

export interface ReplicaRecord {
  service: string;
  host: string;
  snapshot_id: string;
  /** When the snapshot was taken: the point in time the standby's data is from. */
  data_time: string;
  /** When it finished arriving on the standby. */
  shipped_at: string;
  /** The host it was taken on (the one serving then); absent in records of older versions. */
  source?: string | undefined;
  /** Bytes that crossed the links for this shipment (rsync's count, both hops). */
  wire_bytes?: number | undefined;
}

export interface ReplicaAge extends ReplicaRecord {
  /** now − data_time: how much the standby would lose if promoted now. Compare with target.rpo. */
  age_ms: number;
}

type State = Record<string, ReplicaRecord>;

async function readState(dataDir: string): Promise<State> {
  try {
    return JSON.parse(await readFile(join(dataDir, REPLICA_STATE_FILE), "utf8")) as State;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
}

/** Every record, read synchronously (a small file): what the status view shows beside each instance. */
export function readReplicaRecordsSync(dataDir: string): ReplicaRecord[] {
  try {
    return Object.values(JSON.parse(readFileSync(join(dataDir, REPLICA_STATE_FILE), "utf8")) as State);
  } catch {
    return [];
  }
}

/** Records a completed shipment (read-modify-write; one replicating agent per data folder). */
export async function recordReplica(dataDir: string, record: ReplicaRecord): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const state = await readState(dataDir);
  state[`${record.service}@${record.host}`] = record;
  await writeFileAtomic(join(dataDir, REPLICA_STATE_FILE), `${JSON.stringify(state, null, 2)}\n`, 0o600);
}

/** The replica record of one host, if any (the failover lifecycle checks a failback target with it). */
export async function replicaOf(service: string, host: string, options: { dataDir: string; now?: Date }): Promise<ReplicaAge | undefined> {
  return (await replicaAge(service, options)).find((age) => age.host === host);
}

/**
 * The age of each standby's replica of `service`, freshest first; empty when nothing was ever
 * shipped (which the promote step must treat as "no replica", not as "fresh").
 */
export async function replicaAge(service: string, options: { dataDir: string; now?: Date }): Promise<ReplicaAge[]> {
  const now = (options.now ?? new Date()).getTime();
  const state = await readState(options.dataDir);
  return Object.values(state)
    .filter((record) => record.service === service)
    .map((record) => ({ ...record, age_ms: Math.max(0, now - Date.parse(record.data_time)) }))
    .sort((a, b) => a.age_ms - b.age_ms);
}
