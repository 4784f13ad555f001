// Rocket.Chat incoming webhook integration: POST JSON { text, attachments, … } to
// https://HOST/hooks/INTEGRATION_ID/TOKEN (Rocket.Chat docs, "Integrations → Incoming"). It answers
// 200 { success: true }, or { success: false, error } on failure. The hook URL is the credential.
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import { defineNotifier } from "./notifier.js";
import type { Notification } from "./notifier.js";
import { sendHttp, tryJson } from "./http-delivery.js";
import { ATTACHMENT_COLOR, RESOLVED_ATTACHMENT_COLOR } from "./mattermost.js";
import { scalarFields, truncate } from "./text.js";

export const rocketChatSchema = z
  .strictObject({
    webhook_url: secretRef.describe("The integration's webhook URL (https://chat.example.org/hooks/ID/TOKEN) as a secret reference: it carries the token."),
    channel: z.string().regex(/^[#@].+/, { message: "#channel or @user" }).optional().describe("Post to #channel or @user instead of the integration's own channel."),
    alias: z.string().min(1).optional().describe("Name shown for the post instead of the integration's user."),
  })
  .describe("Rocket.Chat channel, through an incoming webhook integration.");

export function rocketChatPayload(spec: z.output<typeof rocketChatSchema>, n: Notification): Record<string, unknown> {
  const resolved = n.event === "resolved";
  return {
    text: truncate(`${resolved ? "✅ " : ""}*${n.title}*`, 4000),
    attachments: [
      {
        title: truncate(n.title, 500),
        ...(n.url ? { title_link: n.url } : {}),
        text: truncate(n.body || n.title, 4000),
        color: resolved ? RESOLVED_ATTACHMENT_COLOR : ATTACHMENT_COLOR[n.severity],
        ts: new Date(n.at).toISOString(),
        fields: scalarFields(n.fields, 10).map(([title, value]) => ({ short: true, title, value: truncate(value, 500) })),
      },
    ],
    ...(spec.channel ? { channel: spec.channel } : {}),
    ...(spec.alias ? { alias: spec.alias } : {}),
  };
}

export const rocketChat = defineNotifier({
  kind: "rocket_chat",
  schema: rocketChatSchema,
  describe: (spec) => `rocket.chat webhook${spec.channel ? ` (${spec.channel})` : ""}`,
  async send(spec, n, ctx) {
    const url = await ctx.secret(spec.webhook_url);
    return sendHttp({
      method: "POST",
      url,
      body: rocketChatPayload(spec, n),
      signal: ctx.signal,
      secrets: [url, ...(URL.canParse(url) ? [new URL(url).pathname.split("/").pop() ?? ""] : [])],
      errorText: (text) => {
        const json = tryJson(text) as { error?: unknown; message?: unknown } | undefined;
        return typeof json?.error === "string" ? json.error : typeof json?.message === "string" ? json.message : undefined;
      },
      checkOk: (text) => ((tryJson(text) as { success?: unknown } | undefined)?.success === false ? "Rocket.Chat answered success: false" : undefined),
    });
  },
});
