// The http kind against real local HTTP and HTTPS servers: status, body, JSON, secret headers,
// redirects, refused connections, timeouts that tear the socket down, and TLS verification with
// self-signed and expired certificates made by openssl.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { IncomingMessage, ServerResponse } from "node:http";
import { http } from "../../src/probes/http.js";
import { closeIdleConnections, idleConnections, MAX_IDLE_PER_ORIGIN } from "../../src/probes/http-request.js";
import type { ProbeResult } from "../../src/probes/probe.js";
import { startHttpServer } from "./helpers/http-server.js";
import type { TestHttpServer } from "./helpers/http-server.js";
import { makeCerts } from "./helpers/certs.js";
import type { Certs } from "./helpers/certs.js";
import { requireBinaries } from "./helpers/binaries.js";
import { probeContext } from "./helpers/probe-context.js";
import type { TestContext } from "./helpers/probe-context.js";
import { freePort } from "./helpers/free-port.js";

const stops: (() => unknown)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

let contexts: TestContext[] = [];
afterEach(() => {
  for (const context of contexts) context.stop();
  contexts = [];
});

async function probe(input: unknown, options: Parameters<typeof probeContext>[0] = {}): Promise<ProbeResult> {
  const context = probeContext(options);
  contexts.push(context);
  return http.run(http.schema.parse(input), context.ctx);
}

function routes(request: IncomingMessage, response: ServerResponse): void {
  const json = (status: number, body: unknown) => {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(body));
  };
  switch (request.url) {
    case "/health":
      return json(200, { status: "ok", checks: [{ name: "db", state: "up" }] });
    case "/degraded":
      return json(200, { status: "degraded" });
    case "/broken":
      return json(503, { status: "down" });
    case "/basic":
      // "monitor:pa ss@word" as a browser sends it from https://monitor:pa%20ss%40word@host/.
      return request.headers.authorization === `Basic ${Buffer.from("monitor:pa ss@word").toString("base64")}` ? json(200, { status: "ok" }) : json(401, { error: "unauthorized" });
    case "/private":
      return request.headers.authorization === "Bearer s3cret-token" ? json(200, { status: "ok" }) : json(401, { error: "unauthorized" });
    case "/old":
      response.writeHead(302, { location: "/health" });
      return void response.end();
    case "/to-nowhere":
      response.writeHead(302, { location: "http://[not-a-host/x" });
      return void response.end();
    case "/to-ftp":
      response.writeHead(301, { location: "ftp://files.example.org/" });
      return void response.end();
    case "/loop":
      response.writeHead(302, { location: "/loop" });
      return void response.end();
    case "/slow":
      // Answers after 300 ms: slow enough to break a 50 ms latency ceiling, well within a 5 s timeout.
      setTimeout(() => json(200, { status: "ok" }), 300).unref();
      return;
    case "/hang":
      return; // never answers
    default:
      return json(404, { error: "not found" });
  }
}

describe("http probe against a local HTTP server", () => {
  let server: TestHttpServer;
  beforeAll(async () => {
    server = await startHttpServer(routes);
    stops.push(server.stop);
  });

  it("passes on 2xx with the shorthand URL and reports the status", async () => {
    const result = await probe(`${server.url}/health`);
    expect(result).toMatchObject({ ok: true, details: { status: 200, redirects: 0 } });
    expect(result.message).toBe(`GET ${server.url}/health answered 200.`);
  });

  it("fails on a wrong status and says what was seen and expected", async () => {
    const result = await probe(`${server.url}/broken`);
    expect(result).toMatchObject({ ok: false, reason: "status", details: { status: 503 } });
    expect(result.message).toBe(`GET ${server.url}/broken answered 503, expected 2xx.`);
    expect(await probe({ url: `${server.url}/broken`, status: 503 })).toMatchObject({ ok: true });
    expect(await probe({ url: `${server.url}/health`, status: [201, 204] })).toMatchObject({ ok: false, reason: "status" });
  });

  it("checks the body with contains and matches", async () => {
    expect(await probe({ url: `${server.url}/health`, body: { contains: '"ok"', matches: '"state":\\s*"up"' } })).toMatchObject({ ok: true });
    const result = await probe({ url: `${server.url}/degraded`, body: { contains: '"ok"' } });
    expect(result).toMatchObject({ ok: false, reason: "body" });
    expect(result.message).toContain('does not contain "\\"ok\\""');
  });

  it("checks a JSON value by path", async () => {
    expect(await probe({ url: `${server.url}/health`, json: { path: "$.checks[0].state", equals: "up" } })).toMatchObject({ ok: true });
    const result = await probe({ url: `${server.url}/degraded`, json: { path: "$.status", equals: "ok" } });
    expect(result).toMatchObject({ ok: false, reason: "json" });
    expect(result.message).toContain('$.status is "degraded", expected "ok"');
  });

  it("sends a header from a secret reference and never shows the secret", async () => {
    const env = { HEALTH_TOKEN: "s3cret-token" };
    const spec = { url: `${server.url}/private`, headers: { Authorization: { secret: "env:HEALTH_TOKEN", prefix: "Bearer " } } };
    const result = await probe(spec, { env });
    expect(result).toMatchObject({ ok: true });
    expect(JSON.stringify(result)).not.toContain("s3cret");
    const unset = await probe(spec, { env: {} });
    expect(unset).toMatchObject({ ok: false, reason: "secret" });
    expect(unset.message).toContain("HEALTH_TOKEN is not set");
  });

  it("sends a URL's user:password@ as Basic auth and never shows the password (issue 15 #15)", async () => {
    const withPassword = (password: string, path: string) => server.url.replace("http://", `http://monitor:${password}@`) + path;
    const good = withPassword("pa%20ss%40word", "/basic");
    expect(http.describe(http.schema.parse(good))).toBe(`GET ${server.url.replace("http://", "http://monitor:***@")}/basic`);
    const passed = await probe(good);
    expect(passed).toMatchObject({ ok: true, details: { status: 200 } });
    expect(passed.message).toBe(`GET ${server.url.replace("http://", "http://monitor:***@")}/basic answered 200.`);
    // Refused, redirected, or written with a raw "@": in no message, reason or detail.
    const refused = await probe(withPassword("wrong-Pa55", "/basic"));
    expect(refused).toMatchObject({ ok: false, reason: "status", details: { status: 401 } });
    expect(JSON.stringify(refused)).not.toContain("wrong-Pa55");
    const redirected = await probe(withPassword("re-Dir3ct", "/old"));
    expect(redirected).toMatchObject({ ok: true, details: { redirects: 1 } });
    expect(JSON.stringify(redirected)).not.toContain("re-Dir3ct");
    const raw = await probe(withPassword("raw@Pa55", "/basic"));
    expect(JSON.stringify(raw)).not.toMatch(/raw@Pa55|raw%40Pa55|Pa55/);
  });

  it("follows redirects, stops after five, and can be told not to follow", async () => {
    expect(await probe(`${server.url}/old`)).toMatchObject({ ok: true, details: { redirects: 1, url: `${server.url}/health` } });
    expect(await probe({ url: `${server.url}/old`, follow_redirects: false })).toMatchObject({ ok: false, reason: "status", details: { status: 302 } });
    const loop = await probe(`${server.url}/loop`);
    expect(loop).toMatchObject({ ok: false, reason: "redirects" });
    expect(loop.message).toContain("more than 5 redirects");
  });

  it("fails, never throws, on a redirect to an invalid or non-HTTP URL and on a header value it cannot send", async () => {
    const nowhere = await probe(`${server.url}/to-nowhere`);
    expect(nowhere).toMatchObject({ ok: false, reason: "redirects" });
    expect(nowhere.message).toContain('"http://[not-a-host/x", which is not an http(s) URL');
    expect(await probe(`${server.url}/to-ftp`)).toMatchObject({ ok: false, reason: "redirects" });
    const spec = { url: `${server.url}/private`, headers: { Authorization: { secret: "env:HEALTH_TOKEN", prefix: "Bearer " } } };
    const broken = await probe(spec, { env: { HEALTH_TOKEN: "line-one\r\nline-two" } });
    expect(broken).toMatchObject({ ok: false, reason: "error" });
    expect(broken.message).toMatch(/Invalid character in header content \["Authorization"\]/);
    expect(JSON.stringify(broken)).not.toContain("line-one");
  });

  it("does not carry headers to another origin a redirect points at", async () => {
    const other = await startHttpServer((_request, response) => response.end("ok"));
    stops.push(other.stop);
    const redirector = await startHttpServer((_request, response) => {
      response.writeHead(302, { location: `${other.url}/landing` });
      response.end();
    });
    stops.push(redirector.stop);
    const result = await probe({ url: redirector.url, headers: { "x-api-key": { secret: "env:KEY" } } }, { env: { KEY: "k" } });
    expect(result).toMatchObject({ ok: true, details: { redirects: 1 } });
    expect(redirector.requests[0]?.headers["x-api-key"]).toBe("k");
    expect(other.requests[0]?.headers["x-api-key"]).toBeUndefined();
  });

  it("fails with reason slow over max_latency", async () => {
    const result = await probe({ url: `${server.url}/slow`, max_latency: "50ms" });
    expect(result).toMatchObject({ ok: false, reason: "slow" });
    expect(result.message).toMatch(/more than the allowed 50ms/);
  });

  it("times out on a server that never answers and closes the connection", async () => {
    const closed = new Promise<void>((resolve) => {
      const seen = server.requests.length;
      const poll = setInterval(() => {
        const request = server.requests[seen];
        if (request === undefined) return;
        clearInterval(poll);
        request.socket.once("close", () => resolve());
      }, 10);
    });
    const result = await probe(`${server.url}/hang`, { timeoutMs: 300 });
    expect(result).toMatchObject({ ok: false, reason: "timeout" });
    expect(result.message).toBe(`GET ${server.url}/hang did not answer within 300ms.`);
    await closed;
  });

  it("settles as a timeout when the agent aborts the run", async () => {
    const context = probeContext({ timeoutMs: 10_000 });
    contexts.push(context);
    const running = http.run(http.schema.parse(`${server.url}/hang`), context.ctx);
    setTimeout(() => context.abort(), 50);
    expect(await running).toMatchObject({ ok: false, reason: "timeout" });
  });

  it("reports a refused connection", async () => {
    const port = await freePort();
    const result = await probe(`http://127.0.0.1:${port}/`);
    expect(result).toMatchObject({ ok: false, reason: "refused" });
    expect(result.message).toBe(`GET http://127.0.0.1:${port}/ failed: connection refused.`);
  });
});

describe("http probe connections", () => {
  const idleTo = (port: number) => Object.entries(idleConnections()).filter(([name]) => name.includes(`:${port}:`)).reduce((sum, [, n]) => sum + n, 0);

  it("reuses a kept-alive connection for the next run to the same origin", async () => {
    const server = await startHttpServer((_request, response) => response.end("ok"));
    stops.push(server.stop);
    expect(await probe(`${server.url}/a`)).toMatchObject({ ok: true });
    expect(await probe(`${server.url}/b`)).toMatchObject({ ok: true });
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.socket).toBe(server.requests[0]!.socket);
  });

  it("keeps a bounded number of idle connections per origin and closes them on demand", async () => {
    const server = await startHttpServer((_request, response) => void setTimeout(() => response.end("ok"), 100));
    stops.push(server.stop);
    const results = await Promise.all(Array.from({ length: 3 * MAX_IDLE_PER_ORIGIN }, () => probe(`${server.url}/`)));
    expect(results.every((result) => result.ok)).toBe(true);
    expect(new Set(server.requests.map((request) => request.socket)).size).toBe(3 * MAX_IDLE_PER_ORIGIN);
    expect(idleTo(server.port)).toBe(MAX_IDLE_PER_ORIGIN);
    const closed = server.requests.map((request) => new Promise((resolve) => (request.socket.destroyed ? resolve(undefined) : request.socket.once("close", resolve))));
    closeIdleConnections();
    await Promise.all(closed);
    expect(idleTo(server.port)).toBe(0);
  });

  it("asks again on a fresh connection when the server drops a kept-alive one, and reports no failure", async () => {
    const seen = new Map<unknown, number>();
    const server = await startHttpServer((request, response) => {
      const count = (seen.get(request.socket) ?? 0) + 1;
      seen.set(request.socket, count);
      // The keep-alive race, made certain: a second request on a connection finds it closed.
      if (count > 1) request.socket.destroy();
      else response.end("ok");
    });
    stops.push(server.stop);
    expect(await probe(`${server.url}/`)).toMatchObject({ ok: true });
    expect(await probe(`${server.url}/`)).toMatchObject({ ok: true });
    expect(seen.size).toBe(2);
  });
});

const haveOpenssl = requireBinaries("openssl", "openssl");

describe.skipIf(!haveOpenssl)("http probe against a local HTTPS server", () => {
  let certs: Certs;
  beforeAll(async () => {
    certs = await makeCerts();
    stops.push(certs.stop);
  });

  it("refuses a self-signed certificate unless tls_verify is false", async () => {
    const server = await startHttpServer(routes, certs.selfSigned);
    stops.push(server.stop);
    const result = await probe(`${server.url}/health`);
    expect(result).toMatchObject({ ok: false, reason: "tls" });
    expect(result.message).toContain("SELF_SIGNED");
    expect(await probe({ url: `${server.url}/health`, tls_verify: false })).toMatchObject({ ok: true, details: { status: 200 } });
  });

  it("refuses an expired certificate", async () => {
    const server = await startHttpServer(routes, certs.expired);
    stops.push(server.stop);
    const result = await probe(`${server.url}/health`);
    expect(result).toMatchObject({ ok: false, reason: "tls" });
    expect(result.message).toContain("CERT_HAS_EXPIRED");
  });
});
