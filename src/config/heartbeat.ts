// `agents.heartbeat`: the dead man's switch. The acting agent (the leader with etcd, the only agent
// otherwise) calls an outside URL every `every` (a healthchecks.io check, an Uptime Kuma push monitor, an
// ntfy topic), so that the outside service pages when every agent is down or cut off: the one failure
// the agents cannot report themselves. The URL is often the only secret of such a check, so it can be
// a secret reference. The agent's side is src/agent/outside-heartbeat.ts.
import { z } from "zod";
import { durationSchema } from "./duration.js";
import { SECRET_REF_PATTERN } from "./secret.js";

const URL_HINT = 'an http(s) URL ("https://hc-ping.com/<uuid>") or a secret reference holding one ("env:NAME", "file:/path")';

function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const { protocol } = new URL(text);
  return protocol === "http:" || protocol === "https:";
}

export const heartbeatSchema = z
  .strictObject({
    url: z
      .union([
        z.string({ error: `expected ${URL_HINT}` }).refine(isHttpUrl, { message: `expected ${URL_HINT}` }).describe("An http(s) URL."),
        z.string().regex(SECRET_REF_PATTERN, { message: `expected ${URL_HINT}` }),
      ])
      .describe(`What to call: ${URL_HINT}. It is never logged.`),
    every: durationSchema
      .prefault("1m")
      .refine((ms) => ms >= 1_000, { message: "expected at least 1s between calls" })
      .describe('How often the acting agent calls it ("1m"); set the outside check\'s period to this, with some grace. Default "1m".'),
    method: z.enum(["GET", "POST"]).default("GET").describe('GET (healthchecks.io, Uptime Kuma push) or POST (ntfy, which publishes a POST\'s body). Default "GET".'),
    body: z.string().optional().describe("The body of a POST (ntfy's message text); none by default."),
    timeout: durationSchema.prefault("10s").describe('How long one call may take before it counts as failed (logged, retried at the next beat). Default "10s".'),
  })
  .superRefine((spec, ctx) => {
    if (spec.body !== undefined && spec.method !== "POST") ctx.addIssue({ code: "custom", path: ["body"], message: 'a body is sent only with method: POST; add method: POST or drop body' });
  })
  .describe("A dead man's switch: the acting agent calls url every `every`, so an outside service pages when no agent is left to.");

export type HeartbeatConfig = z.output<typeof heartbeatSchema>;
