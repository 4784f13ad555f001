// Pushover: POST https://api.pushover.net/1/messages.json, form-encoded, with the application token,
// the user (or group) key and the message (https://pushover.net/api). Success is {"status":1,…};
// a 4xx carries {"status":0,"errors":[…]} and must not be retried; 5xx may be, not too often.
// Emergency priority (2) repeats until acknowledged and needs retry/expire: only when asked.
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import { defineNotifier } from "./notifier.js";
import type { Notification, Severity } from "./notifier.js";
import { sendHttp, tryJson } from "./http-delivery.js";
import { truncate } from "./text.js";

/** -2 lowest, -1 quiet, 0 normal, 1 high (bypasses quiet hours), 2 emergency. */
const PRIORITY: Record<Severity, number> = { critical: 1, high: 1, normal: 0, low: -1 };

export const pushoverSchema = z
  .strictObject({
    user_key: secretRef.describe('The user or group key, as a secret reference ("env:NAME" or "file:/path").'),
    app_token: secretRef.describe('The application API token, as a secret reference.'),
    emergency: z
      .strictObject({
        retry_s: z.number().int().min(30).default(60).describe("Seconds between repeats until acknowledged (Pushover's minimum is 30)."),
        expire_s: z.number().int().max(10800).default(3600).describe("Stop repeating after this many seconds (at most 10800)."),
      })
      .optional()
      .describe("Send critical notifications at emergency priority (2), repeated until acknowledged."),
    device: z.string().optional().describe("Only this device (names, comma-separated); default all of the user's devices."),
    api_url: z.url({ protocol: /^https?$/ }).default("https://api.pushover.net/1/messages.json").describe("The messages endpoint; change only for testing."),
  })
  .describe("Pushover push notifications.");

export function pushoverForm(spec: z.output<typeof pushoverSchema>, n: Notification, token: string, user: string): URLSearchParams {
  const form = new URLSearchParams({ token, user, title: truncate(n.title, 250), message: truncate(n.body || n.title, 1024), timestamp: String(Math.floor(n.at / 1000)) });
  const emergency = spec.emergency !== undefined && n.severity === "critical" && n.event !== "resolved";
  form.set("priority", String(emergency ? 2 : n.event === "resolved" ? 0 : PRIORITY[n.severity]));
  if (emergency) {
    form.set("retry", String(spec.emergency!.retry_s));
    form.set("expire", String(spec.emergency!.expire_s));
  }
  if (n.url) form.set("url", truncate(n.url, 512));
  if (spec.device) form.set("device", spec.device);
  return form;
}

export const pushover = defineNotifier({
  kind: "pushover",
  schema: pushoverSchema,
  describe: (spec) => `pushover${spec.device ? ` (${spec.device})` : ""}`,
  async send(spec, n, ctx) {
    const [token, user] = await Promise.all([ctx.secret(spec.app_token), ctx.secret(spec.user_key)]);
    return sendHttp({
      method: "POST",
      url: spec.api_url,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: pushoverForm(spec, n, token, user).toString(),
      signal: ctx.signal,
      secrets: [token, user],
      errorText: (text) => {
        const json = tryJson(text) as { errors?: unknown } | undefined;
        return Array.isArray(json?.errors) ? json.errors.map(String).join("; ") : undefined;
      },
      checkOk: (text) => ((tryJson(text) as { status?: unknown } | undefined)?.status === 1 ? undefined : "Pushover did not answer status 1"),
    });
  },
});
