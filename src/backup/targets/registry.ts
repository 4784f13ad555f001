// The explicit list of backup target kinds: the only place that knows them all. A target in the
// config is an object with exactly one of these keys; openTarget picks the kind by that key.
import type { BackupTarget, TargetContext, TargetKind } from "../target.js";
import { localTarget } from "./local.js";
import { sftpTarget } from "./sftp.js";
import { resticTarget } from "./restic.js";

export interface AnyTargetKind {
  kind: string;
  schema: TargetKind["schema"];
  open(spec: unknown, context: TargetContext): Promise<BackupTarget>;
}

/** Forgets a kind's spec type: the config schema has already checked the spec against its schema. */
const erase = <S>(kind: TargetKind<S>): AnyTargetKind => ({ kind: kind.kind, schema: kind.schema, open: (spec, context) => kind.open(spec as S, context) });

export const targetKinds: readonly AnyTargetKind[] = [erase(localTarget), erase(sftpTarget), erase(resticTarget)];

/** Opens the target a `backup_targets` entry describes ({ local: {…} } or { sftp: {…} } or { restic: {…} }). */
export function openTarget(entry: Readonly<Record<string, unknown>>, context: TargetContext): Promise<BackupTarget> {
  const kind = targetKinds.find((candidate) => entry[candidate.kind] !== undefined);
  if (!kind) throw new Error(`bug: a backup target without a kind passed validation: ${Object.keys(entry).join(", ")}`);
  return kind.open(entry[kind.kind], context);
}
