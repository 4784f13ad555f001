// Mattermost incoming webhook: POST JSON { text, attachments, … } to https://HOST/hooks/ID
// (developers.mattermost.com, "Incoming webhooks"). Mattermost answers 200 "ok"; errors are
// { id, message, detailed_error, status_code }. The hook URL is the credential: a secret.
// The message is a Slack-compatible attachment: a colour bar by severity, title, text, fields.
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import { defineNotifier } from "./notifier.js";
import type { Notification, Severity } from "./notifier.js";
import { sendHttp, tryJson } from "./http-delivery.js";
import { scalarFields, truncate } from "./text.js";

export const ATTACHMENT_COLOR: Record<Severity, string> = { critical: "#d32f2f", high: "#f57c00", normal: "#1976d2", low: "#9e9e9e" };
export const RESOLVED_ATTACHMENT_COLOR = "#388e3c";

export const mattermostSchema = z
  .strictObject({
    webhook_url: secretRef.describe("The incoming webhook URL (https://chat.example.org/hooks/…) as a secret reference: it is the credential."),
    channel: z.string().min(1).optional().describe("Post to this channel (its name, e.g. town-square) instead of the hook's own, if the hook allows it."),
    username: z.string().min(1).optional().describe("Display name of the post, if the server allows overriding it."),
    icon_url: z.url({ protocol: /^https?$/ }).optional().describe("Profile picture of the post, if the server allows overriding it."),
  })
  .describe("Mattermost channel, through an incoming webhook.");

export function mattermostPayload(spec: z.output<typeof mattermostSchema>, n: Notification): Record<string, unknown> {
  const resolved = n.event === "resolved";
  const attachment = {
    fallback: truncate(`${n.title}: ${n.body}`, 1000),
    color: resolved ? RESOLVED_ATTACHMENT_COLOR : ATTACHMENT_COLOR[n.severity],
    title: truncate(`${resolved ? "✅ " : ""}${n.title}`, 500),
    ...(n.url ? { title_link: n.url } : {}),
    text: truncate(n.body || n.title, 4000),
    fields: scalarFields(n.fields, 10).map(([title, value]) => ({ short: true, title, value: truncate(value, 500) })),
    footer: `${n.severity} · ${n.event}`,
  };
  return {
    text: truncate(`${resolved ? "✅" : ""} **${n.title}**`.trim(), 4000),
    attachments: [attachment],
    ...(spec.channel ? { channel: spec.channel } : {}),
    ...(spec.username ? { username: spec.username } : {}),
    ...(spec.icon_url ? { icon_url: spec.icon_url } : {}),
  };
}

export const mattermost = defineNotifier({
  kind: "mattermost",
  schema: mattermostSchema,
  describe: (spec) => `mattermost webhook${spec.channel ? ` (#${spec.channel})` : ""}`,
  async send(spec, n, ctx) {
    const url = await ctx.secret(spec.webhook_url);
    return sendHttp({
      method: "POST",
      url,
      body: mattermostPayload(spec, n),
      signal: ctx.signal,
      secrets: [url, ...(URL.canParse(url) ? [new URL(url).pathname.split("/").pop() ?? ""] : [])],
      errorText: (text) => {
        const json = tryJson(text) as { message?: unknown } | undefined;
        return typeof json?.message === "string" ? json.message : undefined;
      },
    });
  },
});
