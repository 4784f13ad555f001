// The check-replica step's view of a standby's data: how old its replica is. The backup work records
// each shipment (src/backup/replica-state.ts); this hook keeps the failover code to one question, so
// tests and other replication schemes can answer it too.
import { replicaAge } from "../backup/replica-state.js";

export interface ReplicaCheck {
  /** Milliseconds of data the standby would lose if promoted now; undefined when nothing was ever shipped. */
  ageMs(service: string, host: string, now: number): Promise<number | undefined>;
}

/** Reads the replica ages the backup replication records in the agent's data directory. */
export function recordedReplicas(dataDir: string): ReplicaCheck {
  return {
    async ageMs(service, host, now) {
      const ages = await replicaAge(service, { dataDir, now: new Date(now) });
      return ages.find((age) => age.host === host)?.age_ms;
    },
  };
}
