// Signal through signal-cli-rest-api (github.com/bbernhard/signal-cli-rest-api): POST /v2/send with
// { message, number, recipients } where number is the registered (or linked) sender and recipients
// are phone numbers, usernames or "group.…" ids. It answers 201 { timestamp }; errors are { error }.
// The API has no authentication of its own; when it sits behind a proxy that wants a header, give
// it as a secret.
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import { defineNotifier } from "./notifier.js";
import type { Notification, Severity } from "./notifier.js";
import { sendHttp, tryJson } from "./http-delivery.js";
import { truncate } from "./text.js";

const ICON: Record<Severity, string> = { critical: "🚨", high: "⚠️", normal: "ℹ️", low: "💬" };
const phone = z.string().regex(/^\+[1-9]\d{5,14}$/, { message: "a phone number in international form, e.g. +4915112345678" });

export const signalSchema = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }).describe("Base URL of signal-cli-rest-api, e.g. http://signal-api:8080."),
    number: phone.describe("The sender: the number registered or linked in signal-cli-rest-api."),
    recipients: z
      .array(z.string().regex(/^(\+[1-9]\d{5,14}|group\.[A-Za-z0-9+/=_-]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[A-Za-z][A-Za-z0-9_]{2,31}\.\d{2,})$/, { message: "a phone number (+49…), a group id (group.…), a UUID or a username (name.01)" }))
      .min(1)
      .describe("Who receives it: phone numbers, group ids (group.… from GET /v1/groups/NUMBER), UUIDs or usernames."),
    authorization: secretRef.optional().describe("An Authorization header value for a proxy in front of the API, as a secret reference."),
  })
  .describe("Signal messages, through signal-cli-rest-api.");

export function signalMessage(n: Notification): string {
  const icon = n.event === "resolved" ? "✅" : ICON[n.severity];
  return truncate(`${icon} ${n.title}\n${n.body}${n.url ? `\n${n.url}` : ""}`, 2000);
}

export const signal = defineNotifier({
  kind: "signal",
  schema: signalSchema,
  describe: (spec) => `signal to ${spec.recipients.length} recipient${spec.recipients.length === 1 ? "" : "s"} via ${new URL(spec.url).host}`,
  async send(spec, n, ctx) {
    const authorization = spec.authorization === undefined ? undefined : await ctx.secret(spec.authorization);
    return sendHttp({
      method: "POST",
      url: new URL("v2/send", spec.url.endsWith("/") ? spec.url : `${spec.url}/`).toString(),
      headers: authorization === undefined ? {} : { authorization },
      body: { message: signalMessage(n), number: spec.number, recipients: spec.recipients, text_mode: "normal" },
      signal: ctx.signal,
      secrets: authorization === undefined ? [] : [authorization],
      errorText: (text) => {
        const json = tryJson(text) as { error?: unknown } | undefined;
        return typeof json?.error === "string" ? json.error : undefined;
      },
    });
  },
});
