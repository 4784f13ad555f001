// What each DNS provider kind does beyond the shared contract: RFC 2136 falls back to TCP and refuses
// an unsigned "success"; Cloudflare waits out a 429 per Retry-After (bounded), keeps or sets the
// proxied flag and creates a missing record; a hosts file changes only the lines Understudy marks.
import { createSocket } from "node:dgram";
import type { Socket } from "node:dgram";
import { chmod, readFile, stat, writeFile } from "node:fs/promises";
import { createServer, connect } from "node:net";
import type { AddressInfo, Server } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { readSecret } from "../../src/config/secret.js";
import { cloudflare } from "../../src/dns/cloudflare.js";
import { hostsFile } from "../../src/dns/hosts-file.js";
import { rfc2136 } from "../../src/dns/rfc2136.js";
import { requireBinaries } from "./helpers/binaries.js";
import { startFakeCloudflare } from "./helpers/cloudflare-api.js";
import type { FakeCloudflare } from "./helpers/cloudflare-api.js";
import { startUpdatableNamed } from "./helpers/named-update.js";
import type { UpdatableNamed } from "./helpers/named-update.js";
import { makeTempDir } from "./helpers/temp-dir.js";
import type { TempDir } from "./helpers/temp-dir.js";

const ZONE = "example.test";
const stops: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** A UDP socket on a free port that answers every message with `reply(message)`. */
async function udpResponder(reply: (message: Buffer) => Buffer, port = 0): Promise<{ socket: Socket; port: number }> {
  const socket = createSocket("udp4");
  socket.on("message", (message, peer) => socket.send(reply(message), peer.port, peer.address));
  await new Promise<void>((resolve) => socket.bind(port, "127.0.0.1", resolve));
  stops.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return { socket, port: (socket.address() as AddressInfo).port };
}

/** The request turned into an answer: QR set, response code NOERROR, flags otherwise kept. */
function answerOf(message: Buffer, extraFlags = 0): Buffer {
  const out = Buffer.from(message);
  out.writeUInt16BE((message.readUInt16BE(2) | 0x8000 | extraFlags) & 0xfff0, 2);
  return out;
}

describe.skipIf(!requireBinaries("bind9", "named"))("rfc2136 transport and answer checks", () => {
  let named: UpdatableNamed;
  beforeAll(async () => {
    named = await startUpdatableNamed({ zone: ZONE, records: ["www 60 IN A 10.0.0.1"] });
  });
  afterAll(async () => {
    await named?.stop();
  });
  const provider = (server: string) =>
    rfc2136.create(rfc2136.schema.parse({ server, zone: ZONE, tsig: { name: named.key.name, secret: "env:TSIG" } }), { secret: (ref) => readSecret(ref, { TSIG: named.key.secret }) });

  test("a truncated UDP answer makes the update go again over TCP, and BIND applies it", async () => {
    // UDP on port P answers "truncated"; TCP on the same port P is piped to BIND.
    const tcp: Server = createServer((client) => {
      const upstream = connect({ host: "127.0.0.1", port: named.port });
      client.pipe(upstream).pipe(client);
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
    });
    await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
    stops.push(() => new Promise<void>((resolve) => tcp.close(() => resolve())));
    const port = (tcp.address() as AddressInfo).port;
    let udpSeen = 0;
    await udpResponder((message) => {
      udpSeen += 1;
      return answerOf(message, 0x0200);
    }, port);
    const result = await provider(`127.0.0.1:${port}`).write(`www.${ZONE}`, "A", ["10.0.0.7"], 60);
    // The read-back goes to the same server: its UDP query is answered "truncated" too, then TCP.
    expect(result).toMatchObject({ ok: true, changed: true, record: { values: ["10.0.0.7"] } });
    expect(udpSeen).toBeGreaterThan(0);
    expect(named.updates()).toBe(1);
  });

  test("a NOERROR answer without our TSIG signature is not taken as success", async () => {
    // Queries (the read) are answered "no such record"; the update is answered NOERROR, unsigned.
    const { port } = await udpResponder((message) => answerOf(message));
    const result = await provider(`127.0.0.1:${port}`).write(`www.${ZONE}`, "A", ["10.0.0.8"], 60);
    expect(result).toMatchObject({ ok: false, reason: "auth" });
    if (!result.ok) expect(result.message).toMatch(/without a valid TSIG signature/);
  });

  test("a name outside the zone is refused before anything is sent", async () => {
    const updates = named.updates();
    const result = await provider(named.server).write("www.other.test", "A", ["10.0.0.9"], 60);
    expect(result).toMatchObject({ ok: false, reason: "invalid" });
    expect(named.updates()).toBe(updates);
  });
});

describe("cloudflare rate limits, proxied flag and missing records, against a local server checking Cloudflare's documented API", () => {
  let cf: FakeCloudflare;
  beforeAll(async () => {
    cf = await startFakeCloudflare({
      zone: ZONE,
      records: [
        { name: `plain.${ZONE}`, type: "A", content: "10.0.0.1", ttl: 60, proxied: false },
        { name: `orange.${ZONE}`, type: "A", content: "10.0.0.1", ttl: 1, proxied: true },
      ],
    });
  });
  afterAll(async () => {
    await cf?.close();
  });
  const provider = (extra: Record<string, unknown> = {}, targetRtoMs?: number) =>
    cloudflare.create(cloudflare.schema.parse({ zone: ZONE, api_token: "env:CF", base_url: cf.baseUrl, ...extra }), { secret: (ref) => readSecret(ref, { CF: cf.token }), ...(targetRtoMs ? { targetRtoMs } : {}) });

  test("a 429 is waited out per Retry-After and the call is made again", async () => {
    const before = cf.requests.length;
    cf.answer("rate-limited");
    const result = await provider().write(`plain.${ZONE}`, "A", ["10.0.0.2"], 60);
    expect(result).toMatchObject({ ok: true, changed: true, record: { values: ["10.0.0.2"], ttl: 60 } });
    const seen = cf.requests.slice(before);
    expect(seen[0]?.path).toBe(seen[1]?.path);
    expect(seen.filter((req) => req.method === "PATCH")).toHaveLength(1);
    expect(cf.violations).toEqual([]);
  });

  test("retries are bounded, and a Retry-After longer than allowed fails at once", async () => {
    cf.answer("rate-limited", "rate-limited");
    expect(await provider({ max_retries: 1 }).read(`plain.${ZONE}`, "A")).toMatchObject({ ok: false, reason: "rate-limited" });
    cf.answer("rate-limited");
    const tooLong = await provider({ max_retry_wait_ms: 500 }).read(`plain.${ZONE}`, "A");
    expect(tooLong).toMatchObject({ ok: false, reason: "rate-limited" });
    if (!tooLong.ok) expect(tooLong.message).toMatch(/wait 1 s/);
  });

  test("a proxied record stays proxied, with Cloudflare's automatic TTL and no TTL warning", async () => {
    const result = await provider({}, 10_000).write(`orange.${ZONE}`, "A", ["10.0.0.3"], 60);
    expect(result).toMatchObject({ ok: true, changed: true, warnings: [] });
    const patch = cf.requests.filter((req) => req.method === "PATCH").at(-1);
    expect(patch?.json).toMatchObject({ content: "10.0.0.3", proxied: true, ttl: 1 });
  });

  test("proxied: false in the config turns the orange cloud off", async () => {
    const result = await provider({ proxied: false }).write(`orange.${ZONE}`, "A", ["10.0.0.4"], 120);
    expect(result).toMatchObject({ ok: true, record: { values: ["10.0.0.4"], ttl: 120 } });
    expect(cf.records.find((record) => record.name === `orange.${ZONE}`)).toMatchObject({ proxied: false, ttl: 120 });
  });

  test("a name without a record gets one created", async () => {
    const result = await provider().write(`new.${ZONE}`, "A", ["10.0.0.5"], 60);
    expect(result).toMatchObject({ ok: true, changed: true, record: { values: ["10.0.0.5"] } });
    expect(cf.requests.filter((req) => req.method === "POST")).toHaveLength(1);
    expect(cf.violations).toEqual([]);
  });

  test("a zone the token cannot see is a clear not-found", async () => {
    const result = await cloudflare.create(cloudflare.schema.parse({ zone: "missing.test", api_token: "env:CF", base_url: cf.baseUrl }), { secret: (ref) => readSecret(ref, { CF: cf.token }) }).read(`www.missing.test`, "A");
    expect(result).toMatchObject({ ok: false, reason: "not-found" });
  });
});

describe("hosts-file edits only the lines it marks", () => {
  let dir: TempDir;
  beforeAll(async () => {
    dir = await makeTempDir("understudy-hosts-");
  });
  afterAll(async () => {
    await dir?.stop();
  });
  const provider = (path: string) => hostsFile.create(hostsFile.schema.parse({ path }), { secret: () => Promise.reject(new Error("no secrets here")) });

  test("other lines, comments and blank lines are kept byte for byte; the file mode too", async () => {
    const path = join(dir.path, "kept");
    const others = "# router\n127.0.0.1 localhost\n\n192.168.1.10 nas.lan nas\n";
    await writeFile(path, `${others}10.0.0.1 hs.example.org # understudy\nfd00::1 hs.example.org # understudy\n`);
    await chmod(path, 0o640);
    const result = await provider(path).write("hs.example.org", "A", ["10.0.0.2"], 60);
    expect(result).toMatchObject({ ok: true, changed: true, record: { values: ["10.0.0.2"], ttl: 0 } });
    expect(await readFile(path, "utf8")).toBe(`${others}fd00::1 hs.example.org # understudy\n10.0.0.2 hs.example.org # understudy\n`);
    expect((await stat(path)).mode & 0o777).toBe(0o640);
  });

  test("a line without the mark naming the same host is reported, and the file is left alone", async () => {
    const path = join(dir.path, "clash");
    const text = "10.0.0.1 hs.example.org\n";
    await writeFile(path, text);
    const result = await provider(path).write("hs.example.org", "A", ["10.0.0.2"], 60);
    expect(result).toMatchObject({ ok: false, reason: "rejected" });
    if (!result.ok) expect(result.message).toMatch(/line 1 .* names hs\.example\.org without the "# understudy" mark/);
    expect(await readFile(path, "utf8")).toBe(text);
  });

  test("a missing file is created; AAAA works; CNAME is not something a hosts file can hold", async () => {
    const path = join(dir.path, "new");
    expect(await provider(path).write("hs.example.org", "AAAA", ["FD00:0:0::2"], 60)).toMatchObject({ ok: true, record: { values: ["fd00::2"] } });
    expect(await readFile(path, "utf8")).toBe("fd00::2 hs.example.org # understudy\n");
    expect(await provider(path).write("hs.example.org", "CNAME", ["other.example.org"], 60)).toMatchObject({ ok: false, reason: "unsupported" });
  });
});
