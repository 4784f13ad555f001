// The restic kind: a backup made outside Understudy is fresh and its repository can be opened.
// Runs `restic snapshots --json` (read-only: --no-lock leaves no lock behind when a run is cut short,
// --no-cache leaves no files) with the password from a secret reference in the environment, never on
// the command line, and judges the newest snapshot matching path/host/tag against `max_age`.
// On timeout the whole process group is killed (restic may have started ssh for an sftp: repository).
import { spawn } from "node:child_process";
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import { durationSchema, formatDuration } from "../config/duration.js";
import { defineProbe } from "./probe.js";
import { resolveValues, secretValueSchema } from "./secret-value.js";
import { failed, passed, raceAbort, stopwatch, timedOut } from "./result.js";

const listOf = (item: z.ZodString) => z.union([item, z.array(item).min(1)]).transform((value) => (Array.isArray(value) ? value : [value]));

export const resticSchema = z
  .strictObject({
    repository: z.string().min(1).describe('The repository as restic names it: "/srv/restic", "sftp:user@host:/srv/restic", "rest:https://…", "s3:…".'),
    password: secretRef.describe('The repository password: "env:NAME" or "file:/path".'),
    max_age: durationSchema.describe('Fail when the newest matching snapshot is older than this, e.g. "26h" for a nightly backup.'),
    path: listOf(z.string().min(1))
      .optional()
      .describe("Only snapshots that include this absolute path (or all of these paths), as restic's --path matches them."),
    host: z.string().min(1).optional().describe("Only snapshots taken on this host (restic's --host)."),
    tag: listOf(z.string().min(1).regex(/^[^,]+$/, { message: "a tag cannot contain a comma" }))
      .optional()
      .describe("Only snapshots carrying this tag (or all of these tags)."),
    env: z
      .record(z.string(), secretValueSchema)
      .default({})
      .describe('Extra environment for restic, e.g. a backend\'s credentials: { AWS_SECRET_ACCESS_KEY: { secret: "file:/run/secrets/aws" } }.'),
    binary: z.string().default("restic").describe("The restic executable. Default restic."),
  })
  .describe("A restic repository check: { repository, password, max_age, path, host, tag, env, binary }.");

export type ResticSpec = z.output<typeof resticSchema>;

interface ResticSnapshot {
  time: string;
  short_id?: string;
  hostname?: string;
  paths?: string[];
  tags?: string[];
}

type Ran = { exitCode: number | null; stdout: string; stderr: string } | { startError: NodeJS.ErrnoException };

function runRestic(binary: string, args: string[], env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(binary, args, { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    };
    signal.addEventListener("abort", killGroup, { once: true });
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk.slice(0, 64 * 1024)));
    child.on("error", (error) => {
      signal.removeEventListener("abort", killGroup);
      resolve({ startError: error });
    });
    child.once("close", (exitCode) => {
      signal.removeEventListener("abort", killGroup);
      resolve({ exitCode, stdout, stderr });
    });
  });
}

export function snapshotArgs(spec: ResticSpec): string[] {
  const args = ["snapshots", "--json", "--no-lock", "--no-cache", "--latest", "1"];
  for (const path of spec.path ?? []) args.push("--path", path);
  if (spec.host !== undefined) args.push("--host", spec.host);
  if (spec.tag !== undefined) args.push("--tag", spec.tag.join(","));
  return args;
}

function filters(spec: ResticSpec): string {
  const parts = [
    ...(spec.path === undefined ? [] : [`path ${spec.path.join(", ")}`]),
    ...(spec.host === undefined ? [] : [`host ${spec.host}`]),
    ...(spec.tag === undefined ? [] : [`tag ${spec.tag.join(", ")}`]),
  ];
  return parts.length === 0 ? "" : ` with ${parts.join(" and ")}`;
}

/** Why restic failed, as a reason and a phrase, from its exit code (restic ≥ 0.17) or its message (older). */
function explainFailure(exitCode: number | null, stderr: string): { reason: string; text: string } {
  const said = stderr.trim().split("\n").filter(Boolean).slice(-2).join(" ") || `exit code ${exitCode}`;
  if (exitCode === 12 || /wrong password|no key found/i.test(stderr)) return { reason: "auth", text: "refused the password (wrong password or no key found)" };
  // A remote backend's network failure, in Go's words, given the reasons the other kinds give.
  // The line quoted is the one that says it (restic adds "Is there a repository…" lines after it).
  const network = (reason: string, why: string, pattern: RegExp) => {
    const line = stderr.split("\n").find((text) => pattern.test(text))?.replace(/^Fatal: /, "").trim() ?? said;
    return { reason, text: `could not be reached: ${why} (${line})` };
  };
  if (/\blookup \S+/.test(stderr)) return network("dns", "its host name did not resolve", /\blookup \S+/);
  if (/connection refused/.test(stderr)) return network("refused", "connection refused", /connection refused/);
  if (/dial \w+ \S+: connect: /.test(stderr)) return network("unreachable", "no route to the host", /dial \w+ \S+: connect: /);
  if (/i\/o timeout/.test(stderr)) return network("timeout", "the connection timed out", /i\/o timeout/);
  if (exitCode === 10 || /Is there a repository|unable to open (config|repository)|unable to start the sftp/i.test(stderr)) {
    return { reason: "unreachable", text: `could not be opened: is it a restic repository, and reachable? (${said})` };
  }
  return { reason: "error", text: `could not be read: restic said ${JSON.stringify(said)}` };
}

export const restic = defineProbe({
  kind: "restic",
  schema: resticSchema,
  describe: (spec) => `restic ${spec.repository}${filters(spec)}`,
  async run(spec, ctx) {
    const elapsed = stopwatch();
    const target = `restic ${spec.repository}`;
    let env: NodeJS.ProcessEnv;
    try {
      const extra = await resolveValues(spec.env, ctx);
      const password = await ctx.secret(spec.password);
      const { RESTIC_PASSWORD_FILE: _file, RESTIC_PASSWORD_COMMAND: _command, ...inherited } = process.env;
      env = { ...inherited, ...extra, RESTIC_REPOSITORY: spec.repository, RESTIC_PASSWORD: password };
    } catch (error) {
      return failed("secret", `${target} was not opened: ${(error as Error).message}.`, elapsed());
    }
    const ran = await raceAbort(ctx.signal, runRestic(spec.binary, snapshotArgs(spec), env, ctx.signal), () => undefined);
    const latencyMs = elapsed();
    if (ran === undefined || ctx.signal.aborted) return timedOut(target, ctx, latencyMs);
    if ("startError" in ran) {
      const why = ran.startError.code === "ENOENT" ? `${spec.binary} was not found (apt-get install -y restic)` : ran.startError.message;
      return failed("error", `${target} was not opened: ${why}.`, latencyMs);
    }
    if (ran.exitCode !== 0) {
      const { reason, text } = explainFailure(ran.exitCode, ran.stderr);
      return failed(reason, `${target} ${text}.`, latencyMs);
    }
    let snapshots: ResticSnapshot[];
    try {
      snapshots = (JSON.parse(ran.stdout) as ResticSnapshot[]).filter((s) => typeof s?.time === "string" && !Number.isNaN(Date.parse(s.time)));
    } catch {
      return failed("error", `${target} answered, but restic's snapshot list is not the JSON expected.`, latencyMs);
    }
    const newest = snapshots.sort((a, b) => Date.parse(b.time) - Date.parse(a.time))[0];
    if (newest === undefined) return failed("no_snapshot", `${target} opened, but holds no snapshot${filters(spec)}.`, latencyMs);
    const ageMs = ctx.now() - Date.parse(newest.time);
    const details = {
      snapshot: newest.short_id,
      time: new Date(Date.parse(newest.time)).toISOString(),
      age_s: Math.round(ageMs / 1000),
      hostname: newest.hostname,
      paths: newest.paths,
    };
    const age = formatDuration(Math.max(0, Math.round(ageMs / 1000) * 1000));
    if (ageMs > spec.max_age) {
      return failed("stale", `${target}: the newest snapshot${filters(spec)} (${newest.short_id ?? "?"}) is ${age} old, older than max_age ${formatDuration(spec.max_age)}.`, latencyMs, details);
    }
    return passed(`${target}: the newest snapshot${filters(spec)} (${newest.short_id ?? "?"}) is ${age} old, within ${formatDuration(spec.max_age)}.`, latencyMs, details);
  },
});
