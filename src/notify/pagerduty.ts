// PagerDuty Events API v2 (developer.pagerduty.com, "Events API v2"): POST /v2/enqueue with the
// integration's routing key. An incident is one alert: its opening, updates and reminders "trigger"
// with the same dedup_key (the notification key, so PagerDuty folds them into one alert), and its
// resolution "resolve"s that dedup_key. Actions (a failover done or held back) are not pages: they
// go to the Change Events API (POST /v2/change/enqueue) and show on the service's timeline.
// Answers: 202 { status: "success", dedup_key }; 400 { status: "invalid event", errors: […] }; 429.
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import { defineNotifier } from "./notifier.js";
import type { Notification, Severity } from "./notifier.js";
import { sendHttp, tryJson } from "./http-delivery.js";
import { truncate } from "./text.js";

/** PagerDuty's payload.severity is critical, error, warning or info. */
const SEVERITY: Record<Severity, string> = { critical: "critical", high: "error", normal: "warning", low: "info" };

export const pagerdutySchema = z
  .strictObject({
    routing_key: secretRef.describe("The integration key of an Events API v2 integration on a PagerDuty service, as a secret reference."),
    region: z.enum(["us", "eu"]).default("us").describe('PagerDuty service region: "us" (events.pagerduty.com) or "eu" (events.eu.pagerduty.com).'),
    api_url: z.url({ protocol: /^https?$/ }).optional().describe("Events API base URL; overrides region (for testing or a proxy)."),
    source: z.string().min(1).max(255).default("understudy").describe("payload.source: where the problem is seen (default understudy)."),
  })
  .describe("PagerDuty, through the Events API v2 (trigger and resolve one alert per incident).");

type Spec = z.output<typeof pagerdutySchema>;

export function pagerdutyBase(spec: Spec): string {
  return (spec.api_url ?? (spec.region === "eu" ? "https://events.eu.pagerduty.com" : "https://events.pagerduty.com")).replace(/\/+$/, "");
}

/** The request for one notification: its path under the Events API and its body. */
export function pagerdutyEvent(spec: Spec, n: Notification, routingKey: string): { path: string; body: Record<string, unknown> } {
  const dedupKey = truncate(n.key, 255);
  const links = n.url ? [{ href: n.url, text: "Open in Understudy" }] : [];
  const details = { body: n.body, event: n.event, ...n.fields };
  if (n.event === "action") {
    return { path: "/v2/change/enqueue", body: { routing_key: routingKey, payload: { summary: truncate(n.title, 1024), timestamp: new Date(n.at).toISOString(), source: spec.source, custom_details: details }, links } };
  }
  if (n.event === "resolved") return { path: "/v2/enqueue", body: { routing_key: routingKey, event_action: "resolve", dedup_key: dedupKey } };
  return {
    path: "/v2/enqueue",
    body: {
      routing_key: routingKey,
      event_action: "trigger",
      dedup_key: dedupKey,
      payload: { summary: truncate(n.title, 1024), source: spec.source, severity: SEVERITY[n.severity], timestamp: new Date(n.at).toISOString(), custom_details: details },
      client: "Understudy",
      ...(n.url ? { client_url: n.url } : {}),
      links,
    },
  };
}

export const pagerduty = defineNotifier({
  kind: "pagerduty",
  schema: pagerdutySchema,
  describe: (spec) => `pagerduty events v2 (${spec.api_url === undefined ? spec.region : new URL(spec.api_url).host})`,
  async send(spec, n, ctx) {
    const routingKey = await ctx.secret(spec.routing_key);
    const { path, body } = pagerdutyEvent(spec, n, routingKey);
    return sendHttp({
      method: "POST",
      url: `${pagerdutyBase(spec)}${path}`,
      body,
      signal: ctx.signal,
      secrets: [routingKey],
      errorText: (text) => {
        const json = tryJson(text) as { message?: unknown; errors?: unknown } | undefined;
        if (typeof json?.message !== "string") return undefined;
        return Array.isArray(json.errors) && json.errors.length > 0 ? `${json.message}: ${json.errors.map(String).join("; ")}` : json.message;
      },
    });
  },
});
