// A value sent to a target (an HTTP header, an environment variable) that is either written in the
// config or taken from a secret reference, so that tokens never sit in the config file.
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import type { ProbeContext } from "./probe.js";

export const secretValueSchema = z
  .union([
    z.string().describe("A literal value, written in the config (never a secret)."),
    z
      .strictObject({
        secret: secretRef,
        prefix: z.string().default("").describe('Text put before the secret, e.g. "Bearer ".'),
      })
      .describe("A value read from a secret reference when the probe runs."),
  ])
  .describe('A literal string, or { secret: "env:NAME" | "file:/path", prefix } for a value that must stay out of the config.');

export type SecretValue = z.output<typeof secretValueSchema>;

export async function resolveValue(value: SecretValue, ctx: ProbeContext): Promise<string> {
  return typeof value === "string" ? value : value.prefix + (await ctx.secret(value.secret));
}

/** Resolves every value of a record; throws the secret reader's error (which names the reference, not the value). */
export async function resolveValues(values: Record<string, SecretValue>, ctx: ProbeContext): Promise<Record<string, string>> {
  const entries = await Promise.all(Object.entries(values).map(async ([key, value]) => [key, await resolveValue(value, ctx)] as const));
  return Object.fromEntries(entries);
}
