// Load on the HTTP API must never change a probe's verdict (issue 15, item 2). The real agent runs an
// HTTP and a TCP check against a local server named by `localhost`, so every run resolves the name;
// then 400 wrong logins at once, each from its own loopback address (so the per-address limit does
// not stop them) and for its own name, hit its real HTTP server. Before the gate on password checks
// (and before the probes resolved names off the pool), 400 scrypt hashes filled libuv's thread pool,
// the checks' name lookups queued behind them and timed out, and the service was declared down; and
// every one of the 400 was hashed. Now: no verdict changes, no incident, the checks keep running, the
// flood is refused early (503 for all but a few), and the right password still logs in.
import { request } from "node:http";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../../src/api/auth/password.js";
import { hashToken } from "../../src/api/auth/tokens.js";
import { ensureBuilt, startCli, stopAll, waitFor } from "./agent-harness.js";
import { freePort } from "./helpers/free-port.js";
import { startHttpServer, type TestHttpServer } from "./helpers/http-server.js";
import { makeTempDir, type TempDir } from "./helpers/temp-dir.js";

const TOKEN = "ust_flood-test-viewer-token-0123456789abcdef";
const PASSWORD = "the right password for alice";
const WAVES = 1;
const PARALLEL = 400;

let dir: TempDir;
let target: TestHttpServer;

beforeAll(async () => {
  await ensureBuilt();
  dir = await makeTempDir("understudy-api-flood-");
  target = await startHttpServer((_request, response) => response.end("ok"));
}, 240_000);

afterAll(async () => {
  await stopAll();
  await target?.stop();
  await dir?.stop();
});

function post(port: number, body: unknown, localAddress: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/api/login", method: "POST", localAddress, agent: false, headers: { "content-type": "application/json" } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode!));
    });
    // A connection the agent could not take counts as refused, not as a test error; one left
    // unanswered for 90 s (every attempt hashed in turn, as before the gate) as unanswered.
    req.setTimeout(90_000, () => req.destroy(new Error("unanswered")));
    req.on("error", () => resolve(0));
    req.end(JSON.stringify(body));
  });
}

async function api<T>(port: number, path: string): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return (path === "/metrics" ? response.text() : response.json()) as Promise<T>;
}

interface Status {
  services: Array<{ name: string; health: string; instances: Array<{ state: string }>; checks: Array<{ name: string; last: { ok: boolean } | null }> }>;
  incidents: unknown[];
}

function runsSoFar(metrics: string): number {
  return [...metrics.matchAll(/^understudy_check_results_total\{[^}]*\} (\d+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

describe("a login flood while checks run", () => {
  it("changes no verdict: the checks by name keep passing, no incident opens, the flood is refused early", async () => {
    const port = await freePort();
    const config = join(dir.path, "understudy.yaml");
    writeFileSync(config, `version: 1
hosts: { H1: { address: localhost } }
services:
  web:
    runs_on: [H1]
    checks:
      - { http: "http://localhost:${target.port}/", interval: 1s, timeout: 2s }
      - { tcp: "localhost:${target.port}", interval: 1s, timeout: 2s }
agents: { listen: "127.0.0.1:${port}", grace: 0s, data_dir: ./state }
dashboard:
  users: [{ name: alice, role: operator, password_hash: "${await hashPassword(PASSWORD)}" }]
  tokens: [{ name: flood-test, role: viewer, token_hash: "${hashToken(TOKEN)}" }]
`);
    const agent = startCli(["agent", "--config", config], { cwd: dir.path });
    const up = await waitFor("both checks passing", async () => {
      const status = await api<Status>(port, "/api/status");
      const web = status.services[0]!;
      return web.health === "up" && web.checks.length === 2 && web.checks.every((check) => check.last?.ok) && status;
    }, 60_000);
    expect(up.incidents).toEqual([]);
    const runsBefore = runsSoFar(await api<string>(port, "/metrics"));

    const verdictChanges = () => agent.logs.filter((line) => line.event === "service.changed" || line.event?.startsWith("incident"));
    const answers: number[] = [];
    let flooding = true;
    const flood = (async () => {
      for (let wave = 0; wave < WAVES; wave++) {
        answers.push(...await Promise.all(Array.from({ length: PARALLEL }, (_, i) => post(port, { name: `nobody-${wave}-${i}`, password: "wrong" }, `127.${10 + wave}.${1 + Math.floor(i / 200)}.${1 + (i % 200)}`))));
      }
      flooding = false;
    })();
    // Watched while it lasts, so a verdict that changes fails the test then, not when the flood ends.
    while (flooding && verdictChanges().length === 0) await new Promise((done) => setTimeout(done, 200));
    expect(verdictChanges()).toEqual([]);
    await flood;
    // A few more check intervals after the flood: a verdict that was about to change has done so.
    await new Promise((done) => setTimeout(done, 3_000));

    const status = await api<Status>(port, "/api/status");
    const web = status.services[0]!;
    expect(web.health).toBe("up");
    expect(web.instances.map((instance) => instance.state)).toEqual(["up"]);
    expect(status.incidents).toEqual([]);
    expect(verdictChanges()).toEqual([]);
    expect(runsSoFar(await api<string>(port, "/metrics"))).toBeGreaterThan(runsBefore);
    // The flood was answered, and refused early rather than hashed: 401 for the few checked, 503 for the rest.
    expect(answers.filter((code) => code !== 401 && code !== 503)).toEqual([]);
    expect(answers.filter((code) => code === 503).length).toBeGreaterThan(0);
    const login = await fetch(`http://127.0.0.1:${port}/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "alice", password: PASSWORD }) });
    expect(login.status).toBe(200);

    agent.signal("SIGTERM");
    expect(await agent.exited).toBe(0);
  }, 240_000);
});
