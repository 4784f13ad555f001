// The conformance suite of the DNS providers: the same cases for every kind, each against the real
// thing where it runs here (BIND 9, PowerDNS, dnsmasq) and against local servers that check the
// documented API where it cannot (Cloudflare) or where the receiver is the user's own (webhook).
// A write must be read back, change nothing when the value is already there, warn about a TTL above
// the target RTO, fail clearly without changing the record when refused, and fail clearly when the
// server is down.
import { readFile, stat } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readSecret } from "../../src/config/secret.js";
import { dnsQuery } from "../../src/probes/dns-query.js";
import { parseHostPort } from "../../src/probes/host-port.js";
import type { DnsFailureReason, DnsProvider, DnsProviderKind } from "../../src/dns/provider.js";
import { findDnsProviderKind } from "../../src/dns/registry.js";
import { requireBinaries } from "./helpers/binaries.js";
import { startFakeCloudflare } from "./helpers/cloudflare-api.js";
import { startDnsWebhookReceiver } from "./helpers/dns-webhook-receiver.js";
import { startDnsmasq } from "./helpers/dnsmasq.js";
import { freePort } from "./helpers/free-port.js";
import { querySerial } from "./helpers/named.js";
import { startUpdatableNamed } from "./helpers/named-update.js";
import { startPdns } from "./helpers/pdns.js";

const ZONE = "example.test";
const NAMES = { switch: `switch.${ZONE}`, same: `same.${ZONE}`, ttl: `ttl.${ZONE}`, refused: `refused.${ZONE}`, down: `down.${ZONE}` };
const LABELS = Object.values(NAMES).map((name) => name.slice(0, -ZONE.length - 1));
const OLD = "10.0.0.1";
const NEW = "10.0.0.2";
const BAD_BASE64 = Buffer.alloc(32, 7).toString("base64");

/** A kind set up against one server, ready for the cases. */
interface Rig {
  provider(targetRtoMs?: number): DnsProvider;
  /** A provider the server must refuse (wrong key or token), the reasons that may say so, and the secret it used. */
  refused: { provider: DnsProvider; reasons: DnsFailureReason[]; mentions: RegExp; secret?: string };
  /** The same kind pointed at a port where nothing listens. */
  unreachable: DnsProvider;
  /** "127.0.0.1:port" when the kind's server answers DNS queries. */
  dnsServer?: string;
  /** Changes whenever the server accepts a change (SOA serial, file, count of write requests). */
  fingerprint(): Promise<string>;
  /** Requests that broke the documented API, for local stand-ins. */
  violations(): string[];
  stop(): Promise<void>;
}

interface Harness {
  title: string;
  binaries?: [string, ...string[]];
  start(): Promise<Rig>;
}

function maker(kindName: string, env: NodeJS.ProcessEnv) {
  const kind = findDnsProviderKind(kindName) as DnsProviderKind;
  // Through the schema, as the config loader will do: the configs below are what a user writes.
  return (config: unknown, targetRtoMs?: number) => kind.create(kind.schema.parse(config), { secret: (ref) => readSecret(ref, env), timeoutMs: 8_000, ...(targetRtoMs === undefined ? {} : { targetRtoMs }) });
}

async function closedPort(): Promise<number> {
  return freePort();
}

function rfc2136Rig(server: string, key: { name: string; algorithm: string; secret: string }, fingerprint: () => Promise<string>, stop: () => Promise<void>, refusedReasons: DnsFailureReason[]): Promise<Rig> {
  const make = maker("rfc2136", { TSIG_SECRET: key.secret, WRONG_SECRET: BAD_BASE64 });
  const config = { server, zone: ZONE, tsig: { name: key.name, algorithm: key.algorithm, secret: "env:TSIG_SECRET" } };
  return closedPort().then((port) => ({
    provider: (rto) => make(config, rto),
    refused: { provider: make({ ...config, tsig: { ...config.tsig, secret: "env:WRONG_SECRET" } }), reasons: refusedReasons, mentions: new RegExp(key.name), secret: BAD_BASE64 },
    unreachable: make({ ...config, server: `127.0.0.1:${port}` }),
    dnsServer: server,
    fingerprint,
    violations: () => [],
    stop,
  }));
}

const serialOf = (port: number) => async () => String(await querySerial(port, ZONE));

const harnesses: Harness[] = [
  ...(["hmac-sha256", "hmac-sha512"] as const).map((algorithm) => ({
    title: `rfc2136 (${algorithm}) against BIND 9`,
    binaries: ["bind9", "named"] as [string, string],
    async start() {
      const named = await startUpdatableNamed({ zone: ZONE, records: LABELS.map((label) => `${label} 60 IN A ${OLD}`), algorithm });
      const fingerprint = async () => `${await serialOf(named.port)()} ${named.updates()}`;
      return rfc2136Rig(named.server, named.key, fingerprint, named.stop, ["auth"]);
    },
  })),
  {
    title: "rfc2136 against PowerDNS",
    binaries: ["pdns-server pdns-backend-sqlite3", "pdns_server", "pdnsutil"],
    async start() {
      const pdns = await startPdns({ zone: ZONE, records: LABELS.map((label) => ({ name: label, type: "A", ttl: 60, content: OLD })) });
      // PowerDNS answers a bad signature with REFUSED rather than a TSIG error.
      return rfc2136Rig(pdns.server, pdns.key, serialOf(pdns.port), pdns.stop, ["auth", "rejected"]);
    },
  },
  {
    title: "powerdns HTTP API against PowerDNS",
    binaries: ["pdns-server pdns-backend-sqlite3", "pdns_server", "pdnsutil"],
    async start() {
      const pdns = await startPdns({ zone: ZONE, records: LABELS.map((label) => ({ name: label, type: "A", ttl: 60, content: OLD })) });
      const make = maker("powerdns", { PDNS_KEY: pdns.apiKey, WRONG_KEY: "not-the-api-key" });
      const config = { api_url: pdns.apiUrl, api_key: "env:PDNS_KEY", zone: ZONE };
      const port = await closedPort();
      return {
        provider: (rto) => make(config, rto),
        refused: { provider: make({ ...config, api_key: "env:WRONG_KEY" }), reasons: ["auth"], mentions: /API key/, secret: "not-the-api-key" },
        unreachable: make({ ...config, api_url: `http://127.0.0.1:${port}` }),
        dnsServer: pdns.server,
        fingerprint: serialOf(pdns.port),
        violations: () => [],
        stop: pdns.stop,
      };
    },
  },
  {
    title: "cloudflare against a local server checking Cloudflare's documented API",
    async start() {
      const cf = await startFakeCloudflare({ zone: ZONE, records: Object.values(NAMES).map((name) => ({ name, type: "A", content: OLD, ttl: 60, proxied: false })) });
      const make = maker("cloudflare", { CF_TOKEN: cf.token, WRONG_TOKEN: "0123456789abcdef0123456789abcdef" });
      const config = { zone: ZONE, api_token: "env:CF_TOKEN", base_url: cf.baseUrl };
      const port = await closedPort();
      return {
        provider: (rto) => make(config, rto),
        refused: { provider: make({ ...config, api_token: "env:WRONG_TOKEN" }), reasons: ["auth"], mentions: /Authentication error/, secret: "0123456789abcdef0123456789abcdef" },
        unreachable: make({ ...config, base_url: `http://127.0.0.1:${port}/client/v4` }),
        fingerprint: async () => String(cf.writes()),
        violations: () => cf.violations,
        stop: cf.close,
      };
    },
  },
  {
    title: "hosts-file served by dnsmasq",
    binaries: ["dnsmasq", "dnsmasq"],
    async start() {
      const dnsmasq = await startDnsmasq({ hosts: `# the router's own lines\n192.168.1.1 router.lan\n${Object.values(NAMES).map((name) => `${OLD} ${name} # understudy`).join("\n")}\n`, localTtl: 300 });
      const make = maker("hosts-file", {});
      const config = { path: dnsmasq.hostsFile, reload: ["kill", "-HUP", String(dnsmasq.pid)], dns_server: dnsmasq.server, served_ttl: 300 };
      const port = await closedPort();
      return {
        provider: (rto) => make(config, rto),
        // A hosts file has no credentials: what refuses the change here is a reload that fails.
        refused: { provider: make({ ...config, reload: ["false"] }), reasons: ["reload"], mentions: /reload command false failed/ },
        unreachable: make({ ...config, dns_server: `127.0.0.1:${port}` }),
        dnsServer: dnsmasq.server,
        fingerprint: async () => `${(await stat(dnsmasq.hostsFile)).mtimeMs} ${await readFile(dnsmasq.hostsFile, "utf8")}`,
        violations: () => [],
        stop: dnsmasq.stop,
      };
    },
  },
  {
    title: "webhook against a local HTTP server",
    async start() {
      const receiver = await startDnsWebhookReceiver("Bearer hook-secret-1234", Object.fromEntries(Object.values(NAMES).map((name) => [`${name} A`, { values: [OLD], ttl: 60 }])));
      const make = maker("webhook", { HOOK_AUTH: "Bearer hook-secret-1234", WRONG_AUTH: "Bearer wrong-secret-5678" });
      const config = { url: receiver.url, read_url: receiver.readUrl, secret_headers: { Authorization: "env:HOOK_AUTH" } };
      const port = await closedPort();
      return {
        provider: (rto) => make(config, rto),
        refused: { provider: make({ ...config, secret_headers: { Authorization: "env:WRONG_AUTH" } }), reasons: ["auth"], mentions: /HTTP 401/, secret: "wrong-secret-5678" },
        unreachable: make({ ...config, url: `http://127.0.0.1:${port}/`, read_url: `http://127.0.0.1:${port}/records` }),
        fingerprint: async () => String(receiver.writes()),
        violations: () => receiver.violations,
        stop: receiver.stop,
      };
    },
  },
];

async function served(server: string, name: string): Promise<string[]> {
  const outcome = await dnsQuery(parseHostPort(server)!, name, "A", AbortSignal.timeout(2_000));
  if (!outcome.ok) throw new Error(`query to ${server} failed: ${outcome.failure.text}`);
  return (outcome.response.packet.answers ?? []).flatMap((answer) => (answer.type === "A" ? [answer.data] : []));
}

for (const harness of harnesses) {
  const available = harness.binaries === undefined || requireBinaries(...harness.binaries);
  describe.skipIf(!available)(harness.title, () => {
    let rig: Rig;
    beforeAll(async () => {
      rig = await harness.start();
    });
    afterAll(async () => {
      await rig?.stop();
    });

    test("writes an A record, reads the new value back, and the server answers it", async () => {
      const result = await rig.provider().write(NAMES.switch, "A", [NEW], 60);
      expect(result).toMatchObject({ ok: true, changed: true, record: { name: NAMES.switch, type: "A", values: [NEW] }, warnings: [] });
      expect(await rig.provider().read(NAMES.switch, "A")).toMatchObject({ ok: true, values: [NEW] });
      if (rig.dnsServer !== undefined) expect(await served(rig.dnsServer, NAMES.switch)).toEqual([NEW]);
      expect(rig.violations()).toEqual([]);
    });

    test("writing the value already there is a no-op reported as such", async () => {
      expect(await rig.provider().write(NAMES.same, "A", [NEW], 60)).toMatchObject({ ok: true, changed: true });
      const before = await rig.fingerprint();
      const again = await rig.provider().write(NAMES.same, "A", [NEW], 60);
      expect(again).toMatchObject({ ok: true, changed: false, record: { values: [NEW] } });
      expect(await rig.fingerprint()).toBe(before);
      expect(rig.violations()).toEqual([]);
    });

    test("warns when the record's TTL exceeds the target RTO, and not otherwise", async () => {
      const tight = await rig.provider(60_000).write(NAMES.ttl, "A", [NEW], 300);
      expect(tight.ok).toBe(true);
      if (!tight.ok) return;
      expect(tight.record.ttl).toBe(300);
      expect(tight.warnings).toHaveLength(1);
      expect(tight.warnings[0]).toMatch(/300 s, longer than the target RTO of 60 s/);
      expect(await rig.provider(600_000).write(NAMES.ttl, "A", [NEW], 300)).toMatchObject({ ok: true, changed: false, warnings: [] });
    });

    test("a refused change fails clearly, without the secret, and the served record stays", async () => {
      const result = await rig.refused.provider.write(NAMES.refused, "A", [NEW], 60);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(rig.refused.reasons).toContain(result.reason);
      expect(result.message).toMatch(rig.refused.mentions);
      if (rig.refused.secret !== undefined) expect(result.message).not.toContain(rig.refused.secret);
      if (rig.dnsServer !== undefined) expect(await served(rig.dnsServer, NAMES.refused)).toEqual([OLD]);
      else expect(await rig.provider().read(NAMES.refused, "A")).toMatchObject({ ok: true, values: [OLD] });
    });

    test("an unreachable server fails clearly", async () => {
      const result = await rig.unreachable.write(NAMES.down, "A", [NEW], 60);
      expect(result).toMatchObject({ ok: false, reason: "unreachable" });
      if (!result.ok) expect(result.message).toMatch(/refused/);
    });
  });
}
