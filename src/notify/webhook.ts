// A generic webhook: any HTTP endpoint that takes JSON (Home Assistant, n8n, a custom receiver).
// The body is a JSON template (see webhook-template.ts). The URL is either plain or, when it carries
// a token, a secret reference; header values that are credentials are secret references too.
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import { defineNotifier } from "./notifier.js";
import { sendHttp } from "./http-delivery.js";
import { DEFAULT_TEMPLATE, renderTemplate, unknownPlaceholders } from "./webhook-template.js";

const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { message: "an HTTP header name" });

export const webhookSchema = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }).optional().describe("Endpoint URL, when it holds no secret."),
    url_secret: secretRef.optional().describe('Endpoint URL as a secret reference, when the URL itself carries a token.'),
    method: z.enum(["POST", "PUT", "PATCH"]).default("POST").describe("HTTP method."),
    headers: z.record(headerName, z.string()).default({}).describe("Extra request headers (no secrets: use secret_headers)."),
    secret_headers: z.record(headerName, secretRef).default({}).describe('Headers whose values are secrets, e.g. { Authorization: "env:HOOK_AUTH" }.'),
    template: z
      .record(z.string(), z.unknown())
      .default(DEFAULT_TEMPLATE)
      .describe("JSON object sent as the body; strings may hold {{title}}, {{body}}, {{severity}}, {{event}}, {{key}}, {{url}}, {{at}}, {{fields.x}}."),
  })
  .superRefine((spec, ctx) => {
    if ((spec.url === undefined) === (spec.url_secret === undefined)) {
      ctx.addIssue({ code: "custom", message: "give exactly one of url and url_secret", path: ["url"] });
    }
    const bad = unknownPlaceholders(spec.template);
    if (bad.length > 0) {
      ctx.addIssue({ code: "custom", message: `unknown placeholder ${bad.map((b) => `{{${b}}}`).join(", ")}; use title, body, severity, event, key, url, at or fields.NAME`, path: ["template"] });
    }
  })
  .describe("Generic JSON webhook.");

export const webhook = defineNotifier({
  kind: "webhook",
  schema: webhookSchema,
  describe: (spec) => `webhook ${spec.method} ${spec.url === undefined ? "(secret URL)" : new URL(spec.url).origin}`,
  async send(spec, n, ctx) {
    const url = spec.url ?? (await ctx.secret(spec.url_secret!));
    const secretHeaders = await Promise.all(Object.entries(spec.secret_headers).map(async ([name, ref]) => [name, await ctx.secret(ref)] as const));
    return sendHttp({
      method: spec.method,
      url,
      headers: { ...spec.headers, ...Object.fromEntries(secretHeaders) },
      body: renderTemplate(spec.template, n),
      signal: ctx.signal,
      secrets: [...(spec.url_secret ? [url] : []), ...secretHeaders.map(([, value]) => value)],
    });
  },
});
