// Slack incoming webhooks: POST JSON { text, blocks } to the webhook URL
// (https://api.slack.com/messaging/webhooks). Slack answers 200 "ok", or a plain-text error code
// ("invalid_payload", "no_text", "channel_is_archived"…) with a 4xx, or 429 with Retry-After.
// `text` is always sent: it is the notification fallback when blocks are used.
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import { defineNotifier } from "./notifier.js";
import type { Notification, Severity } from "./notifier.js";
import { sendHttp } from "./http-delivery.js";
import { escapeSlack, scalarFields, truncate } from "./text.js";

const EMOJI: Record<Severity, string> = { critical: ":rotating_light:", high: ":warning:", normal: ":information_source:", low: ":speech_balloon:" };

export const slackSchema = z
  .strictObject({
    webhook_url: secretRef.describe('The incoming webhook URL (https://hooks.slack.com/services/…) as a secret reference: it is the credential.'),
    format: z.enum(["blocks", "text"]).default("blocks").describe('"blocks" (rich layout, text as fallback) or "text" (plain mrkdwn text only).'),
  })
  .describe("Slack incoming webhook.");

/** The mrkdwn link syntax <url|label> breaks on "|" and ">" in the URL. */
function link(url: string, label: string): string {
  return /[|<>]/.test(url) ? escapeSlack(url) : `<${url}|${label}>`;
}

export function slackPayload(n: Notification, format: "blocks" | "text"): Record<string, unknown> {
  const emoji = n.event === "resolved" ? ":white_check_mark:" : EMOJI[n.severity];
  const text = truncate(`${emoji} *${escapeSlack(n.title)}*\n${escapeSlack(n.body)}${n.url ? `\n${link(n.url, "Open")}` : ""}`, 3000);
  if (format === "text") return { text };
  const fields = scalarFields(n.fields, 10).map(([key, value]) => ({ type: "mrkdwn", text: truncate(`*${escapeSlack(key)}*\n${escapeSlack(value)}`, 2000) }));
  const blocks: Record<string, unknown>[] = [
    { type: "header", text: { type: "plain_text", text: truncate(`${n.event === "resolved" ? "✅" : ""}${n.title}`, 150), emoji: true } },
    { type: "section", text: { type: "mrkdwn", text: truncate(escapeSlack(n.body) || " ", 3000) }, ...(fields.length > 0 ? { fields } : {}) },
    { type: "context", elements: [{ type: "mrkdwn", text: `${emoji} ${n.severity} · ${n.event}${n.url ? ` · ${link(n.url, "Open")}` : ""}` }] },
  ];
  return { text, blocks };
}

export const slack = defineNotifier({
  kind: "slack",
  schema: slackSchema,
  describe: (spec) => `slack webhook (${spec.format})`,
  async send(spec, n, ctx) {
    const webhook = await ctx.secret(spec.webhook_url);
    return sendHttp({
      method: "POST",
      url: webhook,
      body: slackPayload(n, spec.format),
      signal: ctx.signal,
      secrets: [webhook, new URL(webhook).pathname],
    });
  },
});
