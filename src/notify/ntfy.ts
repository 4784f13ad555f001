// ntfy (ntfy.sh or self-hosted): publish as JSON to the server root, as documented at
// https://docs.ntfy.sh/publish/#publish-as-json. The config names the topic URL users already know
// (https://ntfy.sh/mytopic); the topic is its last path segment and the server is the rest.
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import { defineNotifier } from "./notifier.js";
import type { Severity } from "./notifier.js";
import { sendHttp, tryJson } from "./http-delivery.js";

/** ntfy priorities: 1 min … 3 default … 5 max (urgent, bypasses do-not-disturb on Android). */
const PRIORITY: Record<Severity, number> = { critical: 5, high: 4, normal: 3, low: 2 };
/** Tags that ntfy renders as emojis before the title. */
const SEVERITY_TAG: Record<Severity, string> = { critical: "rotating_light", high: "warning", normal: "information_source", low: "speech_balloon" };

export const ntfySchema = z
  .strictObject({
    url: z
      .url({ protocol: /^https?$/, error: "the topic URL, such as https://ntfy.sh/mytopic" })
      // zod runs a refinement even when z.url() refused the value: parse only what is a URL.
      .refine((url) => !URL.canParse(url) || new URL(url).pathname.replace(/\/+$/, "").split("/").pop() !== "", { message: "the URL must end with the topic: https://ntfy.sh/mytopic" })
      .describe("Topic URL: the server followed by the topic, e.g. https://ntfy.sh/mytopic."),
    token: secretRef.optional().describe('Access token (tk_…) for a protected topic, as a secret reference ("env:NAME" or "file:/path").'),
    tags: z.array(z.string()).default([]).describe("Extra tags added to every message (ntfy shows known ones as emojis)."),
  })
  .describe("ntfy push notifications (https://ntfy.sh or a self-hosted server).");

/** Splits a topic URL into the server base (where JSON is published) and the topic. */
export function splitTopicUrl(url: string): { server: string; topic: string } {
  const parsed = new URL(url);
  const segments = parsed.pathname.replace(/\/+$/, "").split("/");
  const topic = decodeURIComponent(segments.pop() ?? "");
  parsed.pathname = `${segments.join("/")}/`;
  parsed.search = "";
  return { server: parsed.toString(), topic };
}

export const ntfy = defineNotifier({
  kind: "ntfy",
  schema: ntfySchema,
  describe: (spec) => `ntfy ${spec.url}`,
  async send(spec, n, ctx) {
    const { server, topic } = splitTopicUrl(spec.url);
    const token = spec.token === undefined ? undefined : await ctx.secret(spec.token);
    const tags = [SEVERITY_TAG[n.severity], ...(n.event === "resolved" ? ["white_check_mark"] : []), ...spec.tags];
    return sendHttp({
      method: "POST",
      url: server,
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      body: { topic, title: n.title, message: n.body, priority: PRIORITY[n.severity], tags, ...(n.url ? { click: n.url } : {}) },
      signal: ctx.signal,
      secrets: token === undefined ? [] : [token],
      // ntfy errors: {"code":40301,"http":403,"error":"forbidden","link":"…"}
      errorText: (body) => {
        const json = tryJson(body) as { error?: unknown } | undefined;
        return typeof json?.error === "string" ? json.error : undefined;
      },
    });
  },
});
