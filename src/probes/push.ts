// The push kind: the target calls us. A cron job or a backup calls the agent's push URL when it
// finishes; silence longer than `period` + `grace` means it did not run. The agent's HTTP server
// records beats in a PushRegistry; the probe only reads the last one from `ctx.heartbeats`.
// Silence is counted from the last beat or, before the first one, from when the agent first knew the
// token (`knownSince`, kept across restarts): a new nightly job is not failed before it could have run.
//
// The token names the heartbeat in the URL (`/push/<token>`). It is either a plain id
// ("nightly-backup", letters, digits, "-" and "_") or a secret reference ("env:NAME", "file:/path")
// when the URL should not be guessable; a reference is resolved when the probe runs and the registry
// is keyed by the resolved value, which never appears in a result.
import { z } from "zod";
import { formatDuration, durationSchema } from "../config/duration.js";
import { secretRef } from "../config/secret.js";
import { defineProbe } from "./probe.js";
import type { HeartbeatSource } from "./probe.js";
import { failed, passed, stopwatch } from "./result.js";

/** Records and answers heartbeats; the agent's HTTP server calls `beat`, push checks call `lastSeen`. */
export interface PushRegistry extends HeartbeatSource {
  beat(token: string, at: number): void;
}

/** A registry in memory, for tests and tools: a restart forgets the beats (the agent's is in its store). */
export class InMemoryPushRegistry implements PushRegistry {
  readonly #beats = new Map<string, number>();
  readonly #known = new Map<string, number>();

  /** Starts counting the silence of a token from `at` (a token never made known fails at once). */
  know(token: string, at: number): void {
    if (!this.#known.has(token)) this.#known.set(token, at);
  }

  knownSince(token: string): number | undefined {
    return this.#known.get(token);
  }

  beat(token: string, at: number): void {
    // A late-delivered beat must not move the last-seen time backwards.
    this.#beats.set(token, Math.max(at, this.#beats.get(token) ?? at));
  }

  lastSeen(token: string): number | undefined {
    return this.#beats.get(token);
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

export const pushSchema = z
  .strictObject({
    token: tokenSchema,
    period: durationSchema.describe('How often the heartbeat is expected, e.g. "1d" for a nightly backup.'),
    grace: durationSchema.prefault("5m").describe('Extra silence tolerated after a period, for jobs that run long. Default "5m".'),
  })
  .describe("A push (heartbeat) check: { token, period, grace }.");

export type PushSpec = z.output<typeof pushSchema>;

function isSecretRef(token: string): boolean {
  return token.includes(":");
}

export const push = defineProbe({
  kind: "push",
  schema: pushSchema,
  // A secret token is shown as its reference, never its value.
  describe: (spec) => `push ${spec.token} every ${formatDuration(spec.period)}`,
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
    const last = ctx.heartbeats.lastSeen(token);
    const allowed = spec.period + spec.grace;
    if (last === undefined) {
      const since = ctx.heartbeats.knownSince?.(token);
      const waited = since === undefined ? undefined : Math.max(0, ctx.now() - since);
      const details = since === undefined ? undefined : { known_since: new Date(since).toISOString(), silence_ms: waited };
      if (waited !== undefined && waited <= allowed) {
        return passed(`${target} has not called in yet; the first heartbeat is due within ${formatDuration(allowed - waited)} (period ${formatDuration(spec.period)} + grace ${formatDuration(spec.grace)} from ${formatDuration(waited)} ago, when this agent first knew it).`, elapsed(), details);
      }
      const how = waited === undefined ? "never called in" : `not called in since this agent first knew it, ${formatDuration(waited)} ago`;
      return failed("never", `${target} has ${how}; expected a heartbeat every ${formatDuration(spec.period)}.`, elapsed(), details);
    }
    const silence = Math.max(0, ctx.now() - last);
    const details = { last_seen: new Date(last).toISOString(), silence_ms: silence };
    if (silence > allowed) {
      return failed("silent", `${target} last called in ${formatDuration(silence)} ago, longer than the allowed ${formatDuration(allowed)} (period ${formatDuration(spec.period)} + grace ${formatDuration(spec.grace)}).`, elapsed(), details);
    }
    return passed(`${target} called in ${formatDuration(silence)} ago, within ${formatDuration(allowed)}.`, elapsed(), details);
  },
});
