// Telegram Bot API: POST https://api.telegram.org/bot<token>/sendMessage with chat_id, text and
// parse_mode "HTML" (https://core.telegram.org/bots/api#sendmessage). In HTML mode every <, > and &
// that is not markup must be escaped, or Telegram refuses the message ("can't parse entities").
// Answers are { ok, result } or { ok: false, error_code, description, parameters: { retry_after } }.
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import { defineNotifier } from "./notifier.js";
import type { Notification, Severity } from "./notifier.js";
import { sendHttp, tryJson } from "./http-delivery.js";
import { escapeHtml, truncate } from "./text.js";

const ICON: Record<Severity, string> = { critical: "🚨", high: "⚠️", normal: "ℹ️", low: "💬" };

export const telegramSchema = z
  .strictObject({
    bot_token: secretRef.describe('The bot token from @BotFather, as a secret reference ("env:NAME" or "file:/path").'),
    chat_id: z
      .union([z.number().int(), z.string().regex(/^(-?\d+|@[A-Za-z0-9_]{5,})$/, { message: "a numeric chat id or @channelusername" })])
      .describe("Target chat: a numeric id (negative for groups) or @channelusername."),
    api_url: z.url({ protocol: /^https?$/ }).default("https://api.telegram.org").describe("Bot API server; change only for a self-hosted Bot API server."),
    disable_notification: z.boolean().default(false).describe("Send silently (no sound) — applied to low and normal severity only."),
  })
  .describe("Telegram bot message.");

/** The message in Telegram's HTML subset; at most 4096 characters as the API allows. */
export function telegramText(n: Notification): string {
  const icon = n.event === "resolved" ? "✅" : ICON[n.severity];
  const link = n.url ? `\n<a href="${escapeHtml(n.url)}">Open</a>` : "";
  const head = `${icon} <b>${escapeHtml(n.title)}</b>\n`;
  // Truncate the escaped body separately so that the cut never splits an entity or a tag.
  const room = 4096 - Array.from(head + link).length;
  let body = escapeHtml(n.body);
  if (Array.from(body).length > room) body = truncate(body, room).replace(/&[a-z]*…$/, "…");
  return `${head}${body}${link}`;
}

export const telegram = defineNotifier({
  kind: "telegram",
  schema: telegramSchema,
  describe: (spec) => `telegram chat ${spec.chat_id}`,
  async send(spec, n, ctx) {
    const token = await ctx.secret(spec.bot_token);
    const quiet = spec.disable_notification && (n.severity === "low" || n.severity === "normal");
    return sendHttp({
      method: "POST",
      url: `${spec.api_url.replace(/\/+$/, "")}/bot${token}/sendMessage`,
      body: { chat_id: spec.chat_id, text: telegramText(n), parse_mode: "HTML", link_preview_options: { is_disabled: true }, ...(quiet ? { disable_notification: true } : {}) },
      signal: ctx.signal,
      secrets: [token],
      errorText: (text) => {
        const json = tryJson(text) as { description?: unknown } | undefined;
        return typeof json?.description === "string" ? json.description : undefined;
      },
      checkOk: (text) => {
        const json = tryJson(text) as { ok?: unknown; description?: unknown } | undefined;
        return json?.ok === true ? undefined : `unexpected answer: ${typeof json?.description === "string" ? json.description : "no ok:true"}`;
      },
      retryAfterFromBody: (text) => {
        const json = tryJson(text) as { parameters?: { retry_after?: unknown } } | undefined;
        const seconds = json?.parameters?.retry_after;
        return typeof seconds === "number" ? seconds * 1000 : undefined;
      },
    });
  },
});
