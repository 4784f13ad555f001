// Gotify (self-hosted push): POST /message with the application token in X-Gotify-Key, as in the
// Gotify REST API (createMessage). Priorities are 0–10; the Android app rings from 8 up.
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import { defineNotifier } from "./notifier.js";
import type { Severity } from "./notifier.js";
import { sendHttp, tryJson } from "./http-delivery.js";

const PRIORITY: Record<Severity, number> = { critical: 10, high: 8, normal: 5, low: 2 };

export const gotifySchema = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }).describe("Base URL of the Gotify server, e.g. https://gotify.example.org (a sub-path is kept)."),
    token: secretRef.describe('The application token, as a secret reference ("env:NAME" or "file:/path").'),
  })
  .describe("Gotify push notifications (self-hosted).");

export const gotify = defineNotifier({
  kind: "gotify",
  schema: gotifySchema,
  describe: (spec) => `gotify ${spec.url}`,
  async send(spec, n, ctx) {
    const token = await ctx.secret(spec.token);
    const body = n.url ? `${n.body}\n\n${n.url}` : n.body;
    return sendHttp({
      method: "POST",
      url: new URL("message", spec.url.endsWith("/") ? spec.url : `${spec.url}/`).toString(),
      headers: { "x-gotify-key": token },
      body: {
        title: n.title,
        message: body,
        priority: PRIORITY[n.severity],
        extras: { "client::display": { contentType: "text/plain" }, ...(n.url ? { "client::notification": { click: { url: n.url } } } : {}) },
      },
      signal: ctx.signal,
      secrets: [token],
      // Gotify errors: {"error":"Unauthorized","errorCode":401,"errorDescription":"…"}
      errorText: (text) => {
        const json = tryJson(text) as { error?: unknown; errorDescription?: unknown } | undefined;
        if (typeof json?.errorDescription === "string") return `${String(json.error ?? "")}: ${json.errorDescription}`;
        return undefined;
      },
    });
  },
});
