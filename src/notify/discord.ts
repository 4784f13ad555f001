// Discord: "Execute Webhook" (POST /webhooks/{id}/{token}?wait=true) with one embed coloured by
// severity, as documented at https://discord.com/developers/docs/resources/webhook#execute-webhook.
// The webhook URL holds its token, so it is a secret reference. `wait=true` makes Discord confirm
// the message was stored (200 with the message) instead of a bare 204.
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import { defineNotifier } from "./notifier.js";
import type { Notification, Severity } from "./notifier.js";
import { sendHttp, tryJson } from "./http-delivery.js";
import { scalarFields, truncate } from "./text.js";

export const SEVERITY_COLOR: Record<Severity, number> = { critical: 0xd32f2f, high: 0xf57c00, normal: 0x1976d2, low: 0x9e9e9e };
export const RESOLVED_COLOR = 0x388e3c;

export const discordSchema = z
  .strictObject({
    webhook_url: secretRef.describe('The webhook URL (https://discord.com/api/webhooks/ID/TOKEN) as a secret reference: it contains the token.'),
    username: z.string().max(80).optional().describe("Overrides the webhook's display name."),
  })
  .describe("Discord channel webhook.");

/** The documented embed limits: title 256, description 4096, 25 fields of 256/1024. */
export function discordPayload(n: Notification, username?: string): Record<string, unknown> {
  const fields = scalarFields(n.fields, 10).map(([name, value]) => ({ name: truncate(name, 256), value: truncate(value, 1024), inline: true }));
  const embed = {
    title: truncate(n.title, 256),
    description: truncate(n.body, 4096),
    color: n.event === "resolved" ? RESOLVED_COLOR : SEVERITY_COLOR[n.severity],
    timestamp: new Date(n.at).toISOString(),
    footer: { text: `${n.severity} · ${n.event}` },
    ...(n.url ? { url: n.url } : {}),
    ...(fields.length > 0 ? { fields } : {}),
  };
  // No pings: a service named "@everyone" must not page a whole server.
  return { embeds: [embed], allowed_mentions: { parse: [] }, ...(username ? { username } : {}) };
}

export const discord = defineNotifier({
  kind: "discord",
  schema: discordSchema,
  describe: () => "discord webhook",
  async send(spec, n, ctx) {
    const webhook = await ctx.secret(spec.webhook_url);
    const url = new URL(webhook);
    url.searchParams.set("wait", "true");
    return sendHttp({
      method: "POST",
      url: url.toString(),
      body: discordPayload(n, spec.username),
      signal: ctx.signal,
      secrets: [webhook, url.pathname.split("/").pop() ?? ""],
      // Discord errors: {"code":50006,"message":"Cannot send an empty message"}; 429 adds retry_after (seconds).
      errorText: (text) => {
        const json = tryJson(text) as { message?: unknown; code?: unknown } | undefined;
        return typeof json?.message === "string" ? `${json.message}${json.code !== undefined ? ` (code ${String(json.code)})` : ""}` : undefined;
      },
      retryAfterFromBody: (text) => {
        const json = tryJson(text) as { retry_after?: unknown } | undefined;
        return typeof json?.retry_after === "number" ? Math.ceil(json.retry_after * 1000) : undefined;
      },
    });
  },
});
