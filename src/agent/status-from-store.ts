// The status when no agent answers: the last stored result of every check and the open incidents, read
// from the data directory without creating anything there. Health and instance states stay "unknown":
// they are verdicts, and only a running agent has them. Replica ages come from the replica records.
import { existsSync } from "node:fs";
import type { Topology } from "../model/topology.js";
import { storePathIn } from "../store/data-dir.js";
import { openStore } from "../store/db.js";
import { deliveriesOf } from "../store/deliveries.js";
import { listIncidents } from "../store/incidents.js";
import { readResults } from "../store/results.js";
import { readReplicaRecordsSync } from "../backup/replica-state.js";
import { buildStatus, type AgentStatus } from "./status.js";
import { AGENT_VERSION } from "./version.js";

/** undefined when the data directory holds no store yet (no agent ever ran with it). */
export function statusFromStore(topology: Topology, dataDir: string, now: number): AgentStatus | undefined {
  const path = storePathIn(dataDir);
  if (!existsSync(path)) return undefined;
  const store = openStore(path);
  try {
    return buildStatus({
      topology,
      source: "store",
      agent: { name: topology.agents.name ?? "", version: AGENT_VERSION, started_at: null, uptime_s: null },
      lastResult: (check) => {
        const [last] = readResults(store, { check }, 0, now + 1, 1);
        return last ? { at: last.at, ok: last.ok, reason: last.reason, message: last.message ?? (last.ok ? "passed" : ""), latencyMs: last.latencyMs } : undefined;
      },
      incidents: listIncidents(store, { open: true }),
      deliveries: (id) => deliveriesOf(store, id),
      replicas: readReplicaRecordsSync(dataDir),
      now,
    });
  } finally {
    store.close();
  }
}
