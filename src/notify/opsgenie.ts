// Opsgenie Alert API (docs.opsgenie.com, "Alert API"), with an API integration's key in
// "Authorization: GenieKey KEY". An incident is one alert: its opening, updates and reminders create
// an alert with alias = the notification key (Opsgenie keeps one open alert per alias and counts the
// repeats), and its resolution closes that alert: POST /v2/alerts/{alias}/close?identifierType=alias.
// Actions (a failover done or held back) are alerts of their own. Both calls answer 202
// { result: "Request will be processed", requestId }; errors are { message, errors?, requestId }.
// Accounts live in the US (api.opsgenie.com) or EU (api.eu.opsgenie.com) instance.
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import { defineNotifier } from "./notifier.js";
import type { Notification, Severity } from "./notifier.js";
import { sendHttp, tryJson } from "./http-delivery.js";
import { scalarFields, truncate } from "./text.js";

const PRIORITY: Record<Severity, string> = { critical: "P1", high: "P2", normal: "P3", low: "P4" };

export const opsgenieSchema = z
  .strictObject({
    api_key: secretRef.describe("The API key of an API integration in Opsgenie, as a secret reference."),
    region: z.enum(["us", "eu"]).default("us").describe('Where the Opsgenie account lives: "us" (api.opsgenie.com) or "eu" (api.eu.opsgenie.com).'),
    api_url: z.url({ protocol: /^https?$/ }).optional().describe("API base URL; overrides region (for testing or a proxy)."),
    tags: z.array(z.string().min(1).max(50)).max(20).default([]).describe("Tags added to every alert."),
    responders: z
      .array(z.strictObject({ type: z.enum(["team", "user", "escalation", "schedule"]).describe("Kind of responder."), name: z.string().min(1).describe("Its name (username for a user).") }))
      .max(50)
      .default([])
      .describe("Who the alert is for, when the integration does not already say."),
  })
  .describe("Opsgenie, through the Alert API (create one alert per incident, close it on resolve).");

type Spec = z.output<typeof opsgenieSchema>;

export function opsgenieBase(spec: Spec): string {
  return (spec.api_url ?? (spec.region === "eu" ? "https://api.eu.opsgenie.com" : "https://api.opsgenie.com")).replace(/\/+$/, "");
}

/** The request for one notification: its path and query under the API and its body. */
export function opsgenieRequest(spec: Spec, n: Notification): { path: string; body: Record<string, unknown> } {
  const alias = truncate(n.key, 512);
  if (n.event === "resolved") {
    return { path: `/v2/alerts/${encodeURIComponent(alias)}/close?identifierType=alias`, body: { source: "understudy", note: truncate(n.body || n.title, 25000) } };
  }
  const details = Object.fromEntries(scalarFields(n.fields, 20).map(([key, value]) => [truncate(key, 100), truncate(value, 500)]));
  return {
    path: "/v2/alerts",
    body: {
      message: truncate(n.title, 130),
      alias,
      description: truncate(`${n.body}${n.url ? `\n\n${n.url}` : ""}`, 15000),
      priority: PRIORITY[n.severity],
      source: "understudy",
      tags: [...new Set([...spec.tags, `understudy-${n.event}`])].slice(0, 20),
      details: { ...details, event: n.event, ...(n.url ? { url: truncate(n.url, 500) } : {}) },
      ...(spec.responders.length > 0 ? { responders: spec.responders } : {}),
    },
  };
}

export const opsgenie = defineNotifier({
  kind: "opsgenie",
  schema: opsgenieSchema,
  describe: (spec) => `opsgenie (${spec.api_url === undefined ? spec.region : new URL(spec.api_url).host})`,
  async send(spec, n, ctx) {
    const key = await ctx.secret(spec.api_key);
    const { path, body } = opsgenieRequest(spec, n);
    return sendHttp({
      method: "POST",
      url: `${opsgenieBase(spec)}${path}`,
      headers: { authorization: `GenieKey ${key}` },
      body,
      signal: ctx.signal,
      secrets: [key],
      errorText: (text) => {
        const json = tryJson(text) as { message?: unknown; errors?: unknown } | undefined;
        if (typeof json?.message !== "string") return undefined;
        const errors = json.errors !== null && typeof json.errors === "object" ? Object.values(json.errors).map(String) : [];
        return errors.length > 0 ? `${json.message} ${errors.join("; ")}` : json.message;
      },
    });
  },
});
