// The cloudflare kind, on the official `cloudflare` SDK: the zone is looked up by name (once), the
// record listed by name and type, then PATCHed (content, TTL, and the proxied flag: kept unless the
// config sets it) or created when the name has none. Rate limits (429) are waited out per
// Retry-After, a bounded number of times and never longer than `max_retry_wait_ms`: a failover must
// not sleep for an hour on a header. The SDK's own retries are off so that this is the only policy.
// The SDK is loaded on the first call, not with this module: the config schema imports every kind, and
// loading the SDK took 655 ms of each `understudy --help` (bench/cli-startup.js).
import { setTimeout as sleep } from "node:timers/promises";
import type Cloudflare from "cloudflare";
import type { APIError } from "cloudflare";
import type * as CloudflareSdk from "cloudflare";
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import { describeNetError } from "../probes/net-error.js";
import { defineDnsProvider, failure } from "./provider.js";
import type { DnsFailure, RecordType } from "./provider.js";
import { inZone, normaliseName } from "./record-values.js";
import { verifiedProvider } from "./verified-write.js";

export const cloudflareSchema = z
  .strictObject({
    zone: z.string().min(1).describe("The zone's name as Cloudflare shows it, e.g. example.org."),
    api_token: secretRef.describe('An API token with Zone:Read and DNS:Edit on the zone, as a reference: "env:NAME" or "file:/path".'),
    proxied: z.boolean().optional().describe("Set the orange cloud on (true) or off (false); left as it is when absent."),
    base_url: z.url({ protocol: /^https?$/ }).optional().describe("The API's base URL. Default Cloudflare's (https://api.cloudflare.com/client/v4); tests point it at a local server."),
    max_retries: z.number().int().min(0).max(10).default(3).describe("Retries of a rate-limited (429) or failing (5xx) call. Default 3."),
    max_retry_wait_ms: z.number().int().min(0).default(30_000).describe("Longest wait for one retry; a Retry-After asking for more fails the call instead. Default 30 s."),
  })
  .describe("Cloudflare DNS: { zone, api_token, proxied, base_url, max_retries, max_retry_wait_ms }.");

/** Cloudflare's TTL 1 means "automatic", which it documents as 300 seconds. */
const AUTOMATIC_TTL = 300;

interface CfRecord {
  id: string;
  content?: string;
  ttl: number;
  proxied?: boolean;
}

function retryAfterMs(error: APIError): number | undefined {
  const header = error.headers?.get("retry-after");
  if (header === null || header === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Math.round(Number(header) * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function apiMessage(error: APIError): string {
  const errors = error.errors.map((item) => `${item.message}${item.code ? ` (code ${item.code})` : ""}`).join("; ");
  return `HTTP ${error.status}${errors ? `: ${errors}` : ""}`;
}

type Sdk = typeof CloudflareSdk;
let sdk: Promise<Sdk> | undefined;
const loadSdk = (): Promise<Sdk> => (sdk ??= import("cloudflare"));

function toFailure({ APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError }: Sdk, error: unknown, what: string, signal: AbortSignal): DnsFailure {
  if (error instanceof APIUserAbortError || error instanceof APIConnectionTimeoutError || signal.aborted) return failure("timeout", `${what}: no answer in time`);
  if (error instanceof APIConnectionError) return failure("unreachable", `${what}: cannot reach the API: ${describeNetError((error.cause as { cause?: unknown } | undefined)?.cause ?? error.cause ?? error).text}`);
  if (error instanceof APIError) {
    if (error.status === 401 || error.status === 403) return failure("auth", `${what}: the API token was refused, ${apiMessage(error)}; check api_token and its permissions (Zone:Read, DNS:Edit)`);
    if (error.status === 404) return failure("not-found", `${what}: ${apiMessage(error)}`);
    if (error.status === 429) return failure("rate-limited", `${what}: still rate limited after the retries, ${apiMessage(error)}`);
    return failure(error.status !== undefined && error.status >= 500 ? "error" : "rejected", `${what}: ${apiMessage(error)}`);
  }
  throw error;
}

export const cloudflare = defineDnsProvider({
  kind: "cloudflare",
  schema: cloudflareSchema,
  create(spec, ctx) {
    const zoneName = normaliseName(spec.zone);
    const describe = () => `cloudflare ${zoneName}`;
    let zoneId: string | undefined;

    return verifiedProvider(ctx, (secret) => {
      // Each call: the SDK request, retried on 429 and 5xx as the policy above says.
      async function call<T>(what: string, signal: AbortSignal, request: (client: Cloudflare) => Promise<T>): Promise<{ ok: true; value: T } | DnsFailure> {
        const loaded = await loadSdk();
        const client = new loaded.default({ apiToken: await secret(spec.api_token), maxRetries: 0, ...(spec.base_url ? { baseURL: spec.base_url } : {}) });
        for (let attempt = 0; ; attempt += 1) {
          try {
            return { ok: true, value: await request(client) };
          } catch (error) {
            const retryable = error instanceof loaded.APIError && error.status !== undefined && (error.status === 429 || error.status >= 500);
            if (!retryable || attempt >= spec.max_retries || signal.aborted) return toFailure(loaded, error, what, signal);
            const wait = retryAfterMs(error) ?? Math.min(500 * 2 ** attempt, spec.max_retry_wait_ms);
            if (wait > spec.max_retry_wait_ms) return failure("rate-limited", `${what}: the API asks to wait ${Math.round(wait / 1000)} s (Retry-After), longer than max_retry_wait_ms`);
            await sleep(wait, undefined, { signal }).catch(() => undefined);
          }
        }
      }

      async function findZone(signal: AbortSignal): Promise<{ ok: true; value: string } | DnsFailure> {
        if (zoneId !== undefined) return { ok: true, value: zoneId };
        const found = await call(`${describe()}: looking up the zone`, signal, (client) => client.zones.list({ name: zoneName }, { signal }));
        if (!found.ok) return found;
        const zone = found.value.result.find((item) => normaliseName(item.name) === zoneName);
        if (zone === undefined) return failure("not-found", `${describe()}: no zone named ${zoneName} is visible to this API token`);
        zoneId = zone.id;
        return { ok: true, value: zone.id };
      }

      async function listRecords(name: string, type: RecordType, signal: AbortSignal): Promise<{ ok: true; value: CfRecord[] } | DnsFailure> {
        if (!inZone(name, zoneName)) return failure("invalid", `${name} is not inside the zone ${zoneName}`);
        const zone = await findZone(signal);
        if (!zone.ok) return zone;
        const listed = await call(`${describe()}: listing ${name} ${type}`, signal, (client) => client.dns.records.list({ zone_id: zone.value, name: { exact: name }, type }, { signal }));
        return listed.ok ? { ok: true, value: listed.value.result as CfRecord[] } : listed;
      }

      return {
        describe,
        setsTtl: true,
        async read(name, type, signal) {
          const listed = await listRecords(name, type, signal);
          if (!listed.ok) return listed;
          const records = listed.value;
          const first = records[0];
          const values = records.map((record) => record.content ?? "");
          return { ok: true, name, type, values, ttl: first === undefined ? undefined : first.ttl === 1 ? AUTOMATIC_TTL : first.ttl, fronted: first?.proxied === true };
        },
        async apply(name, type, values, ttl, signal) {
          if (values.length !== 1) return failure("unsupported", `${describe()}: a switched name holds one value here (Cloudflare keeps one record per value); got ${values.length}`);
          const listed = await listRecords(name, type, signal);
          if (!listed.ok) return listed;
          if (listed.value.length > 1) return failure("rejected", `${describe()}: ${name} has ${listed.value.length} ${type} records; keep exactly one for understudy to switch`);
          const existing = listed.value[0];
          const proxied = spec.proxied ?? existing?.proxied ?? false;
          // A proxied record's TTL is Cloudflare's (automatic); sending another is refused.
          const params = { zone_id: zoneId!, type, name, content: values[0]!, ttl: proxied ? 1 : ttl, proxied } as unknown as Cloudflare.DNS.RecordEditParams & Cloudflare.DNS.RecordCreateParams;
          const written = existing === undefined
            ? await call(`${describe()}: creating ${name} ${type}`, signal, (client) => client.dns.records.create(params, { signal }))
            : await call(`${describe()}: updating ${name} ${type}`, signal, (client) => client.dns.records.edit(existing.id, params, { signal }));
          return written.ok ? { ok: true } : written;
        },
      };
    });
  },
});
