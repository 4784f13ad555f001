// The agent's HTTP routes against stub dependencies, over a real loopback socket.
import { afterEach, describe, expect, it } from "vitest";
import { createHandler, listenHttp, ListenError, parseListen, type HttpDeps, type HttpServer } from "./http.js";
import type { AgentStatus } from "./status.js";

const status: AgentStatus = {
  source: "agent",
  agent: { name: "vm", version: "1.2.3", started_at: "2026-01-01T00:00:00.000Z", uptime_s: 42 },
  services: [{ name: "web", criticality: "normal", health: "up", instances: [{ host: "H1", state: "up" }], checks: [] }],
  incidents: [],
};

let servers: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

async function serve(overrides: Partial<HttpDeps> = {}) {
  const beats: string[] = [];
  const deps: HttpDeps = {
    version: "1.2.3",
    uptime: () => 42.4,
    metrics: async () => ({ contentType: "text/plain; version=0.0.4; charset=utf-8", body: "understudy_open_incidents 0\n" }),
    status: () => status,
    push: (token) => {
      if (token !== "nightly-backup") return false;
      beats.push(token);
      return true;
    },
    ...overrides,
  };
  const server = await listenHttp(createHandler(deps), "127.0.0.1:0");
  servers.push(server);
  return { url: server.url, beats };
}

describe("agent HTTP routes", () => {
  it("answers /healthz with ok, the version and the uptime", async () => {
    const { url } = await serve();
    const text = await fetch(`${url}/healthz`);
    expect(text.status).toBe(200);
    expect(await text.text()).toBe('ok\n{"status":"ok","version":"1.2.3","uptime_s":42}\n');
    const json = await fetch(`${url}/healthz`, { headers: { accept: "application/json" } });
    expect(await json.json()).toEqual({ status: "ok", version: "1.2.3", uptime_s: 42 });
  });

  it("serves /metrics with Prometheus' content type and /api/status as JSON", async () => {
    const { url } = await serve();
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.headers.get("content-type")).toContain("version=0.0.4");
    expect(await metrics.text()).toBe("understudy_open_incidents 0\n");
    const answer = await fetch(`${url}/api/status`);
    expect(answer.headers.get("content-type")).toBe("application/json");
    expect(await answer.json()).toEqual(status);
  });

  it("records a push by GET or POST and answers an unknown token exactly like an unknown path", async () => {
    const { url, beats } = await serve();
    expect((await fetch(`${url}/push/nightly-backup`)).status).toBe(200);
    expect((await fetch(`${url}/push/nightly-backup`, { method: "POST", body: "done in 4m" })).status).toBe(200);
    expect(beats).toEqual(["nightly-backup", "nightly-backup"]);
    const unknown = await fetch(`${url}/push/nightly-backupp`);
    const nowhere = await fetch(`${url}/no/such/page`);
    expect([unknown.status, await unknown.text()]).toEqual([nowhere.status, await nowhere.text()]);
    expect(unknown.status).toBe(404);
    expect((await fetch(`${url}/push/%E0%A4%A`)).status).toBe(404);
  });

  it("takes a push at Uptime Kuma's path /api/push/TOKEN too, and does not count Kuma's ?status=down as a beat", async () => {
    const { url, beats } = await serve();
    expect((await fetch(`${url}/api/push/nightly-backup?status=up&msg=OK&ping=`)).status).toBe(200);
    expect((await fetch(`${url}/api/push/nightly-backup`, { method: "POST" })).status).toBe(200);
    const down = await fetch(`${url}/api/push/nightly-backup?status=down&msg=disk%20full`);
    expect([down.status, await down.text()]).toEqual([200, "not counted: status is not up\n"]);
    expect(beats).toEqual(["nightly-backup", "nightly-backup"]);
    expect((await fetch(`${url}/api/push/unknown-token`)).status).toBe(404);
  });

  it("refuses writes elsewhere and turns a failing dependency into a 500 with its message", async () => {
    const { url } = await serve({ status: () => { throw new Error("store closed"); } });
    const post = await fetch(`${url}/api/status`, { method: "POST" });
    expect([post.status, post.headers.get("allow")]).toEqual([405, "GET, HEAD"]);
    const failing = await fetch(`${url}/api/status`);
    expect([failing.status, await failing.text()]).toEqual([500, "internal error: store closed\n"]);
  });
});

describe("listen addresses", () => {
  it("parses HOST:PORT, [IPv6]:PORT and a bare port (loopback)", () => {
    expect(parseListen("127.0.0.1:8470")).toEqual({ host: "127.0.0.1", port: 8470 });
    expect(parseListen("[::1]:9000")).toEqual({ host: "::1", port: 9000 });
    expect(parseListen("8470")).toEqual({ host: "127.0.0.1", port: 8470 });
    expect(() => parseListen("localhost")).toThrow(ListenError);
    expect(() => parseListen("127.0.0.1:70000")).toThrow('agents.listen must be HOST:PORT such as 127.0.0.1:8470, got "127.0.0.1:70000"');
  });

  it("says which address is taken and what to do", async () => {
    const first = await listenHttp(() => undefined, "127.0.0.1:0");
    servers.push(first);
    const taken = first.url.replace("http://", "");
    await expect(listenHttp(() => undefined, taken)).rejects.toThrow(`${taken} is in use: another agent? set agents.listen`);
  });
});
