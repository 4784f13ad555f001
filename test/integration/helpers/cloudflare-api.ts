// A local stand-in for Cloudflare's API v4 (zones and DNS records) for the cloudflare DNS provider's
// tests, built on fake-providers.ts. It checks every request against Cloudflare's documented API:
// Bearer token, the paths GET /zones?name=, GET /zones/{id}/dns_records?name=&type=, PATCH
// /zones/{id}/dns_records/{id} and POST /zones/{id}/dns_records, 32-hex identifiers, JSON bodies with
// only documented fields, a TTL of 1 (automatic) or 60–86400, content that fits the type. It answers
// in the documented envelope { success, errors, messages, result } and keeps the records, so a PATCH
// is seen by the next list. `answer("rate-limited")` scripts a 429 with Retry-After.
import { randomBytes } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";
import { startFakeProvider } from "./fake-providers.js";
import type { FakeProvider, RecordedRequest } from "./fake-providers.js";

export interface CfRecordState {
  id: string;
  name: string;
  type: string;
  content: string;
  ttl: number;
  proxied: boolean;
}

export interface FakeCloudflare extends FakeProvider {
  /** The base URL to configure: ".../client/v4". */
  baseUrl: string;
  token: string;
  zoneId: string;
  records: CfRecordState[];
  /** PATCH and POST requests received (the writes). */
  writes(): number;
}

const envelope = (result: unknown, extra: Record<string, unknown> = {}) => ({ success: true, errors: [], messages: [], result, ...extra });
const error = (status: number, code: number, message: string) => ({ status, body: { success: false, errors: [{ code, message }], messages: [], result: null } });
const hexId = () => randomBytes(16).toString("hex");
const PREFIX = "/client/v4";
const EDITABLE = ["name", "type", "content", "ttl", "proxied", "comment", "tags", "settings"];

function contentProblem(type: unknown, content: unknown): string | undefined {
  if (typeof content !== "string") return "content must be a string";
  if (type === "A" && !isIPv4(content)) return `content ${content} is not an IPv4 address`;
  if (type === "AAAA" && !isIPv6(content)) return `content ${content} is not an IPv6 address`;
  return undefined;
}

function bodyProblems(req: RecordedRequest, creating: boolean): string[] {
  const problems: string[] = [];
  if (!String(req.headers["content-type"] ?? "").startsWith("application/json")) problems.push(`${req.method} content-type is ${req.headers["content-type"]}, expected application/json`);
  const body = (req.json ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(body)) if (!EDITABLE.includes(key)) problems.push(`${req.method} ${req.path}: undocumented field "${key}"`);
  if (creating) for (const key of ["name", "type", "content"]) if (body[key] === undefined) problems.push(`POST dns_records: ${key} is required`);
  const ttl = body.ttl;
  if (ttl !== undefined && !(ttl === 1 || (Number.isInteger(ttl) && (ttl as number) >= 60 && (ttl as number) <= 86_400))) problems.push(`ttl ${String(ttl)} is neither 1 (automatic) nor 60–86400`);
  if (body.proxied !== undefined && typeof body.proxied !== "boolean") problems.push("proxied must be a boolean");
  if (body.content !== undefined) {
    const problem = contentProblem(body.type, body.content);
    if (problem) problems.push(problem);
  }
  return problems;
}

export async function startFakeCloudflare(options: { zone: string; records: Array<Omit<CfRecordState, "id">> }): Promise<FakeCloudflare> {
  const token = randomBytes(20).toString("hex");
  const zone = { id: hexId(), name: options.zone, status: "active", paused: false, type: "full" };
  const records: CfRecordState[] = options.records.map((record) => ({ id: hexId(), ...record }));
  const present = (record: CfRecordState) => ({ ...record, zone_id: zone.id, zone_name: zone.name, proxiable: true, settings: {}, meta: {}, comment: null, tags: [], created_on: "2024-01-01T00:00:00Z", modified_on: "2024-01-01T00:00:00Z" });
  const routes = {
    zones: new RegExp(`^${PREFIX}/zones$`),
    records: new RegExp(`^${PREFIX}/zones/([^/]+)/dns_records$`),
    record: new RegExp(`^${PREFIX}/zones/([^/]+)/dns_records/([^/]+)$`),
  };

  const fake = await startFakeProvider({
    check(req) {
      const problems: string[] = [];
      const known = (req.method === "GET" && (routes.zones.test(req.path) || routes.records.test(req.path))) || (req.method === "PATCH" && routes.record.test(req.path)) || (req.method === "POST" && routes.records.test(req.path));
      if (!known) problems.push(`${req.method} ${req.path} is not a documented endpoint of this API`);
      for (const id of [...(routes.records.exec(req.path) ?? []), ...(routes.record.exec(req.path) ?? [])].slice(1)) {
        if (!/^[0-9a-f]{32}$/.test(id ?? "")) problems.push(`identifier ${id} is not 32 hex characters`);
      }
      if (req.method === "GET" && routes.records.test(req.path)) {
        const type = req.query.get("type");
        if (type !== null && !["A", "AAAA", "CNAME", "TXT", "MX", "NS", "SRV", "CAA", "PTR"].includes(type)) problems.push(`type=${type} is not a record type`);
      }
      if (req.method === "PATCH") problems.push(...bodyProblems(req, false));
      if (req.method === "POST") problems.push(...bodyProblems(req, true));
      return problems;
    },
    auth: (req) => (req.headers.authorization === `Bearer ${token}` ? undefined : error(403, 10000, "Authentication error")),
    ok(req) {
      if (routes.zones.test(req.path)) {
        const found = req.query.get("name") === null || req.query.get("name") === zone.name ? [zone] : [];
        return { status: 200, body: envelope(found, { result_info: { page: 1, per_page: 20, count: found.length, total_count: found.length, total_pages: 1 } }) };
      }
      const zoneId = (routes.records.exec(req.path) ?? routes.record.exec(req.path))?.[1];
      if (zoneId !== zone.id) return error(404, 7003, `Could not route to ${req.path}, perhaps your object identifier is invalid?`);
      if (req.method === "GET") {
        const name = req.query.get("name.exact") ?? req.query.get("name");
        const type = req.query.get("type");
        const found = records.filter((record) => (name === null || record.name === name) && (type === null || record.type === type));
        return { status: 200, body: envelope(found.map(present), { result_info: { page: 1, per_page: 100, count: found.length, total_count: found.length, total_pages: 1 } }) };
      }
      const body = req.json as Partial<CfRecordState>;
      if (req.method === "POST") {
        const record: CfRecordState = { id: hexId(), name: body.name!, type: body.type!, content: body.content!, ttl: body.ttl ?? 1, proxied: body.proxied ?? false };
        records.push(record);
        return { status: 200, body: envelope(present(record)) };
      }
      const record = records.find((item) => item.id === routes.record.exec(req.path)?.[2]);
      if (record === undefined) return error(404, 81044, "Record does not exist.");
      Object.assign(record, Object.fromEntries(Object.entries(body).filter(([key]) => ["name", "type", "content", "ttl", "proxied"].includes(key))));
      return { status: 200, body: envelope(present(record)) };
    },
    rateLimited: { status: 429, headers: { "retry-after": "1" }, body: { success: false, errors: [{ code: 971, message: "Please wait and consider throttling your request speed" }], messages: [], result: null } },
    badRequest: error(400, 1004, "DNS Validation Error"),
  });
  return {
    ...fake,
    baseUrl: `${fake.url}${PREFIX}`,
    token,
    zoneId: zone.id,
    records,
    writes: () => fake.requests.filter((req) => req.method === "PATCH" || req.method === "POST").length,
  };
}
