// Google Chat incoming webhook: POST the message to the space's webhook URL
// (https://chat.googleapis.com/v1/spaces/SPACE/messages?key=…&token=…), as in "Send messages to
// Google Chat with incoming webhooks". Each incident is one thread: thread.threadKey is the
// notification key and messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD puts its updates
// and resolution under the opening message. Errors are Google's { error: { code, message, status } }.
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import { defineNotifier } from "./notifier.js";
import type { Notification, Severity } from "./notifier.js";
import { sendHttp, tryJson } from "./http-delivery.js";
import { truncate } from "./text.js";

const ICON: Record<Severity, string> = { critical: "🚨", high: "⚠️", normal: "ℹ️", low: "💬" };

export const googleChatSchema = z
  .strictObject({
    webhook_url: secretRef.describe("The space's webhook URL (https://chat.googleapis.com/v1/spaces/…/messages?key=…&token=…) as a secret reference: it carries the token."),
    threads: z.boolean().default(true).describe("Keep each incident in one thread (opening, updates, resolution); false posts every message at the top level."),
  })
  .describe("Google Chat space, through an incoming webhook.");

/** Chat's text formatting: *bold*, and links as <url|label>. */
export function googleChatText(n: Notification): string {
  const icon = n.event === "resolved" ? "✅" : ICON[n.severity];
  const link = n.url && !/[|<>]/.test(n.url) ? `\n<${n.url}|Open>` : n.url ? `\n${n.url}` : "";
  return truncate(`${icon} *${n.title.replace(/\*/g, "")}*\n${n.body}${link}`, 4000);
}

export function googleChatRequest(webhook: string, n: Notification, threads: boolean): { url: string; body: Record<string, unknown> } {
  const url = new URL(webhook);
  if (threads) url.searchParams.set("messageReplyOption", "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD");
  return { url: url.toString(), body: { text: googleChatText(n), ...(threads ? { thread: { threadKey: truncate(n.key, 4000) } } : {}) } };
}

export const googleChat = defineNotifier({
  kind: "google_chat",
  schema: googleChatSchema,
  describe: (spec) => `google chat webhook${spec.threads ? " (threads)" : ""}`,
  async send(spec, n, ctx) {
    const webhook = await ctx.secret(spec.webhook_url);
    const { url, body } = googleChatRequest(webhook, n, spec.threads);
    const params = URL.canParse(webhook) ? new URL(webhook).searchParams : new URLSearchParams();
    return sendHttp({
      method: "POST",
      url,
      headers: { "content-type": "application/json; charset=UTF-8" },
      body,
      signal: ctx.signal,
      secrets: [webhook, ...[params.get("key"), params.get("token")].filter((value): value is string => value !== null)],
      errorText: (text) => {
        const error = (tryJson(text) as { error?: { message?: unknown; status?: unknown } } | undefined)?.error;
        return typeof error?.message === "string" ? `${String(error.status ?? "error")}: ${error.message}` : undefined;
      },
    });
  },
});
