// `understudy backup run|list|verify|prune`: consistent snapshots of services' data to their targets,
// the catalogue of complete snapshots, re-reading them against their manifests, and retention.
// Expected failures (a wrong password, an unreachable host, damage, an unknown name) exit 2 with a
// message that says what to do; a run where a target failed exits 1.
import { dirname, join } from "node:path";
import { loadConfig } from "../config/load.js";
import type { ConfigDocument } from "../config/schema.js";
import { ConfigError } from "../config/diagnostics.js";
import { didYouMean } from "../config/suggest.js";
import { resolveDataDir, storePathIn } from "../store/data-dir.js";
import { openStore } from "../store/db.js";
import { readActiveHost } from "../failover/active-host.js";
import { isHostFailure } from "../hosts/host-access.js";
import { HostAccessPool } from "../hosts/host-for.js";
import { kindOf } from "../backup/replicate.js";
import { rootOf, sourceHostOf } from "../backup/replication.js";
import { BackupError } from "../backup/errors.js";
import { closeTargets, findSnapshot, openTargets } from "../backup/catalog.js";
import type { NamedTarget, TargetEntries } from "../backup/catalog.js";
import type { SnapshotInfo } from "../backup/target.js";
import { runBackup } from "../backup/run.js";
import { verifyStored } from "../backup/verify.js";
import { applyRetention } from "../backup/retention.js";
import { serviceOfId } from "../backup/snapshot-id.js";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { colors, terminalWidth, UsageError, writeLine } from "./io.js";
import type { Io } from "./io.js";
import { CONFIG_OPTION, configPath, parseFlags, parseFormat } from "./options.js";
import { textTable } from "./table.js";
import { backupProgress } from "./backup-progress.js";

export const usage = `Usage: understudy backup <run|list|verify|prune> [options]

  run [SERVICE]       snapshot SERVICE's data (every service with backup: when omitted) to its targets
  list [SERVICE]      complete snapshots on every target, oldest first (--format table|json)
  verify [ID]         re-read snapshot ID (the newest of each service when omitted) against its manifest
                      and integrity_check its SQLite copies
  prune [--dry-run]   remove snapshots the services' keep: rules no longer keep

  --target NAME       only this target (from backup_targets)
  --config FILE       the config (default: $UNDERSTUDY_CONFIG or ./understudy.yaml)`;

interface Context {
  doc: ConfigDocument;
  entries: TargetEntries;
  dataDir: string;
  io: Io;
  target: string | undefined;
}

export async function backup(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...CONFIG_OPTION, target: { type: "string" }, "dry-run": { type: "boolean" }, format: { type: "string", short: "f" } }, usage, true);
  const [action, argument, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected ${extra.join(" ")}`, usage);
  const actions: Record<string, (context: Context, argument: string | undefined, flags: typeof values) => Promise<number>> = { run, list, verify, prune };
  if (action === undefined || !Object.hasOwn(actions, action)) {
    throw new UsageError(action === undefined ? "which backup action? run, list, verify or prune" : `unknown action "${action}"${didYouMean(action, Object.keys(actions))}`, usage);
  }
  const file = configPath(values.config, io.env);
  const loaded = loadConfig(file);
  if (!loaded.ok) throw new ConfigError(loaded.diagnostics);
  const doc = loaded.config;
  const context: Context = { doc, entries: doc.backup_targets as TargetEntries, dataDir: resolveDataDir(doc.agents.data_dir, io.env, dirname(file)), io, target: values.target };
  try {
    return await actions[action]!(context, argument, values);
  } catch (error) {
    if (error instanceof BackupError) throw new UsageError(error.message);
    throw error;
  }
}

function mustBeService(doc: ConfigDocument, name: string): void {
  if (!Object.hasOwn(doc.services, name)) {
    const names = Object.keys(doc.services);
    throw new BackupError("not_found", `unknown service "${name}"${didYouMean(name, names)}; services are: ${names.join(", ")}`);
  }
}

async function withTargets<T>(context: Context, names: readonly string[] | undefined, use: (targets: NamedTarget[]) => Promise<T>): Promise<T> {
  const targets = await openTargets(context.entries, context.io.env, context.target === undefined ? names : [context.target]);
  try {
    return await use(targets);
  } finally {
    await closeTargets(targets);
  }
}

/** The active host the agent's store records for a service (after a failover); none without a store. */
function activeHostIn(dataDir: string, service: string): string | undefined {
  const path = storePathIn(dataDir);
  if (!existsSync(path)) return undefined;
  const store = openStore(path);
  try {
    return readActiveHost(store, service);
  } finally {
    store.close();
  }
}

async function run(context: Context, service: string | undefined): Promise<number> {
  const { doc, io } = context;
  if (service !== undefined) mustBeService(doc, service);
  const names = service !== undefined ? [service] : Object.keys(doc.services).filter((name) => doc.services[name]!.backup !== undefined);
  if (names.length === 0) throw new BackupError("not_found", "no service has backup: configured; add backup: { to: TARGET } to a service with data:");
  const c = colors(io);
  let failed = 0;
  const staging = join(context.dataDir, "staging");
  await mkdir(staging, { recursive: true, mode: 0o700 });
  for (const name of names) {
    const config = doc.services[name]!;
    if (config.data.length === 0) throw new BackupError("not_found", `${name} has no data: to back up`);
    if (config.backup === undefined && context.target === undefined) throw new BackupError("not_found", `${name} has no backup: configured; add backup: { to: TARGET } or pass --target NAME`);
    // Read where the data lives: the host serving it now (the agent's store says, after a failover),
    // locally or over SSH, as the agent's scheduled backups do.
    const hostName = sourceHostOf(doc, name, (svc) => activeHostIn(context.dataDir, svc));
    const hosts = new HostAccessPool(doc, { env: io.env, scratchDir: staging });
    const result = await (async () => {
      const access = hostName === undefined ? undefined : hosts.get(hostName);
      if (access !== undefined && isHostFailure(access)) throw new BackupError(access.reason === "config" ? "source" : kindOf(access), `cannot read the data of ${name} on ${hostName}: ${access.message}`);
      const source = access && hostName !== undefined ? { access, root: rootOf(doc, name, hostName) } : undefined;
      const display = backupProgress(io, name);
      return withTargets(context, config.backup?.to, (targets) =>
        runBackup({ service: name, data: config.data, targets, stagingRoot: staging, source, onSnapshotProgress: display.snapshot, onProgress: display.store }));
    })().finally(() => hosts.close());
    for (const stored of result.stored) {
      if (stored.ok) writeLine(io.stdout, `${c.green("✓")} ${result.manifest.id} → ${stored.target}`);
      else {
        failed++;
        writeLine(io.stdout, `${c.red("✗")} ${result.manifest.id} → ${stored.target}: ${stored.error.message}`);
      }
    }
  }
  return failed === 0 ? 0 : 1;
}

async function list(context: Context, service: string | undefined, flags: { format?: string | undefined }): Promise<number> {
  const format = parseFormat(flags.format, usage, ["table", "json"]);
  if (service !== undefined) mustBeService(context.doc, service);
  const rows = await withTargets(context, undefined, async (targets) => {
    const all = [];
    for (const { name, target } of targets) {
      for (const info of await target.list()) if (service === undefined || info.service === service) all.push({ target: name, ...info });
    }
    return all;
  });
  if (format === "json") writeLine(context.io.stdout, JSON.stringify({ snapshots: rows }, null, 2));
  else if (rows.length === 0) writeLine(context.io.stdout, "No complete snapshots.");
  else writeLine(context.io.stdout, textTable(["id", "service", "target", "taken", "size"], rows.map((r) => [r.id, r.service, r.target, r.created_at.replace(/\.\d+Z$/, "Z"), `${(r.bytes / 1e6).toFixed(1)} MB`]), terminalWidth(context.io)));
  return 0;
}

async function verify(context: Context, id: string | undefined): Promise<number> {
  const { io } = context;
  const c = colors(io);
  return withTargets(context, undefined, async (targets) => {
    const jobs: Array<{ target: NamedTarget; id: string }> = [];
    if (id !== undefined) {
      const found = await findSnapshot(targets, id);
      jobs.push({ target: found, id });
    } else {
      for (const target of targets) {
        const newest = new Map<string, string>();
        for (const info of await target.target.list()) newest.set(info.service, info.id);
        for (const snapshotId of newest.values()) jobs.push({ target, id: snapshotId });
      }
    }
    if (jobs.length === 0) throw new BackupError("not_found", "no complete snapshots to verify; run `understudy backup run` first");
    let damaged = 0;
    for (const job of jobs) {
      const result = await verifyStored(job.target.target, job.id);
      if (result.ok) writeLine(io.stdout, `${c.green("✓")} ${job.id} on ${job.target.name}: ${result.files} files, ${(result.bytes / 1e6).toFixed(1)} MB, every SQLite copy ok`);
      else {
        damaged++;
        writeLine(io.stdout, `${c.red("✗")} ${job.id} on ${job.target.name} is damaged:\n${result.problems.map((p) => `    ${p}`).join("\n")}`);
      }
      for (const note of result.notes) writeLine(io.stdout, `    ${c.yellow("!")} ${note}`);
    }
    // A damaged snapshot is bad input from the world, as a wrong password is: exit 2.
    return damaged === 0 ? 0 : 2;
  });
}

async function prune(context: Context, _argument: string | undefined, flags: { "dry-run"?: boolean | undefined }): Promise<number> {
  const { doc, io } = context;
  const dryRun = flags["dry-run"] === true;
  return withTargets(context, undefined, async (targets) => {
    let removed = 0;
    for (const { name, target } of targets) {
      const byService = new Map<string, SnapshotInfo[]>();
      for (const info of await target.list()) {
        const service = info.service || serviceOfId(info.id) || "";
        byService.set(service, [...(byService.get(service) ?? []), info]);
      }
      for (const [service, snapshots] of byService) {
        const keep = doc.services[service]?.backup?.keep;
        if (keep === undefined) continue; // a service no longer configured: keep its snapshots, a person decides
        for (const snapshot of applyRetention(snapshots, keep).remove) {
          writeLine(io.stdout, `${dryRun ? "would remove" : "removing"} ${snapshot.id} from ${name}`);
          if (!dryRun) await target.remove(snapshot.id);
          removed++;
        }
      }
    }
    writeLine(io.stdout, removed === 0 ? "Nothing to prune." : `${removed} snapshot${removed === 1 ? "" : "s"} ${dryRun ? "would be" : ""} removed.`.replace("  ", " "));
    return 0;
  });
}
