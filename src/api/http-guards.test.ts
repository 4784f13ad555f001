// What every request meets before its route, over a real socket as a browser or an attacker sends it:
// the Host check (DNS rebinding), dashboard on and off; body limits, refused before the body is read;
// and the gate on password checks, under hundreds of logins at once from many addresses.
import { createServer, request, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { afterEach, describe, expect, it } from "vitest";
import type { ConfigDocument } from "../config/schema.js";
import { fixtureApp, fixtureConfig, PASSWORDS, TOKENS, type Fixture } from "./app-fixture.js";

let fixture: Fixture | undefined;
let stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(stops.map((stop) => stop()));
  stops = [];
  fixture?.close();
  fixture = undefined;
});

/** The fixture's app for its current config, on 127.0.0.1; returns the port. */
async function serve(config: ConfigDocument): Promise<number> {
  fixture = await fixtureApp({ config: () => config }, config);
  const built = fixture.built;
  const server = createServer(getRequestListener((req, env) => built.current().fetch(req, env)));
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  stops.push(() => new Promise<void>((done) => {
    server.close(() => done());
    server.closeAllConnections();
  }));
  return (server.address() as AddressInfo).port;
}

interface Answer {
  status: number;
  headers: IncomingMessage["headers"];
  body: string;
}

function send(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: options.method ?? "GET", headers: options.headers, localAddress: options.localAddress, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

const noDashboard = async () => {
  const config = structuredClone(await fixtureConfig());
  delete (config as { dashboard?: unknown }).dashboard;
  return config;
};

describe("the Host header", () => {
  for (const mode of ["on", "off"] as const) {
    it(`refuses a name it was not given with 421 and a sentence, dashboard ${mode}, on every path`, async () => {
      const port = await serve(mode === "on" ? await fixtureConfig() : await noDashboard());
      const auth: Record<string, string> = mode === "on" ? { authorization: `Bearer ${TOKENS.viewer}` } : {};
      for (const path of ["/api/status", "/metrics", "/healthz", "/", "/api/session", "/nowhere"]) {
        const answer = await send(port, path, { headers: { host: `rebound.attacker.example:${port}`, ...auth } });
        expect(answer.status, path).toBe(421);
        expect(answer.body, path).toContain('this agent does not answer to the host name "rebound.attacker.example');
        expect(answer.body, path).toContain("agents.host_names");
        expect(answer.body, path).not.toContain("services");
      }
      const login = await send(port, "/api/login", { method: "POST", headers: { host: "rebound.attacker.example", "content-type": "application/json" }, body: JSON.stringify({ name: "alice", password: PASSWORDS.alice }) });
      expect(login.status).toBe(421);
    });

    it(`answers loopback names, IP addresses, the listen host and agents.host_names, dashboard ${mode}`, async () => {
      const config = mode === "on" ? structuredClone(await fixtureConfig()) : await noDashboard();
      config.agents.listen = "agent.lan:8470";
      config.agents.host_names = ["Dash.Example.org"];
      const port = await serve(config);
      const auth: Record<string, string> = mode === "on" ? { authorization: `Bearer ${TOKENS.viewer}` } : {};
      for (const host of ["127.0.0.1", `127.0.0.1:${port}`, `localhost:${port}`, "LOCALHOST.", "app.localhost", `[::1]:${port}`, "192.168.1.20:8470", "agent.lan:8470", "dash.example.org"]) {
        const answer = await send(port, "/api/status", { headers: { host, ...auth } });
        expect(answer.status, host).toBe(200);
      }
      for (const host of ["agent.lan.attacker.example", "example.org", "localhost.attacker.example", "127.0.0.1.nip.io"]) {
        expect((await send(port, "/api/status", { headers: { host, ...auth } })).status, host).toBe(421);
      }
    });
  }

  it("lets push heartbeats through by any name: scripts call them so, and they answer only to a secret token", async () => {
    const port = await serve(await noDashboard());
    expect((await send(port, "/push/unknown-token", { headers: { host: "agent.somewhere.example" } })).status).toBe(404);
    expect((await send(port, "/api/push/unknown-token", { headers: { host: "agent.somewhere.example" } })).status).toBe(404);
  });
});

describe("request bodies", () => {
  it("refuses a login body over 16 KiB with 413, declared or not, and one over 64 KiB anywhere else", async () => {
    const port = await serve(await fixtureConfig());
    const big = JSON.stringify({ name: "alice", password: PASSWORDS.alice, padding: "x".repeat(17 * 1024) });
    const declared = await send(port, "/api/login", { method: "POST", headers: { "content-type": "application/json" }, body: big });
    expect([declared.status, JSON.parse(declared.body)]).toEqual([413, { error: "the request body is larger than this route takes (16384 bytes)" }]);
    expect(declared.headers.connection).toBe("close");
    const chunked = await send(port, "/api/login", { method: "POST", headers: { "content-type": "application/json", "transfer-encoding": "chunked" }, body: big });
    expect(chunked.status).toBe(413);
    const failover = await send(port, "/api/failover/headscale", { method: "POST", headers: { authorization: `Bearer ${TOKENS.operator}`, "content-type": "application/json" }, body: JSON.stringify({ dry_run: true, pad: "x".repeat(70 * 1024) }) });
    expect(failover.status).toBe(413);
    for (const path of ["/push/some-token", "/api/logout", "/nowhere"]) {
      expect((await send(port, path, { method: "POST", headers: { "content-length": String(400 * 1024 * 1024) } }).catch(() => ({ status: 0 }))).status, path).toBe(413);
    }
    // A login of normal size still works.
    const ok = await send(port, "/api/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "alice", password: PASSWORDS.alice }) });
    expect(ok.status).toBe(200);
  });

  it("answers 413 while a huge body is still being sent: it is never buffered whole", async () => {
    const port = await serve(await fixtureConfig());
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const answer = await new Promise<{ status: number; sentWhenAnswered: number }>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: "/api/login", method: "POST", headers: { "content-type": "application/json", "transfer-encoding": "chunked" }, agent: false }, (res) => {
        resolve({ status: res.statusCode!, sentWhenAnswered: sent });
        res.resume();
        req.destroy();
      });
      req.on("error", (error) => (sent >= 400 * 1024 * 1024 ? reject(error) : undefined));
      // Writes up to 400 MB, as fast as the server takes it; the answer must come long before the end.
      const pump = () => {
        while (sent < 400 * 1024 * 1024 && !req.destroyed) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once("drain", pump);
        }
        if (!req.destroyed) req.end();
      };
      req.write('{"name":"alice","password":"');
      pump();
    });
    expect(answer.status).toBe(413);
    expect(answer.sentWhenAnswered).toBeLessThan(16 * 1024 * 1024);
  });
});

describe("password checks under a flood", () => {
  it("checks at most a few logins at once; hundreds from many addresses are refused early with 503 and Retry-After, and a login works after", async () => {
    const port = await serve(await fixtureConfig());
    const attempts = Array.from({ length: 300 }, (_, i) => send(port, "/api/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: `user${i}`, password: "wrong password" }),
      // Each from its own loopback address: the per-address limit does not stop them, only the gate does.
      localAddress: `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`,
    }));
    const answers = await Promise.all(attempts);
    const count = (status: number) => answers.filter((answer) => answer.status === status).length;
    expect(count(401) + count(503)).toBe(300);
    expect(count(401)).toBeGreaterThan(0);
    expect(count(503)).toBeGreaterThan(0);
    const busy = answers.find((answer) => answer.status === 503)!;
    expect(busy.headers["retry-after"]).toMatch(/^[1-9]\d*$/);
    expect(JSON.parse(busy.body)).toEqual({ error: expect.stringContaining("too many logins at once") });
    const ok = await send(port, "/api/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "alice", password: PASSWORDS.alice }) });
    expect(ok.status).toBe(200);
  });
});
