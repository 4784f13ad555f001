// The powerdns kind: the PowerDNS Authoritative HTTP API. One PATCH of the zone replaces the record
// set (changetype REPLACE), then the record is read back with a GET of the zone, or with a DNS query
// to the server when `dns_server` is given (what resolvers are told, caches included).
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import { hostPortString } from "../probes/host-port.js";
import { readByQuery } from "./dns-read.js";
import { errorExcerpt, httpCall } from "./http-call.js";
import type { HttpAnswer } from "./http-call.js";
import { defineDnsProvider, failure } from "./provider.js";
import type { DnsFailure, RecordType } from "./provider.js";
import { inZone, normaliseName } from "./record-values.js";
import { verifiedProvider } from "./verified-write.js";

export const powerdnsSchema = z
  .strictObject({
    api_url: z.url({ protocol: /^https?$/ }).describe("The API's base URL (the webserver), e.g. http://127.0.0.1:8081."),
    api_key: secretRef.describe('The API key (pdns.conf api-key) as a reference: "env:NAME" or "file:/path".'),
    zone: z.string().min(1).describe("The zone the record lives in, e.g. example.org."),
    server_id: z.string().regex(/^[A-Za-z0-9_.-]+$/).default("localhost").describe('The API\'s server id. Default "localhost", the only one PowerDNS Authoritative has.'),
    dns_server: hostPortString(53).optional().describe("Read back with a DNS query to this server instead of the API, e.g. 10.0.0.1:53."),
  })
  .describe("PowerDNS Authoritative HTTP API: { api_url, api_key, zone, server_id, dns_server }.");

interface Rrset {
  name: string;
  type: string;
  ttl?: number;
  records?: Array<{ content: string; disabled?: boolean }>;
}

/** PowerDNS keeps record content in zone-file form: names end in a dot, TXT is quoted. */
function toContent(type: RecordType, value: string): string {
  if (type === "CNAME") return `${value}.`;
  if (type === "TXT") return `"${value.replace(/["\\]/g, (char) => `\\${char}`)}"`;
  return value;
}

function fromContent(type: RecordType, content: string): string {
  if (type !== "TXT") return content;
  // Several quoted strings are one value split in 255-byte chunks.
  return [...content.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => match[1]!.replace(/\\(.)/g, "$1")).join("");
}

export const powerdns = defineDnsProvider({
  kind: "powerdns",
  schema: powerdnsSchema,
  create(spec, ctx) {
    const zone = normaliseName(spec.zone);
    const base = spec.api_url.replace(/\/+$/, "");
    const zoneUrl = `${base}/api/v1/servers/${encodeURIComponent(spec.server_id)}/zones/${encodeURIComponent(`${zone}.`)}`;
    const describe = () => `powerdns ${zone} @${new URL(base).host}`;
    const outside = (name: string) => failure("invalid", `${name} is not inside the zone ${zone}`);

    function failed(answer: HttpAnswer, action: string): DnsFailure {
      const detail = errorExcerpt(answer);
      if (answer.status === 401 || answer.status === 403) return failure("auth", `${describe()}: the API refused the API key (HTTP ${answer.status}) while trying to ${action}; check api_key against pdns.conf's api-key`);
      if (answer.status === 404) return failure("not-found", `${describe()}: no zone ${zone} on server ${spec.server_id} (HTTP 404${detail ? `: ${detail}` : ""})`);
      return failure(answer.status === 422 || answer.status === 400 ? "rejected" : "error", `${describe()}: could not ${action}: HTTP ${answer.status}${detail ? `: ${detail}` : ""}`);
    }

    return verifiedProvider(ctx, (secret) => ({
      describe,
      setsTtl: true,
      async read(name, type, signal) {
        if (!inZone(name, zone)) return outside(name);
        if (spec.dns_server !== undefined) return readByQuery(spec.dns_server, name, type, signal);
        const headers = { "X-API-Key": await secret(spec.api_key) };
        // rrset_name/rrset_type narrow the answer on PowerDNS 4.9+; older versions send the whole zone.
        const query = new URLSearchParams({ rrset_name: `${name}.`, rrset_type: type });
        const answer = await httpCall(`${describe()}: reading ${name} ${type}`, `${zoneUrl}?${query}`, { method: "GET", headers }, signal);
        if (!answer.ok) return answer;
        if (answer.status !== 200) return failed(answer, `read ${name} ${type}`);
        const rrsets = (answer.body as { rrsets?: Rrset[] } | undefined)?.rrsets ?? [];
        const rrset = rrsets.find((set) => normaliseName(set.name) === name && set.type === type);
        const values = (rrset?.records ?? []).filter((record) => record.disabled !== true).map((record) => fromContent(type, record.content));
        return { ok: true, name, type, values, ttl: values.length === 0 ? undefined : rrset?.ttl };
      },
      async apply(name, type, values, ttl, signal) {
        if (!inZone(name, zone)) return outside(name);
        const headers = { "X-API-Key": await secret(spec.api_key) };
        const body = { rrsets: [{ name: `${name}.`, type, ttl, changetype: "REPLACE", records: values.map((value) => ({ content: toContent(type, value), disabled: false })) }] };
        const answer = await httpCall(`${describe()}: writing ${name} ${type}`, zoneUrl, { method: "PATCH", headers, body }, signal);
        if (!answer.ok) return answer;
        return answer.status === 204 || answer.status === 200 ? { ok: true } : failed(answer, `write ${name} ${type}`);
      },
    }));
  },
});
