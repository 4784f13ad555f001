// The push kind: the target calls us. A cron job or a backup calls the agent's push URL when it
// finishes; silence longer than `period` + `grace` means it did not run. The agent's HTTP server
// records beats in a PushRegistry; the probe only reads the last one from `ctx.heartbeats`.
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

/** A registry in memory: enough for one agent; a restart forgets the beats. */
export class InMemoryPushRegistry implements PushRegistry {
  readonly #beats = new Map<string, number>();

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
    if (last === undefined) return failed("never", `${target} has never called in; expected a heartbeat every ${formatDuration(spec.period)}.`, elapsed());
    const silence = Math.max(0, ctx.now() - last);
    const details = { last_seen: new Date(last).toISOString(), silence_ms: silence };
    if (silence > allowed) {
      return failed("silent", `${target} last called in ${formatDuration(silence)} ago, longer than the allowed ${formatDuration(allowed)} (period ${formatDuration(spec.period)} + grace ${formatDuration(spec.grace)}).`, elapsed(), details);
    }
    return passed(`${target} called in ${formatDuration(silence)} ago, within ${formatDuration(allowed)}.`, elapsed(), details);
  },
});
