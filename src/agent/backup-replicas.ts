// How fresh each standby's replica is, per service and host, against the service's `target.rpo`:
// what the backup scheduler alerts on and /metrics exports. The ages come from the replica record
// that replication writes (src/backup/replica-state.ts); the receiving hosts follow the active host
// (after a failover the old primary is one). A host nothing was ever shipped to counts
// from when the agent started watching, so a replica that never arrives is noticed too.
import type { ConfigDocument } from "../config/schema.js";
import { replicaAge, type ReplicaAge } from "../backup/replica-state.js";
import { dataHosts } from "../backup/replication.js";

export interface ReplicaSource {
  ages(service: string, now: number): Promise<ReplicaAge[]>;
}

export function fileReplicaSource(dataDir: string): ReplicaSource {
  return { ages: (service, now) => replicaAge(service, { dataDir, now: new Date(now) }) };
}

export interface ReplicaStatus {
  service: string;
  host: string;
  /** Whether anything was ever shipped there. */
  shipped: boolean;
  ageMs: number;
  rpoMs: number | undefined;
  /** Older than the RPO. */
  late: boolean;
}

/**
 * Every replicated service's receiving hosts (every host holding its data but the active one), with
 * their replica's age; `since` stands in for a replica never shipped.
 */
export async function replicaStatuses(doc: ConfigDocument, source: ReplicaSource, now: number, since: number, activeHost?: (service: string) => string | undefined): Promise<ReplicaStatus[]> {
  const statuses: ReplicaStatus[] = [];
  for (const [service, config] of Object.entries(doc.services)) {
    if (config.replicate === undefined) continue;
    const active = activeHost?.(service) ?? config.primary;
    const hosts = dataHosts(doc, service).filter((host) => host !== active);
    const ages = await source.ages(service, now);
    const rpoMs = config.target?.rpo;
    for (const host of hosts) {
      const record = ages.find((age) => age.host === host);
      const ageMs = record ? record.age_ms : Math.max(0, now - since);
      statuses.push({ service, host, shipped: record !== undefined, ageMs, rpoMs, late: rpoMs !== undefined && ageMs > rpoMs });
    }
  }
  return statuses;
}
