// The configured targets, opened, and where a snapshot id is: what the CLI (and the agent) use to go
// from names in the config to BackupTarget objects. Unknown names get a did-you-mean.
import { didYouMean } from "../config/suggest.js";
import { BackupError } from "./errors.js";
import { openTarget } from "./targets/registry.js";
import type { BackupTarget, SnapshotInfo } from "./target.js";

export interface NamedTarget {
  name: string;
  target: BackupTarget;
}

export type TargetEntries = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** Opens the named targets (all when `names` is undefined). Close them with closeTargets. */
export async function openTargets(entries: TargetEntries, env: NodeJS.ProcessEnv, names?: readonly string[]): Promise<NamedTarget[]> {
  const all = Object.keys(entries);
  const wanted = names ?? all;
  for (const name of wanted) {
    if (!Object.hasOwn(entries, name)) throw new BackupError("not_found", `unknown backup target "${name}"${didYouMean(name, all)}; targets are: ${all.join(", ") || "(none: add backup_targets to the config)"}`);
  }
  return Promise.all(wanted.map(async (name) => ({ name, target: await openTarget(entries[name]!, { env }) })));
}

export async function closeTargets(targets: readonly NamedTarget[]): Promise<void> {
  await Promise.all(targets.map(({ target }) => target.close()));
}

/**
 * The target holding snapshot `id`. Targets are asked in order; when none has it, the error names the
 * closest id any of them has. A target that cannot be reached is reported if the id is found nowhere.
 */
export async function findSnapshot(targets: readonly NamedTarget[], id: string): Promise<NamedTarget & { info: SnapshotInfo }> {
  const seen: string[] = [];
  const failures: BackupError[] = [];
  for (const named of targets) {
    let list: SnapshotInfo[];
    try {
      list = await named.target.list();
    } catch (error) {
      if (error instanceof BackupError) {
        failures.push(error);
        continue;
      }
      throw error;
    }
    const info = list.find((snapshot) => snapshot.id === id);
    if (info) return { ...named, info };
    seen.push(...list.map((snapshot) => snapshot.id));
  }
  if (failures.length > 0 && seen.length === 0) throw failures[0]!;
  const also = failures.length > 0 ? ` (not searched: ${failures.map((f) => f.message).join("; ")})` : "";
  throw new BackupError("not_found", `no complete snapshot "${id}" in ${targets.map((t) => t.name).join(", ") || "any target"}${didYouMean(id, seen)}${also}; \`understudy backup list\` shows them`);
}
