// Pushbullet: POST /v2/pushes with the account's access token in the Access-Token header
// (docs.pushbullet.com, "Create push"). A notification with a link is a "link" push (tapping it opens
// the dashboard), otherwise a "note". Targets: every device by default, or one device, a contact's
// email or a channel. Errors are { error: { code, type, message } }; 429 when over the rate limit.
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import { defineNotifier } from "./notifier.js";
import type { Notification } from "./notifier.js";
import { sendHttp, tryJson } from "./http-delivery.js";
import { truncate } from "./text.js";

export const pushbulletSchema = z
  .strictObject({
    access_token: secretRef.describe("An access token (Settings → Account → Create Access Token), as a secret reference."),
    device_iden: z.string().min(1).optional().describe("Push to this device only (its iden); default all of the account's devices."),
    email: z.email().optional().describe("Push to this person (a Pushbullet user's email) instead."),
    channel_tag: z.string().min(1).optional().describe("Push to the subscribers of this channel (by its tag) instead."),
    api_url: z.url({ protocol: /^https?$/ }).default("https://api.pushbullet.com").describe("API base URL; change only for testing."),
  })
  .refine((spec) => [spec.device_iden, spec.email, spec.channel_tag].filter((target) => target !== undefined).length <= 1, { message: "give at most one of device_iden, email and channel_tag", path: ["device_iden"] })
  .describe("Pushbullet push to your devices, a person or a channel.");

export function pushbulletPush(spec: z.output<typeof pushbulletSchema>, n: Notification): Record<string, unknown> {
  const target = spec.device_iden ? { device_iden: spec.device_iden } : spec.email ? { email: spec.email } : spec.channel_tag ? { channel_tag: spec.channel_tag } : {};
  const title = truncate(`${n.event === "resolved" ? "✅ " : ""}${n.title}`, 250);
  const body = truncate(n.body || n.title, 4000);
  return n.url ? { type: "link", title, body, url: n.url, ...target } : { type: "note", title, body, ...target };
}

export const pushbullet = defineNotifier({
  kind: "pushbullet",
  schema: pushbulletSchema,
  describe: (spec) => `pushbullet${spec.device_iden ? " (one device)" : spec.email ? " (a contact)" : spec.channel_tag ? ` (channel ${spec.channel_tag})` : ""}`,
  async send(spec, n, ctx) {
    const token = await ctx.secret(spec.access_token);
    return sendHttp({
      method: "POST",
      url: `${spec.api_url.replace(/\/+$/, "")}/v2/pushes`,
      headers: { "access-token": token },
      body: pushbulletPush(spec, n),
      signal: ctx.signal,
      secrets: [token],
      errorText: (text) => {
        const error = (tryJson(text) as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
        return typeof error?.message === "string" ? `${String(error.code ?? "error")}: ${error.message}` : undefined;
      },
    });
  },
});
