// The one part of runbooks that reads the world: the newest complete snapshot of each service with a
// `backup:` block, from its targets, so that the restore step can name it by id. Opt-in from the CLI
// (`--snapshots`), because committed runbooks checked in CI must not change with every nightly backup.
import type { ConfigDocument } from "../config/schema.js";
import { closeTargets, openTargets, type TargetEntries } from "../backup/catalog.js";
import type { SnapshotFact } from "./context.js";

export interface LatestSnapshots {
  snapshots: Map<string, SnapshotFact>;
  /** Targets that could not be read, as one sentence each (no secret). */
  problems: string[];
}

export async function latestSnapshots(doc: ConfigDocument, env: NodeJS.ProcessEnv): Promise<LatestSnapshots> {
  const snapshots = new Map<string, SnapshotFact>();
  const problems: string[] = [];
  const wanted = [...new Set(Object.values(doc.services).flatMap((service) => service.backup?.to ?? []))].sort();
  if (wanted.length === 0) return { snapshots, problems };
  const targets = await openTargets(doc.backup_targets as TargetEntries, env, wanted);
  try {
    for (const { name, target } of targets) {
      try {
        for (const info of await target.list()) {
          const known = snapshots.get(info.service);
          // Targets list oldest first; across targets the later creation time wins, then the id.
          if (!known || info.created_at > known.created_at || (info.created_at === known.created_at && info.id > known.id)) {
            snapshots.set(info.service, { id: info.id, target: name, created_at: info.created_at });
          }
        }
      } catch (error) {
        problems.push(`${name}: ${(error as Error).message}`);
      }
    }
  } finally {
    await closeTargets(targets);
  }
  return { snapshots, problems };
}
