// The config keys of backups and replication (wired into src/config/schema.ts):
//   services.X.backup:    { to: TARGET | [TARGETS], schedule: "0 3 * * *", keep: {…}, max_age: 2d }
//   services.X.replicate: { to: standby | [HOSTS], every: 1m, root: / }
//   backup_targets:       { NAME: { local: {…} } | { sftp: {…} } | { restic: {…} } }
// Each target kind's own schema lives with the kind (targets/*.ts). Cross-field checks: checkBackupRules.
import { z } from "zod";
import { durationSchema } from "../config/duration.js";
import { targetKinds } from "./targets/registry.js";

const TARGET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const oneOrMany = (item: z.ZodString) => z.union([item, z.array(item).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));

export const keepSchema = z
  .strictObject({
    last: z.number().int().min(0).optional().describe("Keep the newest N snapshots."),
    hourly: z.number().int().min(0).optional().describe("Keep the newest snapshot of each of the last N hours that have one."),
    daily: z.number().int().min(0).optional(),
    weekly: z.number().int().min(0).optional(),
    monthly: z.number().int().min(0).optional(),
  })
  .describe("Retention, as restic's forget --keep-*: a snapshot is kept when any rule keeps it.");
export type KeepPolicy = z.output<typeof keepSchema>;

export const backupSchema = z
  .strictObject({
    to: oneOrMany(z.string().regex(TARGET_NAME)).describe("The backup target(s), by name in backup_targets."),
    schedule: z.string().default("0 3 * * *").describe('When the agent backs up, as cron ("0 3 * * *": daily at 03:00).'),
    keep: keepSchema.prefault({ last: 7, daily: 7, weekly: 4, monthly: 6 }),
    max_age: durationSchema.optional().describe("Alert when the newest complete snapshot is older than this."),
    restore_test: z.string().optional().describe('When the agent restores the newest snapshot into a temporary folder and verifies it, as cron ("0 4 * * 0").'),
    timezone: z.string().optional().describe("IANA time zone of schedule and restore_test; default the agent host's own."),
    push: z.string().optional().describe("A push check's token the agent beats after each successful backup (a plain id or a secret reference)."),
  })
  .describe("Backups of the service's data.");

export const replicateSchema = z
  .strictObject({
    to: z.union([z.literal("standby"), z.array(z.string().regex(TARGET_NAME)).min(1)]).default("standby").describe('"standby" (every standby host) or a list of hosts.'),
    every: durationSchema.prefault("1m").describe("How often the latest consistent snapshot is shipped."),
    root: z.string().startsWith("/").default("/").describe("Where the data paths live on the standby (\"/\": the same paths as on the primary)."),
  })
  .describe("Keeps the standby's copy of the data fresh (warm standby: its service stays stopped).");

/** Spread into the service schema. */
export const serviceBackupShape = {
  backup: backupSchema.optional(),
  replicate: replicateSchema.optional(),
};

const targetKeys = Object.fromEntries(targetKinds.map((kind) => [kind.kind, kind.schema.optional()]));
export const backupTargetSchema = z
  .strictObject(targetKeys)
  .describe(`A backup target: exactly one of ${targetKinds.map((kind) => kind.kind).join(", ")}.`);

export const backupTargetsSchema = z
  .record(z.string().regex(TARGET_NAME), backupTargetSchema)
  .default({})
  .describe("Where backups go, by name.");

export type BackupConfig = z.output<typeof backupSchema>;
export type ReplicateConfig = z.output<typeof replicateSchema>;
