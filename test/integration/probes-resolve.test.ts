// How probes resolve names (src/net/probe-lookup.ts), against a small DNS server on loopback and hosts
// files of the test's own: /etc/hosts entries, localhost, the search list, both families, a name that
// does not exist and a DNS server that does not answer. Then issue 15 item 2: with libuv's thread pool
// full (as 400 parallel logins hashing with scrypt filled it), tcp and http checks to a host name still
// pass, because their names never wait for that pool. The pool is filled with opens of a FIFO that has no
// writer, each of which holds a pool thread until the test opens the writer end: certain, and free of CPU.
import { spawnSync } from "node:child_process";
import { lookup as systemLookup } from "node:dns";
import { createSocket, type Socket } from "node:dgram";
import { closeSync, constants, openSync, writeFileSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import type { LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import dnsPacket from "dns-packet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProbeLookup } from "../../src/net/probe-lookup.js";
import { http } from "../../src/probes/http.js";
import { tcp } from "../../src/probes/tcp.js";
import { startHttpServer, type TestHttpServer } from "./helpers/http-server.js";
import { probeContext } from "./helpers/probe-context.js";
import { makeTempDir, type TempDir } from "./helpers/temp-dir.js";

/** A DNS server for the zone probe.test: svc → 127.0.0.2 and ::1, v4only → 127.0.0.3, anything else NXDOMAIN. */
async function startDnsServer(): Promise<{ port: number; questions: string[]; stop(): Promise<void> }> {
  const socket: Socket = createSocket("udp4");
  const questions: string[] = [];
  socket.on("message", (data, remote) => {
    const query = dnsPacket.decode(data);
    const question = query.questions?.[0];
    if (!question) return;
    questions.push(`${question.type} ${question.name}`);
    const records: Record<string, Record<string, string[]>> = { "svc.probe.test": { A: ["127.0.0.2"], AAAA: ["::1"] }, "v4only.probe.test": { A: ["127.0.0.3"] } };
    const known = records[question.name.toLowerCase()];
    const values = known?.[question.type] ?? [];
    const answer = dnsPacket.encode({
      type: "response",
      id: query.id,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (known ? 0 : 3),
      questions: query.questions,
      answers: values.map((data) => ({ type: question.type as "A", name: question.name, ttl: 60, data })),
    });
    socket.send(answer, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return { port: socket.address().port, questions, stop: () => new Promise((resolve) => socket.close(() => resolve())) };
}

function lookupAll(lookup: LookupFunction, name: string, family = 0): Promise<LookupAddress[] | NodeJS.ErrnoException> {
  return new Promise((resolve) => lookup(name, { all: true, family }, (error, addresses) => resolve(error ?? (addresses as LookupAddress[]))));
}

function lookupOne(lookup: LookupFunction, name: string): Promise<string | NodeJS.ErrnoException> {
  return new Promise((resolve) => lookup(name, {}, (error, address) => resolve(error ?? (address as string))));
}

let dir: TempDir;
let dns: Awaited<ReturnType<typeof startDnsServer>>;
let hostsPath: string;
let resolvPath: string;

beforeAll(async () => {
  dir = await makeTempDir("understudy-resolve-");
  dns = await startDnsServer();
  hostsPath = join(dir.path, "hosts");
  resolvPath = join(dir.path, "resolv.conf");
  writeFileSync(hostsPath, "127.0.0.1 localhost\n10.9.8.7  NAS.lan nas # the NAS\nfd00::7 nas.lan\n# 10.0.0.1 commented.lan\n");
  writeFileSync(resolvPath, "search probe.test\noptions ndots:1\n");
});

afterAll(async () => {
  await dns?.stop();
  await dir?.stop();
});

describe("the probes' name lookup", () => {
  const make = () => createProbeLookup({ hostsPath, resolvConfPath: resolvPath, servers: [`127.0.0.1:${dns.port}`] });

  it("answers /etc/hosts names itself, case-insensitively, IPv4 first, by family", async () => {
    const lookup = make();
    expect(await lookupAll(lookup, "nas.LAN")).toEqual([{ address: "10.9.8.7", family: 4 }, { address: "fd00::7", family: 6 }]);
    expect(await lookupOne(lookup, "nas")).toBe("10.9.8.7");
    expect(await lookupAll(lookup, "app.localhost")).toEqual([{ address: "127.0.0.1", family: 4 }, { address: "::1", family: 6 }]);
    expect(dns.questions).toEqual([]);
    // No IPv6 address listed for nas: DNS is asked, as glibc's "files dns" does.
    expect(await lookupAll(lookup, "nas", 6)).toMatchObject({ code: "ENOTFOUND" });
  });

  it("asks the DNS server for other names, both families, IPv4 first", async () => {
    const lookup = make();
    expect(await lookupAll(lookup, "svc.probe.test")).toEqual([{ address: "127.0.0.2", family: 4 }, { address: "::1", family: 6 }]);
    expect(await lookupAll(lookup, "svc.probe.test", 6)).toEqual([{ address: "::1", family: 6 }]);
    expect(await lookupAll(lookup, "v4only.probe.test")).toEqual([{ address: "127.0.0.3", family: 4 }]);
  });

  it("says ENOTFOUND for a name that does not exist, and EAI_AGAIN when no server answers", async () => {
    const missing = await lookupOne(make(), "nothing.probe.test");
    expect(missing).toMatchObject({ code: "ENOTFOUND", hostname: "nothing.probe.test" });
    const silent = createProbeLookup({ hostsPath, resolvConfPath: resolvPath, servers: ["127.0.0.1:9"], timeoutMs: 200, tries: 1 });
    expect(await lookupOne(silent, "svc.probe.test")).toMatchObject({ code: "EAI_AGAIN" });
    expect(await tcp.run(tcp.schema.parse("does-not-exist.invalid:80"), probeContext().ctx)).toMatchObject({ ok: false, reason: "dns" });
  });

  it("uses the resolv.conf search list for a short name, as getaddrinfo does", async () => {
    const lookup = createProbeLookup({ hostsPath, resolvConfPath: resolvPath, servers: [`127.0.0.1:${dns.port}`] });
    // `servers` stands in for resolv.conf's nameserver lines only; here the search list comes from the file.
    expect(await lookupOne(lookup, "v4only")).toBe("127.0.0.3");
  });
});

describe("checks to a host name while libuv's thread pool is full (issue 15 #2)", () => {
  let web: TestHttpServer;
  let listener: Server;
  let listenerPort = 0;

  beforeAll(async () => {
    web = await startHttpServer((_request, response) => response.end("ok"));
    listener = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    listenerPort = (listener.address() as { port: number }).port;
  });

  afterAll(async () => {
    await web?.stop();
    await new Promise((resolve) => listener?.close(resolve));
  });

  it("tcp and http checks to localhost and a DNS name pass while every pool thread is taken", async () => {
    const fifo = join(dir.path, "pool-filler");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const poolSize = Number(process.env.UV_THREADPOOL_SIZE) || 4;
    // Each open blocks one pool thread in open(2) until a writer appears; two more wait in the queue.
    const readers = Array.from({ length: poolSize + 2 }, () => open(fifo, "r"));
    // What a check had to wait for before: dns.lookup queued behind them.
    let systemLookupDone = false;
    const queued = new Promise<void>((resolve) => systemLookup("localhost", () => {
      systemLookupDone = true;
      resolve();
    }));
    let handles: FileHandle[] = [];
    try {
      const lookup = createProbeLookup({ hostsPath, resolvConfPath: resolvPath, servers: [`127.0.0.1:${dns.port}`] });
      const contexts = [probeContext({ timeoutMs: 3_000 }), probeContext({ timeoutMs: 3_000 })];
      const [tcpResult, httpResult, resolved] = await Promise.all([
        tcp.run(tcp.schema.parse(`localhost:${listenerPort}`), contexts[0]!.ctx),
        http.run(http.schema.parse(`http://localhost:${web.port}/`), contexts[1]!.ctx),
        lookupAll(lookup, "svc.probe.test", 4),
      ]);
      for (const context of contexts) context.stop();
      expect(tcpResult).toMatchObject({ ok: true });
      expect(httpResult).toMatchObject({ ok: true, details: { status: 200 } });
      expect(resolved).toEqual([{ address: "127.0.0.2", family: 4 }]);
      // The pool was full all along: the system lookup queued before the checks has still not run.
      expect(systemLookupDone).toBe(false);
    } finally {
      // A writer end releases every reader; it stays open until the queued ones got through too.
      const writer = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
      handles = await Promise.all(readers);
      closeSync(writer);
      await Promise.all(handles.map((handle) => handle.close()));
      await queued;
    }
  });
});
