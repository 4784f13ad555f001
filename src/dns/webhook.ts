// The webhook kind: for DNS that none of the other kinds speaks (a router's API behind a small script,
// Home Assistant, n8n). The write POSTs { name, type, values, ttl } as JSON; the read-back is a GET of
// `read_url` (answering { values, ttl }, or 404 for no record) or a DNS query to `dns_server`. One of
// the two is required: a switch that cannot be checked is not a switch.
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import { hostPortString } from "../probes/host-port.js";
import { readByQuery } from "./dns-read.js";
import { errorExcerpt, httpCall } from "./http-call.js";
import type { HttpAnswer } from "./http-call.js";
import { defineDnsProvider, failure } from "./provider.js";
import type { DnsFailure } from "./provider.js";
import type { SecretReader } from "./verified-write.js";
import { verifiedProvider } from "./verified-write.js";

const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { message: "an HTTP header name" });
const httpUrl = z.url({ protocol: /^https?$/ });

export const dnsWebhookSchema = z
  .strictObject({
    url: httpUrl.optional().describe("Where the change is sent, when the URL holds no secret."),
    url_secret: secretRef.optional().describe("Where the change is sent, as a secret reference, when the URL itself carries a token."),
    method: z.enum(["POST", "PUT", "PATCH"]).default("POST").describe("HTTP method of the write. Default POST."),
    secret_headers: z.record(headerName, secretRef).default({}).describe('Headers whose values are secrets, sent with the write and the read, e.g. { Authorization: "env:DNS_HOOK_AUTH" }.'),
    read_url: httpUrl.optional().describe("Read back with GET <read_url>?name=&type=, answering JSON { values: [...], ttl: seconds } (404: no such record)."),
    dns_server: hostPortString(53).optional().describe("Read back with a DNS query to this server instead, e.g. 10.0.0.1:53."),
  })
  .superRefine((spec, ctx) => {
    if ((spec.url === undefined) === (spec.url_secret === undefined)) ctx.addIssue({ code: "custom", message: "give exactly one of url and url_secret", path: ["url"] });
    if ((spec.read_url === undefined) === (spec.dns_server === undefined)) ctx.addIssue({ code: "custom", message: "give exactly one of read_url and dns_server: every write is read back", path: ["read_url"] });
  })
  .describe("A DNS change sent to a webhook: { url | url_secret, method, secret_headers, read_url | dns_server }.");

function httpFailure(what: string, answer: HttpAnswer): DnsFailure {
  const detail = errorExcerpt(answer);
  const text = `${what}: HTTP ${answer.status}${detail ? `: ${detail}` : ""}`;
  if (answer.status === 401 || answer.status === 403) return failure("auth", `${text} (check secret_headers)`);
  if (answer.status === 429) return failure("rate-limited", text);
  return failure(answer.status >= 500 ? "error" : "rejected", text);
}

async function headersFrom(spec: z.output<typeof dnsWebhookSchema>, secret: SecretReader): Promise<Record<string, string>> {
  return Object.fromEntries(await Promise.all(Object.entries(spec.secret_headers).map(async ([name, ref]) => [name, await secret(ref)] as const)));
}

export const dnsWebhook = defineDnsProvider({
  kind: "webhook",
  schema: dnsWebhookSchema,
  create(spec, ctx) {
    const describe = () => `webhook ${spec.method} ${spec.url === undefined ? "(secret URL)" : new URL(spec.url).origin}`;
    return verifiedProvider(ctx, (secret) => ({
      describe,
      setsTtl: true,
      async read(name, type, signal) {
        if (spec.dns_server !== undefined) return readByQuery(spec.dns_server, name, type, signal);
        const url = new URL(spec.read_url!);
        url.searchParams.set("name", name);
        url.searchParams.set("type", type);
        const what = `webhook read of ${name} ${type} (${url.origin})`;
        const answer = await httpCall(what, url.toString(), { method: "GET", headers: await headersFrom(spec, secret) }, signal);
        if (!answer.ok) return answer;
        if (answer.status === 404) return { ok: true, name, type, values: [], ttl: undefined };
        if (answer.status !== 200) return httpFailure(what, answer);
        const parsed = z.strictObject({ values: z.array(z.string()), ttl: z.number().int().min(0).optional() }).safeParse(answer.body);
        if (!parsed.success) return failure("error", `${what}: expected JSON { values: [...], ttl }, got ${answer.text.slice(0, 100)}`);
        return { ok: true, name, type, values: parsed.data.values, ttl: parsed.data.ttl };
      },
      async apply(name, type, values, ttl, signal) {
        const url = spec.url ?? (await secret(spec.url_secret!));
        const answer = await httpCall(`${describe()}`, url, { method: spec.method, headers: await headersFrom(spec, secret), body: { name, type, values, ttl } }, signal);
        if (!answer.ok) return answer;
        return answer.status >= 200 && answer.status < 300 ? { ok: true } : httpFailure(`${describe()} for ${name} ${type}`, answer);
      },
    }));
  },
});
