// GET /api/backups: the snapshots on every configured backup target (src/backup/catalog.ts) and the
// age of each standby's replica against the service's RPO (src/backup/replica-state.ts). Listing a
// remote target costs a connection, so the answer is kept for 30 s; a target that cannot be listed is
// named in `note` and the others still answer.
import { closeTargets, openTargets } from "../backup/catalog.js";
import { replicaAge } from "../backup/replica-state.js";
import type { ConfigDocument } from "../config/schema.js";
import type { BackupsView } from "./deps.js";

const KEEP_MS = 30_000;

export function backupsCatalogue(config: () => ConfigDocument, dataDir: string, env: NodeJS.ProcessEnv, now: () => number): () => Promise<BackupsView> {
  let cached: { at: number; config: ConfigDocument; view: Promise<BackupsView> } | undefined;
  return () => {
    const current = config();
    if (cached && cached.config === current && now() - cached.at < KEEP_MS) return cached.view;
    const view = read(current, dataDir, env, now());
    cached = { at: now(), config: current, view };
    return view;
  };
}

async function read(config: ConfigDocument, dataDir: string, env: NodeJS.ProcessEnv, at: number): Promise<BackupsView> {
  const problems: string[] = [];
  const snapshots: BackupsView["snapshots"] = [];
  const entries = (config.backup_targets ?? {}) as Parameters<typeof openTargets>[0];
  for (const name of Object.keys(entries)) {
    try {
      const [target] = await openTargets(entries, env, [name]);
      try {
        for (const info of await target!.target.list()) snapshots.push({ id: info.id, service: info.service, host: info.host, created_at: info.created_at, bytes: info.bytes, target: name });
      } finally {
        await closeTargets([target!]);
      }
    } catch (error) {
      problems.push(`target ${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const replicas: BackupsView["replicas"] = [];
  for (const [service, doc] of Object.entries(config.services)) {
    for (const replica of await replicaAge(service, { dataDir, now: new Date(at) }).catch(() => [])) {
      replicas.push({ ...replica, rpo_ms: doc.target?.rpo ?? null });
    }
  }
  snapshots.sort((a, b) => b.created_at.localeCompare(a.created_at));
  return { snapshots, replicas, ...(problems.length > 0 ? { note: problems.join("; ") } : {}) };
}
