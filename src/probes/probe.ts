// The contract every probe kind implements: a schema for its config value and a function that runs it once.
// The scheduler knows only this interface; src/probes/registry.ts lists the kinds.
import type { z } from "zod";
import type { PushPing } from "./push-ping.js";
import { redactResult, redactUrlPasswords } from "./redact.js";

/** What one run of a probe found. Expected failures are values, never exceptions. */
export interface ProbeResult {
  ok: boolean;
  /** Short machine-readable reason when not ok: "timeout", "refused", "status", "body", "expired", … */
  reason?: string;
  /** One human sentence: what was observed against what was expected. */
  message: string;
  /** Wall time of the probe itself, in milliseconds. */
  latencyMs: number;
  /** Kind-specific measurements worth keeping (status code, days to expiry, answers…). No secrets. */
  details?: Record<string, unknown>;
  /** A failure the target itself reported (a push check's /fail): down at once, without waiting for failure_threshold. */
  conclusive?: boolean;
}

/** Context a probe gets for one run. */
export interface ProbeContext {
  /** Aborted when the check's timeout passes or the agent stops; probes must honour it promptly. */
  signal: AbortSignal;
  /** Timeout in milliseconds (already applied to `signal`; given for probes that pass it to a child). */
  timeoutMs: number;
  /** Milliseconds since the epoch from the agent's clock (tests inject a fake one). */
  now(): number;
  /** Reads a secret named by a `*_file` key or an `env:NAME` reference. Never log the result. */
  secret(ref: string): Promise<string>;
  /** Where push checks read the last heartbeat (the agent's HTTP server records them); see push.ts. */
  heartbeats?: HeartbeatSource;
}

/** Read side of the heartbeat registry: when a push token last called in (ms since the epoch). */
export interface HeartbeatSource {
  lastSeen(token: string): number | undefined;
  /** The token's last signals (success or failure with its body, a running start); without it, every beat was a success. */
  lastPing?(token: string): PushPing | undefined;
  /** When the agent first knew the token (a config of its had it): silence is counted from there. */
  knownSince?(token: string): number | undefined;
}

/** A probe kind: the key under a check (`http:`, `dns:`…), its schema and its runner. */
export interface ProbeKind<S extends z.ZodType = z.ZodType> {
  kind: string;
  /** Schema of the value under the kind key; may accept a shorthand (e.g. a URL string) and normalise it. */
  schema: S;
  /** A short human description of the target ("GET https://…", "dns A hs.example.org @10.0.0.1"). */
  describe(spec: z.output<S>): string;
  /** Runs the probe once. Must not throw for expected failures; must settle soon after `ctx.signal` aborts. */
  run(spec: z.output<S>, ctx: ProbeContext): Promise<ProbeResult>;
}

/**
 * Helper for implementations: keeps the spec type tied to the schema, and keeps secrets out of what every
 * kind reports: URL passwords are masked in its description and results, and so is any value it read
 * through ctx.secret (see redact.ts).
 */
export function defineProbe<S extends z.ZodType>(kind: ProbeKind<S>): ProbeKind<S> {
  return {
    ...kind,
    describe: (spec) => redactUrlPasswords(kind.describe(spec)),
    async run(spec, ctx) {
      const read: string[] = [];
      const secret = async (ref: string) => {
        const value = await ctx.secret(ref);
        read.push(value.trim());
        return value;
      };
      return redactResult(await kind.run(spec, { ...ctx, secret }), read);
    },
  };
}
