// The dns kind against a real BIND 9 (named) serving a zone on 127.0.0.1: record types, response
// codes, truncation falling back to TCP, and a record changed and reloaded being detected.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createSocket } from "node:dgram";
import { dns } from "../../src/probes/dns.js";
import { dnsQuery } from "../../src/probes/dns-query.js";
import type { ProbeResult } from "../../src/probes/probe.js";
import { requireBinaries } from "./helpers/binaries.js";
import { startNamed } from "./helpers/named.js";
import type { Named } from "./helpers/named.js";
import { freePort } from "./helpers/free-port.js";
import { probeContext } from "./helpers/probe-context.js";
import type { TestContext } from "./helpers/probe-context.js";

const ORIGIN = "example.test";
// Twenty 60-byte TXT strings make an answer over 512 bytes, which named truncates over UDP without EDNS.
const BIG_TXT = Array.from({ length: 20 }, (_, i) => `big IN TXT "${String(i).padStart(2, "0")}${"x".repeat(58)}"`);
const RECORDS = [
  "www IN A 10.0.0.1",
  "www IN AAAA fd00::1",
  "alias IN CNAME www",
  "@ IN MX 10 mail",
  "mail IN A 10.0.0.5",
  '@ IN TXT "v=spf1 -all"',
  "_https._tcp IN SRV 0 5 443 www",
  ...BIG_TXT,
];

let contexts: TestContext[] = [];
afterEach(() => {
  for (const context of contexts) context.stop();
  contexts = [];
});

describe.skipIf(!requireBinaries("bind9", "named"))("dns probe against a real BIND 9", () => {
  let named: Named;
  beforeAll(async () => {
    named = await startNamed({ origin: ORIGIN, records: RECORDS });
  });
  afterAll(() => named?.stop());

  async function probe(input: Record<string, unknown>): Promise<ProbeResult> {
    const context = probeContext();
    contexts.push(context);
    return dns.run(dns.schema.parse({ server: named.server, ...input }), context.ctx);
  }

  it("finds an A record and says what it got", async () => {
    const result = await probe({ name: "www.example.test", answers: "10.0.0.1" });
    expect(result).toMatchObject({ ok: true, details: { rcode: "NOERROR", answers: ["10.0.0.1"], transport: "udp" } });
    expect(result.message).toBe(`dns A www.example.test @${named.server} answered 10.0.0.1.`);
  });

  it("compares AAAA, CNAME, MX, TXT and SRV answers the way dig writes them", async () => {
    expect(await probe({ name: "www.example.test", type: "AAAA", answers: ["fd00:0:0::1"] })).toMatchObject({ ok: true });
    expect(await probe({ name: "alias.example.test", type: "CNAME", answers: ["WWW.example.test."] })).toMatchObject({ ok: true });
    expect(await probe({ name: "example.test", type: "MX", answers: ["10 mail.example.test"] })).toMatchObject({ ok: true });
    expect(await probe({ name: "example.test", type: "MX", answers: ["mail.example.test"] })).toMatchObject({ ok: true });
    expect(await probe({ name: "example.test", type: "TXT", answers: ["v=spf1 -all"] })).toMatchObject({ ok: true });
    expect(await probe({ name: "_https._tcp.example.test", type: "SRV", answers: ["0 5 443 www.example.test"] })).toMatchObject({ ok: true });
    expect(await probe({ name: "example.test", type: "SOA" })).toMatchObject({ ok: true });
  });

  it("checks the response code: NXDOMAIN expected or not, REFUSED for a zone it does not serve", async () => {
    expect(await probe({ name: "nope.example.test", rcode: "NXDOMAIN" })).toMatchObject({ ok: true, details: { rcode: "NXDOMAIN" } });
    const missing = await probe({ name: "nope.example.test" });
    expect(missing).toMatchObject({ ok: false, reason: "rcode" });
    expect(missing.message).toBe(`dns A nope.example.test @${named.server} answered NXDOMAIN, expected NOERROR.`);
    expect(await probe({ name: "elsewhere.org" })).toMatchObject({ ok: false, reason: "rcode", details: { rcode: "REFUSED" } });
  });

  it("fails NOERROR with no record of the type", async () => {
    const result = await probe({ name: "mail.example.test", type: "AAAA" });
    expect(result).toMatchObject({ ok: false, reason: "empty" });
    expect(result.message).toContain("answered NOERROR with no AAAA records");
  });

  it("asks again over TCP when the UDP answer is truncated", async () => {
    const result = await probe({ name: "big.example.test", type: "TXT", answers: [`19${"x".repeat(58)}`] });
    expect(result).toMatchObject({ ok: true, details: { transport: "tcp", truncated_udp: true } });
    expect(result.details?.answers).toHaveLength(20);
  });

  it("reports refused when nothing listens on the server's port", async () => {
    const context = probeContext();
    contexts.push(context);
    const port = await freePort();
    const result = await dns.run(dns.schema.parse({ server: `127.0.0.1:${port}`, name: "www.example.test" }), context.ctx);
    expect(result).toMatchObject({ ok: false, reason: "refused" });
  });

  it("detects that the DNS answer changed after the zone is edited and reloaded", async () => {
    expect(await probe({ name: "www.example.test", answers: ["10.0.0.1"] })).toMatchObject({ ok: true });
    await named.reload(RECORDS.map((line) => (line === "www IN A 10.0.0.1" ? "www IN A 10.0.0.2" : line)));
    const result = await probe({ name: "www.example.test", answers: ["10.0.0.1"] });
    expect(result).toMatchObject({ ok: false, reason: "answer", details: { answers: ["10.0.0.2"] } });
    expect(result.message).toBe(`dns A www.example.test @${named.server} answered 10.0.0.2, expected it to contain 10.0.0.1 (the DNS answer changed).`);
  });
});

describe("a DNS query cut short", () => {
  it("settles with reason timeout when aborted while a server keeps silent, for callers without a race of their own (dns-read)", async () => {
    const silent = createSocket("udp4");
    await new Promise<void>((resolve) => silent.bind(0, "127.0.0.1", resolve));
    try {
      const controller = new AbortController();
      const pending = dnsQuery({ host: "127.0.0.1", port: silent.address().port }, "www.example.test", "A", controller.signal);
      setTimeout(() => controller.abort(), 100);
      expect(await pending).toMatchObject({ ok: false, failure: { reason: "timeout" } });
      // Already aborted before it starts: settles at once, sends nothing.
      expect(await dnsQuery({ host: "127.0.0.1", port: silent.address().port }, "www.example.test", "A", AbortSignal.abort())).toMatchObject({ ok: false, failure: { reason: "timeout" } });
    } finally {
      silent.close();
    }
  }, 10_000);
});
