// `understudy restore SNAPSHOT --to DIR [--no-verify] [--force] [--keep-setuid]`: puts a snapshot's
// databases and paths back under DIR at their source paths (`--to /` restores in place). Nothing under
// DIR changes until the snapshot has been fetched whole and checked against its manifest (verification
// is the default; --no-verify is for a damaged snapshot that must be restored anyway), and nothing
// outside DIR is ever written: a manifest whose paths try is refused, naming the entry.
import { loadConfig } from "../config/load.js";
import { ConfigError } from "../config/diagnostics.js";
import { BackupError } from "../backup/errors.js";
import { closeTargets, findSnapshot, openTargets } from "../backup/catalog.js";
import type { TargetEntries } from "../backup/catalog.js";
import { restoreSnapshot } from "../backup/restore.js";
import { colors, UsageError, writeLine } from "./io.js";
import type { Io } from "./io.js";
import { CONFIG_OPTION, configPath, parseFlags } from "./options.js";

export const usage = `Usage: understudy restore SNAPSHOT --to DIR [--no-verify] [--force] [--keep-setuid] [--target NAME]

  Restores snapshot SNAPSHOT (an id from \`understudy backup list\`) under DIR: each database and path
  at its source path below DIR (--to / puts them back in place), dump outputs in DIR/understudy-dumps/.
  Every file is checked against the manifest and each database integrity_checked before anything is
  placed; a damaged snapshot restores nothing and exits 2. Nothing is written outside DIR.

  --no-verify     restore a damaged snapshot anyway, as it is (its problems are listed)
  --force         restore into a non-empty DIR, replacing the snapshot's paths there
  --keep-setuid   keep recorded setuid/setgid/sticky bits (cleared by default)
  --target NAME   look for the snapshot only on this target
  --verify        the default; accepted for older scripts`;

export async function restore(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...CONFIG_OPTION, to: { type: "string" }, verify: { type: "boolean" }, "no-verify": { type: "boolean" }, "keep-setuid": { type: "boolean" }, force: { type: "boolean" }, target: { type: "string" } }, usage, true);
  const [id, ...extra] = positionals;
  if (id === undefined) throw new UsageError("which snapshot? give its id (see `understudy backup list`)", usage);
  if (extra.length > 0) throw new UsageError(`one snapshot at a time; unexpected ${extra.join(" ")}`, usage);
  if (values.to === undefined) throw new UsageError("where to? --to DIR (an empty folder, or / with --force to restore in place)", usage);
  if (values.verify === true && values["no-verify"] === true) throw new UsageError("--verify and --no-verify contradict each other; give one", usage);
  const loaded = loadConfig(configPath(values.config, io.env));
  if (!loaded.ok) throw new ConfigError(loaded.diagnostics);
  const c = colors(io);
  try {
    const targets = await openTargets(loaded.config.backup_targets as TargetEntries, io.env, values.target === undefined ? undefined : [values.target]);
    try {
      const found = await findSnapshot(targets, id);
      if (io.stderr.isTTY) io.stderr.write(`fetching ${id} from ${found.name}…\n`);
      const result = await restoreSnapshot({ target: found.target, id, to: values.to, force: values.force === true, verify: values["no-verify"] !== true, keepSpecialModes: values["keep-setuid"] === true });
      writeLine(io.stdout, `${c.green("✓")} restored ${id} (${result.manifest.files.length} files from ${result.manifest.host}, taken ${result.manifest.created_at}) under ${result.to}`);
      for (const item of result.manifest.items) writeLine(io.stdout, `    ${item.kind} ${item.source}`);
      if (result.verify) writeLine(io.stdout, result.verify.ok ? `${c.green("✓")} verified: every file matches the manifest, every SQLite copy passes integrity_check` : `${c.red("✗")} ${result.verify.problems.join("; ")}`);
      for (const note of result.notes) writeLine(io.stdout, `${c.yellow("!")} ${note}`);
      if (!result.ownersKept) writeLine(io.stdout, c.dim("owners were not restored (run as root to restore them); modes and mtimes were"));
      return result.verify && !result.verify.ok ? 2 : 0;
    } finally {
      await closeTargets(targets);
    }
  } catch (error) {
    if (error instanceof BackupError) throw new UsageError(error.message);
    throw error;
  }
}
