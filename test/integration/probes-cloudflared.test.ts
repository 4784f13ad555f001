// The cloudflared kind against a local server that mimics cloudflared's metrics server as its source
// defines it (metrics/readiness.go, metrics/metrics.go): GET /ready answers 200 with
// {"status":200,"readyConnections":N,"connectorId":"<uuid>"} while N > 0 and 503 with N = 0; any other
// path is Go's "404 page not found". cloudflared itself cannot reach Cloudflare's edge from here.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { cloudflared } from "../../src/probes/cloudflared.js";
import type { ProbeResult } from "../../src/probes/probe.js";
import { startHttpServer } from "./helpers/http-server.js";
import type { TestHttpServer } from "./helpers/http-server.js";
import { probeContext } from "./helpers/probe-context.js";
import type { TestContext } from "./helpers/probe-context.js";
import { zodMessages } from "./helpers/zod-messages.js";

const CONNECTOR_ID = "2c5f4e1a-7b3d-4c8e-9f10-aa11bb22cc33";

let contexts: TestContext[] = [];
afterEach(() => {
  for (const context of contexts) context.stop();
  contexts = [];
});

describe("cloudflared probe against a local server that mimics cloudflared's /ready endpoint (metrics/readiness.go)", () => {
  let server: TestHttpServer;
  let readyConnections = 4;
  let rawBody: string | undefined;
  beforeAll(async () => {
    server = await startHttpServer((request, response) => {
      if (request.method !== "GET" || request.url !== "/ready") {
        response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("404 page not found\n");
        return;
      }
      // As ReadyServer.ServeHTTP: the status first, then the JSON body (Go sniffs it as text/plain).
      const status = readyConnections > 0 ? 200 : 503;
      response.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(rawBody ?? JSON.stringify({ status, readyConnections, connectorId: CONNECTOR_ID }));
    });
  });
  afterAll(() => server.stop());

  async function probe(input: unknown): Promise<ProbeResult> {
    const context = probeContext();
    contexts.push(context);
    return cloudflared.run(cloudflared.schema.parse(input), context.ctx);
  }

  it("passes for a replica holding ready connections, from the bare host:port shorthand", async () => {
    const result = await probe(`127.0.0.1:${server.port}`);
    expect(result).toMatchObject({ ok: true, details: { status: 200, ready_connections: 4, connector_id: CONNECTOR_ID } });
    expect(result.message).toBe(`cloudflared ${server.url}/ready: the replica holds 4 ready connections to the edge.`);
    expect(server.requests.at(-1)?.url).toBe("/ready");
  });

  it("fails with not_ready when the replica has no connection to the edge (503)", async () => {
    readyConnections = 0;
    const result = await probe({ url: server.url });
    readyConnections = 4;
    expect(result).toMatchObject({ ok: false, reason: "not_ready", details: { status: 503, ready_connections: 0 } });
    expect(result.message).toBe(`cloudflared ${server.url}/ready: the replica holds no ready connection to Cloudflare's edge (503).`);
  });

  it("fails when fewer connections than min_connections are ready", async () => {
    readyConnections = 1;
    const result = await probe({ url: `${server.url}/`, min_connections: 2 });
    readyConnections = 4;
    expect(result).toMatchObject({ ok: false, reason: "connections" });
    expect(result.message).toContain("holds 1 ready connections to the edge, fewer than the required 2");
  });

  it("fails with body when the server is not cloudflared's metrics server", async () => {
    rawBody = "OK\n";
    const result = await probe(server.url);
    rawBody = undefined;
    expect(result).toMatchObject({ ok: false, reason: "body" });
    expect(result.message).toContain("without a readyConnections count; is this cloudflared's metrics server?");
  });

  it("fails with refused when nothing listens there", async () => {
    const result = await probe("127.0.0.1:9");
    expect(result).toMatchObject({ ok: false, reason: "refused" });
    expect(result.message).toContain("is cloudflared running with --metrics on this address?");
  });

  it("explains a bad address", () => {
    expect(zodMessages(cloudflared.schema, "metrics.lan")[0]).toContain('"metrics.lan" is not an address');
    expect(zodMessages(cloudflared.schema, { url: "127.0.0.1:20241", min_connections: 0 })[0]).toMatch(/^min_connections: /);
  });
});
