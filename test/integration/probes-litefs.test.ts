// The litefs kind against what LiteFS documents and its source defines (github.com/superfly/litefs):
//   - a local server that mimics LiteFS's HTTP API: GET /info answers its NodeInfo JSON
//     ({ clusterID, isPrimary, candidate, path, primary: { hostname } }, indented, as http/server.go
//     writes it) with the Litefs-Id header; LiteFS itself needs FUSE and a lease, not available here;
//   - a folder that follows the FUSE mount's `.primary` rule (fuse/primary_node.go): the primary's
//     hostname and a newline on a replica, no file on the primary, listed as a fuse.litefs mount in a
//     crafted mountinfo file.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { createLitefsProbe, litefs } from "../../src/probes/litefs.js";
import type { ProbeResult } from "../../src/probes/probe.js";
import { startHttpServer } from "./helpers/http-server.js";
import type { TestHttpServer } from "./helpers/http-server.js";
import { makeTempDir } from "./helpers/temp-dir.js";
import type { TempDir } from "./helpers/temp-dir.js";
import { probeContext } from "./helpers/probe-context.js";
import type { TestContext } from "./helpers/probe-context.js";
import { zodMessages } from "./helpers/zod-messages.js";

let contexts: TestContext[] = [];
afterEach(() => {
  for (const context of contexts) context.stop();
  contexts = [];
});

async function probe(input: unknown, kind = litefs): Promise<ProbeResult> {
  const context = probeContext();
  contexts.push(context);
  return kind.run(kind.schema.parse(input), context.ctx);
}

describe("litefs probe against a local server that mimics LiteFS's HTTP API (GET /info)", () => {
  let server: TestHttpServer;
  let node = { isPrimary: false, candidate: true, primary: "H001" };
  beforeAll(async () => {
    server = await startHttpServer((request, response) => {
      response.setHeader("Litefs-Id", "A1B2C3D4E5F60718");
      if (request.url !== "/info" || request.method !== "GET") {
        response.writeHead(request.url === "/info" ? 405 : 404).end("not found\n");
        return;
      }
      const info = { clusterID: "LFSC0123456789ABCDEF", isPrimary: node.isPrimary, candidate: node.candidate, path: "/var/lib/litefs", primary: { hostname: node.primary } };
      response.writeHead(200).end(`${JSON.stringify(info, null, 2)}\n`);
    });
  });
  afterAll(() => server.stop());

  it("names the primary a replica follows, and passes when it is the expected one", async () => {
    const result = await probe({ url: `127.0.0.1:${server.port}`, role: "replica", primary: "H001" });
    expect(result).toMatchObject({ ok: true, details: { is_primary: false, primary: "H001", node_id: "A1B2C3D4E5F60718" } });
    expect(result.message).toBe(`litefs ${server.url}/info: a replica of H001.`);
  });

  it("fails when another node holds the primary lease, or this node has the wrong role", async () => {
    node = { isPrimary: false, candidate: true, primary: "H002" };
    const moved = await probe({ url: server.url, primary: "H001" });
    expect(moved).toMatchObject({ ok: false, reason: "primary" });
    expect(moved.message).toBe(`litefs ${server.url}/info: a replica of H002; expected H001 to be the primary.`);
    node = { isPrimary: true, candidate: true, primary: "H001" };
    const promoted = await probe({ url: server.url, role: "replica" });
    expect(promoted).toMatchObject({ ok: false, reason: "role", message: `litefs ${server.url}/info: this node is the primary (H001); expected it to be a replica.` });
    expect(await probe({ url: server.url, role: "primary", primary: "H001" })).toMatchObject({ ok: true });
  });

  it("fails with no_primary when a replica is connected to no primary (empty hostname)", async () => {
    node = { isPrimary: false, candidate: false, primary: "" };
    const result = await probe(server.url);
    node = { isPrimary: false, candidate: true, primary: "H001" };
    expect(result).toMatchObject({ ok: false, reason: "no_primary" });
    expect(result.message).toBe(`litefs ${server.url}/info: this replica is connected to no primary; writes cannot be forwarded.`);
  });

  it("fails clearly when nothing listens or the answer is not LiteFS's", async () => {
    expect(await probe("127.0.0.1:9")).toMatchObject({ ok: false, reason: "refused", message: expect.stringContaining("is LiteFS running with its HTTP API on this address?") });
    const other = await startHttpServer((_request, response) => response.writeHead(200).end('{"status":"ok"}'));
    try {
      expect(await probe(other.url)).toMatchObject({ ok: false, reason: "body", message: expect.stringContaining("without isPrimary; is this LiteFS's API?") });
    } finally {
      await other.stop();
    }
  });
});

describe("litefs probe against a folder that follows LiteFS's .primary file rule", () => {
  let temp: TempDir;
  let dir: string;
  let mountinfo: string;
  let kind: ReturnType<typeof createLitefsProbe>;
  beforeAll(async () => {
    temp = await makeTempDir();
    dir = join(temp.path, "litefs");
    await mkdir(dir);
    mountinfo = join(temp.path, "mountinfo");
    await writeFile(mountinfo, `25 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n901 25 0:88 / ${dir} rw,nosuid,nodev,relatime - fuse.litefs litefs rw,user_id=0,group_id=0\n`);
    kind = createLitefsProbe(mountinfo);
  });
  afterAll(() => temp.stop());

  it("reads the primary's hostname on a replica", async () => {
    await writeFile(join(dir, ".primary"), "H001\n");
    const result = await probe({ mount: dir, primary: "H001", role: "replica" }, kind);
    expect(result).toMatchObject({ ok: true, message: `litefs ${dir}/.primary: a replica of H001.` });
    expect(await probe({ mount: dir, primary: "H002" }, kind)).toMatchObject({ ok: false, reason: "primary" });
  });

  it("reads no file as this node being the primary (or cut off), and says the file cannot tell which", async () => {
    await rm(join(dir, ".primary"));
    const result = await probe(dir, kind);
    expect(result).toMatchObject({ ok: true });
    expect(result.message).toBe(`litefs ${dir}/.primary: no .primary file, so this node (${hostname()}) is the primary or cannot reach one (the HTTP API tells these apart).`);
    expect(await probe({ mount: dir, role: "replica" }, kind)).toMatchObject({ ok: false, reason: "role" });
    expect(await probe({ mount: dir, primary: "some-other-host" }, kind)).toMatchObject({ ok: false, reason: "primary" });
  });

  it("fails when the folder is not a FUSE mount (LiteFS stopped), instead of reading it as primary", async () => {
    const result = await probe({ mount: temp.path }, kind);
    expect(result).toMatchObject({ ok: false, reason: "not_mounted", message: `litefs ${temp.path}/.primary: ${temp.path} is not a FUSE mount; is LiteFS running?` });
  });

  it("explains bad input", () => {
    expect(zodMessages(litefs.schema, { url: "127.0.0.1:20202", mount: "/litefs" })).toContain("give exactly one of url (LiteFS's HTTP API) or mount (its FUSE directory)");
    expect(zodMessages(litefs.schema, { mount: "litefs" })).toContain('mount: expected an absolute path such as "/litefs"');
    expect(zodMessages(litefs.schema, "metrics.lan")).toContain('"metrics.lan" is not an address: expected "host:port" or an http:// URL, such as "127.0.0.1:20202"');
    expect(zodMessages(litefs.schema, { url: "http://x:20202", role: "leader" }).join("\n")).toMatch(/^role: /m);
  });
});
