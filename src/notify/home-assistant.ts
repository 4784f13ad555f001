// Home Assistant: call a notify service through the REST API (developers.home-assistant.io, "REST
// API": POST /api/services/<domain>/<service>) with a long-lived access token as a Bearer token.
// The service is one of notify.*: notify.mobile_app_<phone>, a group, or notify.notify. Home
// Assistant answers 200 with the states that changed; 401 for a bad token; 400 for an unknown service.
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import { defineNotifier } from "./notifier.js";
import type { Notification } from "./notifier.js";
import { sendHttp, tryJson } from "./http-delivery.js";
import { truncate } from "./text.js";

export const homeAssistantSchema = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }).describe("Base URL of Home Assistant, e.g. http://homeassistant.local:8123 (a sub-path is kept)."),
    token: secretRef.describe("A long-lived access token (your profile → Security), as a secret reference."),
    service: z
      .string()
      .regex(/^(notify\.)?[a-z0-9_]+$/, { message: "a notify service name such as mobile_app_pixel_8 (the part after notify.)" })
      .describe("The notify service, without or with its notify. prefix: mobile_app_pixel_8, a notify group, or notify."),
    data: z.record(z.string(), z.unknown()).optional().describe("Extra service data passed as is (e.g. { push: { sound: default } } or { priority: high } for the companion app)."),
  })
  .describe("Home Assistant notify service (companion app push, notify groups…), through the REST API.");

export function homeAssistantRequest(spec: z.output<typeof homeAssistantSchema>, n: Notification): { url: string; body: Record<string, unknown> } {
  const base = spec.url.endsWith("/") ? spec.url : `${spec.url}/`;
  const service = spec.service.replace(/^notify\./, "");
  const prefix = n.event === "resolved" ? "✅ " : "";
  return {
    url: new URL(`api/services/notify/${service}`, base).toString(),
    body: { title: truncate(`${prefix}${n.title}`, 250), message: truncate(`${n.body || n.title}${n.url ? `\n${n.url}` : ""}`, 4000), ...(spec.data ? { data: spec.data } : {}) },
  };
}

export const homeAssistant = defineNotifier({
  kind: "home_assistant",
  schema: homeAssistantSchema,
  describe: (spec) => `home assistant notify.${spec.service.replace(/^notify\./, "")} at ${new URL(spec.url).host}`,
  async send(spec, n, ctx) {
    const token = await ctx.secret(spec.token);
    const { url, body } = homeAssistantRequest(spec, n);
    return sendHttp({
      method: "POST",
      url,
      headers: { authorization: `Bearer ${token}` },
      body,
      signal: ctx.signal,
      secrets: [token],
      errorText: (text) => {
        const json = tryJson(text) as { message?: unknown } | undefined;
        return typeof json?.message === "string" ? json.message : undefined;
      },
    });
  },
});
