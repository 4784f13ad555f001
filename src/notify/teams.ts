// Microsoft Teams through a Workflows (Power Automate) webhook — the replacement for the retired
// Office 365 connectors. The "Send webhook alerts to a channel" workflow takes a message activity
// whose one attachment is an Adaptive Card: { type: "message", attachments: [{ contentType:
// "application/vnd.microsoft.card.adaptive", content: { type: "AdaptiveCard", version, body } }] }
// and answers 202 Accepted. The workflow URL carries its signature (sig=…), so it is a secret.
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import { defineNotifier } from "./notifier.js";
import type { Notification, Severity } from "./notifier.js";
import { sendHttp, tryJson } from "./http-delivery.js";
import { scalarFields, truncate } from "./text.js";

/** Adaptive Card text colours (the host theme picks the shade). */
const COLOR: Record<Severity, string> = { critical: "Attention", high: "Warning", normal: "Accent", low: "Default" };

export const teamsSchema = z
  .strictObject({
    webhook_url: secretRef.describe("The workflow's HTTP POST URL (from Teams: channel → Workflows → \"Send webhook alerts to a channel\") as a secret reference: it carries its signature."),
  })
  .describe("Microsoft Teams channel, through a Workflows webhook (Adaptive Card).");

export function teamsPayload(n: Notification): Record<string, unknown> {
  const resolved = n.event === "resolved";
  const facts = scalarFields(n.fields, 10).map(([title, value]) => ({ title, value: truncate(value, 500) }));
  const body: Record<string, unknown>[] = [
    { type: "TextBlock", text: truncate(`${resolved ? "✅ " : ""}${n.title}`, 500), weight: "Bolder", size: "Medium", wrap: true, color: resolved ? "Good" : COLOR[n.severity], style: "heading" },
    { type: "TextBlock", text: truncate(n.body || n.title, 4000), wrap: true },
    ...(facts.length > 0 ? [{ type: "FactSet", facts }] : []),
    { type: "TextBlock", text: `${n.severity} · ${n.event} · ${new Date(n.at).toISOString()}`, isSubtle: true, size: "Small", wrap: true },
  ];
  const card = {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: "1.4",
    body,
    ...(n.url ? { actions: [{ type: "Action.OpenUrl", title: "Open", url: n.url }] } : {}),
    msteams: { width: "Full" },
  };
  return { type: "message", attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card }] };
}

export const teams = defineNotifier({
  kind: "teams",
  schema: teamsSchema,
  describe: () => "teams workflow webhook",
  async send(spec, n, ctx) {
    const url = await ctx.secret(spec.webhook_url);
    return sendHttp({
      method: "POST",
      url,
      body: teamsPayload(n),
      signal: ctx.signal,
      secrets: [url, ...(URL.canParse(url) ? [new URL(url).search.slice(1)] : [])],
      // Power Automate errors: {"error":{"code":"TriggerInputSchemaMismatch","message":"…"}}
      errorText: (text) => {
        const error = (tryJson(text) as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
        return typeof error?.message === "string" ? `${String(error.code ?? "error")}: ${error.message}` : undefined;
      },
    });
  },
});
