// The headscale kind against a local server checking Headscale's documented API: GET /api/v1/node
// with "Authorization: Bearer <api key>", answering { "nodes": [{ id, name, online, … }] } (the shape
// headscale's gRPC gateway returns), 401 for a wrong key.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { headscale } from "../../src/probes/headscale.js";
import type { ProbeResult } from "../../src/probes/probe.js";
import { startHttpServer } from "./helpers/http-server.js";
import type { TestHttpServer } from "./helpers/http-server.js";
import { probeContext } from "./helpers/probe-context.js";
import type { TestContext } from "./helpers/probe-context.js";

const API_KEY = "hskey-api-abc.def";
const NODES = [
  { id: "1", name: "o001", givenName: "o001", online: true, ipAddresses: ["100.64.0.1"] },
  { id: "2", name: "l001", givenName: "l001", online: true, ipAddresses: ["100.64.0.2"] },
  { id: "3", name: "h002", givenName: "h002", online: false, ipAddresses: ["100.64.0.3"] },
];

let contexts: TestContext[] = [];
afterEach(() => {
  for (const context of contexts) context.stop();
  contexts = [];
});

describe("headscale probe against a local server checking Headscale's documented API", () => {
  let server: TestHttpServer;
  let body: unknown = { nodes: NODES };
  beforeAll(async () => {
    server = await startHttpServer((request, response) => {
      if (request.method !== "GET" || request.url !== "/api/v1/node") {
        response.writeHead(404).end();
        return;
      }
      if (request.headers.authorization !== `Bearer ${API_KEY}`) {
        response.writeHead(401, { "content-type": "text/plain" }).end("Unauthorized");
        return;
      }
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
  });
  afterAll(() => server.stop());

  async function probe(input: Record<string, unknown>, key = API_KEY): Promise<ProbeResult> {
    const context = probeContext({ env: { HEADSCALE_API_KEY: key } });
    contexts.push(context);
    return headscale.run(headscale.schema.parse({ url: server.url, api_key: "env:HEADSCALE_API_KEY", ...input }), context.ctx);
  }

  it("lists the nodes with the API key and counts those online", async () => {
    const result = await probe({});
    expect(result).toMatchObject({ ok: true, details: { status: 200, nodes: 3, online: 2 } });
    expect(result.message).toBe(`headscale ${server.url} lists 3 nodes, 2 online.`);
    expect(server.requests.at(-1)?.url).toBe("/api/v1/node");
  });

  it("accepts a base URL with a trailing slash", async () => {
    expect(await probe({ url: `${server.url}/` })).toMatchObject({ ok: true });
  });

  it("fails when fewer nodes than min_nodes are online", async () => {
    const result = await probe({ min_nodes: 3 });
    expect(result).toMatchObject({ ok: false, reason: "nodes" });
    expect(result.message).toContain("lists 2 online nodes of 3, fewer than the required 3");
  });

  it("fails with reason auth on a rejected key and never shows the key", async () => {
    const result = await probe({}, "hskey-wrong-key");
    expect(result).toMatchObject({ ok: false, reason: "auth", details: { status: 401 } });
    expect(JSON.stringify(result)).not.toContain("hskey-wrong-key");
  });

  it("fails when the answer is not a node list", async () => {
    body = { machines: [] };
    const result = await probe({});
    body = { nodes: NODES };
    expect(result).toMatchObject({ ok: false, reason: "body" });
  });
});
