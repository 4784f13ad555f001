// The push kind: the target calls us, with healthchecks.io's semantics. A cron job or a backup calls
// the agent's push URL when it finishes (`/push/T`), when it failed (`/push/T/fail`: down at once, the
// body as the reason) and, optionally, when it starts (`/push/T/start`: the end measures the run, and a
// run not ended within `grace` fails). Silence longer than `period` + `grace` means it did not run; with
// `schedule` (cron in `timezone`) instead of `period`, a run is due at the first cron time after the
// last beat, and late once `grace` has passed since (as healthchecks.io's cron checks). The agent's HTTP
// server records signals (push-ping.ts); the probe only reads the last ones from `ctx.heartbeats`.
// Silence is counted from the last beat or, before the first one, from when the agent first knew the
// token (`knownSince`, kept across restarts): a new nightly job is not failed before it could have run.
//
// The token names the heartbeat in the URL (`/push/<token>`). It is either a plain id
// ("nightly-backup", letters, digits, "-" and "_") or a secret reference ("env:NAME", "file:/path")
// when the URL should not be guessable; a reference is resolved when the probe runs and the registry
// is keyed by the resolved value, which never appears in a result.
import { z } from "zod";
import { parseCronSchedule, type CronSchedule } from "../agent/backup-cron.js";
import { formatDuration, durationSchema } from "../config/duration.js";
import { secretRef } from "../config/secret.js";
import { defineProbe } from "./probe.js";
import type { HeartbeatSource, ProbeResult } from "./probe.js";
import { applySignal, bodyExcerpt, type PushPing, type PushSignal } from "./push-ping.js";
import { failed, passed, stopwatch } from "./result.js";

/** Records and answers heartbeats; the agent's HTTP server calls `beat`, push checks call `lastSeen`. */
export interface PushRegistry extends HeartbeatSource {
  beat(token: string, at: number): void;
}

/** A registry in memory, for tests and tools: a restart forgets the beats (the agent's is in its store). */
export class InMemoryPushRegistry implements PushRegistry {
  readonly #pings = new Map<string, PushPing>();
  readonly #known = new Map<string, number>();

  /** Starts counting the silence of a token from `at` (a token never made known fails at once). */
  know(token: string, at: number): void {
    if (!this.#known.has(token)) this.#known.set(token, at);
  }

  knownSince(token: string): number | undefined {
    return this.#known.get(token);
  }

  beat(token: string, at: number): void {
    this.signal(token, { kind: "ok", at, body: "" });
  }

  /** A success, failure or start (a late-delivered one changes nothing). */
  signal(token: string, signal: PushSignal): void {
    this.#pings.set(token, applySignal(this.#pings.get(token) ?? {}, signal));
  }

  lastSeen(token: string): number | undefined {
    return this.#pings.get(token)?.lastSeenAt;
  }

  lastPing(token: string): PushPing | undefined {
    return this.#pings.get(token);
  }
}

const tokenSchema = z
  .union([
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,128}$/, { message: 'expected a plain id (letters, digits, "-", "_") or a secret reference "env:NAME" / "file:/path"' })
      .describe('A plain id such as "nightly-backup" (it appears in the push URL).'),
    secretRef,
  ])
  .describe('The token in the push URL: a plain id, or a secret reference ("env:NAME", "file:/path") for an unguessable URL.');

/** Parsed cron schedules, by zone and expression: a probe run parses nothing. */
const schedules = new Map<string, CronSchedule>();
function scheduleOf(expression: string, timeZone: string): CronSchedule {
  const key = `${timeZone}\n${expression}`;
  let schedule = schedules.get(key);
  if (!schedule) schedules.set(key, (schedule = parseCronSchedule(expression, timeZone)));
  return schedule;
}

export const pushSchema = z
  .strictObject({
    token: tokenSchema,
    period: durationSchema.optional().describe('How often the heartbeat is expected, e.g. "1d" for a nightly backup (or give schedule).'),
    schedule: z.string().optional().describe('When the job runs, as cron ("0 3 * * *": daily at 03:00 in timezone), instead of period: a beat is due at the first cron time after the last one.'),
    timezone: z.string().default("UTC").describe('IANA time zone of schedule ("Europe/Berlin"). Default "UTC".'),
    grace: durationSchema.prefault("5m").describe('Extra silence tolerated after a period or a scheduled time, for jobs that run long; also how long a started run may take. Default "5m".'),
  })
  .superRefine((spec, ctx) => {
    if ((spec.period === undefined) === (spec.schedule === undefined)) {
      const both = spec.period !== undefined;
      ctx.addIssue({ code: "custom", path: both ? ["schedule"] : ["period"], message: both ? "give either period or schedule, not both" : 'expected period (how often the job calls in, e.g. "1d") or schedule (when it runs, as cron, e.g. "0 3 * * *")' });
    }
    if (spec.schedule === undefined) return;
    try {
      scheduleOf(spec.schedule, spec.timezone);
    } catch (error) {
      const message = (error as Error).message;
      ctx.addIssue({ code: "custom", path: [message.startsWith("unknown time zone") ? "timezone" : "schedule"], message });
    }
  })
  .describe('A push (heartbeat) check: { token, period, grace } or { token, schedule, timezone, grace }; the job calls /push/TOKEN (and /push/TOKEN/fail, /push/TOKEN/start).');

export type PushSpec = z.output<typeof pushSchema>;

function isSecretRef(token: string): boolean {
  return token.includes(":");
}

function expectation(spec: PushSpec): string {
  return spec.schedule === undefined ? `every ${formatDuration(spec.period ?? 0)}` : `on "${spec.schedule}" (${spec.timezone})`;
}

export const push = defineProbe({
  kind: "push",
  schema: pushSchema,
  // A secret token is shown as its reference, never its value.
  describe: (spec) => `push ${spec.token} ${expectation(spec)}`,
  async run(spec, ctx) {
    const elapsed = stopwatch();
    const target = `push ${spec.token}`;
    if (ctx.heartbeats === undefined) return failed("error", `${target} cannot be checked: this agent runs no heartbeat receiver.`, elapsed());
    let token = spec.token;
    if (isSecretRef(token)) {
      try {
        token = await ctx.secret(token);
      } catch (error) {
        return failed("secret", `${target} cannot be checked: ${(error as Error).message}.`, elapsed());
      }
    }
    const ping = pingOf(ctx.heartbeats, token);
    const since = ctx.heartbeats.knownSince?.(token);
    return judge(spec, target, ping, since, ctx.now(), elapsed());
  },
});

function pingOf(source: HeartbeatSource, token: string): PushPing {
  const ping = source.lastPing?.(token);
  if (ping) return ping;
  const last = source.lastSeen(token);
  return last === undefined ? {} : { lastSeenAt: last, lastKind: "ok" };
}

/** The verdict on a token's signals at `now`. Pure. */
export function judge(spec: PushSpec, target: string, ping: PushPing, knownSince: number | undefined, now: number, latencyMs: number): ProbeResult {
  const last = ping.lastSeenAt;
  if (ping.lastKind === "fail" && last !== undefined) {
    const why = bodyExcerpt(ping.lastBody ?? "");
    const details = { last_seen: new Date(last).toISOString(), silence_ms: Math.max(0, now - last), body: (ping.lastBody ?? "").slice(0, 1_000) };
    const message = `${target} reported a failure ${formatDuration(Math.max(0, now - last))} ago${why === "" ? " (the request had no body to say why)" : `: ${why}`}.`;
    return { ...failed("fail", message, latencyMs, details), conclusive: true };
  }
  if (ping.startedAt !== undefined && now - ping.startedAt > spec.grace) {
    const running = now - ping.startedAt;
    return failed("unfinished", `${target} started ${formatDuration(running)} ago and has not reported its end (success or failure) within grace ${formatDuration(spec.grace)}.`, latencyMs, { started_at: new Date(ping.startedAt).toISOString(), running_ms: running });
  }
  const result = spec.schedule === undefined ? judgePeriod(spec, target, last, knownSince, now, latencyMs) : judgeSchedule(spec, spec.schedule, target, last, knownSince, now, latencyMs);
  if (!result.ok) return result;
  const notes: string[] = [];
  const extra: Record<string, unknown> = {};
  if (ping.startedAt !== undefined) {
    notes.push(`a run started ${formatDuration(Math.max(0, now - ping.startedAt))} ago`);
    extra.started_at = new Date(ping.startedAt).toISOString();
  }
  if (ping.lastDurationMs !== undefined) {
    notes.push(`the last run took ${formatDuration(ping.lastDurationMs)}`);
    extra.last_duration_ms = ping.lastDurationMs;
  }
  if (notes.length === 0) return result;
  return { ...result, message: `${result.message.replace(/\.$/, "")}; ${notes.join("; ")}.`, details: { ...result.details, ...extra } };
}

function judgePeriod(spec: PushSpec, target: string, last: number | undefined, knownSince: number | undefined, now: number, latencyMs: number): ProbeResult {
  const period = spec.period ?? 0;
  const allowed = period + spec.grace;
  if (last === undefined) {
    const waited = knownSince === undefined ? undefined : Math.max(0, now - knownSince);
    const details = knownSince === undefined ? undefined : { known_since: new Date(knownSince).toISOString(), silence_ms: waited };
    if (waited !== undefined && waited <= allowed) {
      return passed(`${target} has not called in yet; the first heartbeat is due within ${formatDuration(allowed - waited)} (period ${formatDuration(period)} + grace ${formatDuration(spec.grace)} from ${formatDuration(waited)} ago, when this agent first knew it).`, latencyMs, details);
    }
    const how = waited === undefined ? "never called in" : `not called in since this agent first knew it, ${formatDuration(waited)} ago`;
    return failed("never", `${target} has ${how}; expected a heartbeat every ${formatDuration(period)}.`, latencyMs, details);
  }
  const silence = Math.max(0, now - last);
  const details = { last_seen: new Date(last).toISOString(), silence_ms: silence };
  if (silence > allowed) {
    return failed("silent", `${target} last called in ${formatDuration(silence)} ago, longer than the allowed ${formatDuration(allowed)} (period ${formatDuration(period)} + grace ${formatDuration(spec.grace)}).`, latencyMs, details);
  }
  return passed(`${target} called in ${formatDuration(silence)} ago, within ${formatDuration(allowed)}.`, latencyMs, details);
}

/** A run is due at the first cron time after the last beat (or after the agent first knew the token). */
function judgeSchedule(spec: PushSpec, schedule: string, target: string, last: number | undefined, knownSince: number | undefined, now: number, latencyMs: number): ProbeResult {
  const from = last ?? knownSince;
  if (from === undefined) return failed("never", `${target} has never called in; expected a heartbeat on "${schedule}" (${spec.timezone}).`, latencyMs);
  const due = scheduleOf(schedule, spec.timezone).next(from);
  const deadline = due + spec.grace;
  const when = `${wallTime(due, spec.timezone)} ${spec.timezone} ("${schedule}")`;
  const details = { ...(last === undefined ? { known_since: new Date(from).toISOString() } : { last_seen: new Date(last).toISOString() }), silence_ms: Math.max(0, now - from), due_at: new Date(due).toISOString() };
  const ago = formatDuration(Math.max(0, now - from));
  if (now > deadline) {
    const reason = last === undefined ? "never" : "silent";
    const how = last === undefined ? `has not called in since this agent first knew it, ${ago} ago` : `last called in ${ago} ago`;
    return failed(reason, `${target} ${how}; a run was due at ${when}, and grace ${formatDuration(spec.grace)} has passed since.`, latencyMs, details);
  }
  const how = last === undefined ? "has not called in yet" : `called in ${ago} ago`;
  return passed(`${target} ${how}; the next run is due at ${when}, with grace ${formatDuration(spec.grace)}.`, latencyMs, details);
}

const wallFormats = new Map<string, Intl.DateTimeFormat>();
/** "2026-12-05 03:00" on the zone's clock. */
function wallTime(at: number, timeZone: string): string {
  let format = wallFormats.get(timeZone);
  if (!format) wallFormats.set(timeZone, (format = new Intl.DateTimeFormat("sv-SE", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })));
  return format.format(at);
}
