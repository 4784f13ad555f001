// The agent in process, on loopback, with real probes and real time (1s intervals): heartbeats reach
// push checks, a restart continues the incident the last run left open, a refused reload says why, and
// a forced stop does not wait for a notifier that never answers.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startAgent, type Agent } from "./agent.js";
import { silentLogger } from "./log.js";

let dirs: string[] = [];
let agents: Agent[] = [];
let servers: Server[] = [];
afterEach(async () => {
  await Promise.all(agents.map((agent) => agent.stop({ force: true })));
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  [dirs, agents, servers] = [[], [], []];
});

function configFile(services: string, extra = ""): string {
  const dir = mkdtempSync(join(tmpdir(), "understudy-agent-unit-"));
  dirs.push(dir);
  const file = join(dir, "understudy.yaml");
  writeFileSync(file, `version: 1\nhosts: { H1: { address: 127.0.0.1 } }\nservices:\n${services}\nagents: { listen: "127.0.0.1:0", grace: 0s, data_dir: ./state }\n${extra}`);
  return file;
}

async function start(file: string, options: { drainMs?: number } = {}): Promise<Agent> {
  const agent = await startAgent({ configFile: file, env: {}, logger: silentLogger(), watchConfig: false, ...options });
  agents.push(agent);
  return agent;
}

async function until<T>(probe: () => T | null | undefined | false): Promise<T> {
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== null && value !== false) return value;
    await new Promise((done) => setTimeout(done, 50));
  }
}

const REFUSED = `http://127.0.0.1:1/`;

describe("startAgent", () => {
  it("feeds push heartbeats to push checks", async () => {
    const agent = await start(configFile(`  backup: { runs_on: [H1], checks: [{ push: { token: nightly, period: 1h }, interval: 1s }] }`));
    const last = () => agent.status().services[0]!.checks[0]!.last;
    // Not failed before period + grace has passed (test/integration/agent-push.test.ts follows the whole life).
    expect((await until(() => last()))).toMatchObject({ ok: true, message: expect.stringContaining("has not called in yet") });
    expect((await fetch(`${agent.url}/push/nightly`, { method: "POST" })).status).toBe(200);
    await until(() => last()?.message.startsWith("push nightly called in"));
    expect(agent.status().services[0]!.health).toBe("up");
  });

  it("continues the incident the previous run left open after a restart", async () => {
    const file = configFile(`  web: { runs_on: [H1], checks: [{ http: "${REFUSED}", interval: 1s, timeout: 1s }] }`);
    const first = await start(file);
    const opened = await until(() => first.status().incidents[0]);
    await first.stop();
    const second = await start(file);
    expect(second.status().incidents.map((incident) => incident.id)).toEqual([opened.id]);
    // Seen failing again by the new run: still the one incident.
    await until(() => second.status().services[0]!.health === "down");
    await new Promise((done) => setTimeout(done, 2_500));
    expect(second.status().incidents.map((incident) => incident.id)).toEqual([opened.id]);
  });

  it("refuses an invalid config on reload with every error, and keeps running the old one", async () => {
    const file = configFile(`  web: { runs_on: [H1], checks: [{ http: "${REFUSED}", interval: 1s }] }`);
    const agent = await start(file);
    writeFileSync(file, "version: 1\nhosts: {}\nservices:\n  web: { runs_on: [H7] }\n  db: { depends_on: [nosuch] }\n");
    const outcome = await agent.reload();
    expect(outcome.ok).toBe(false);
    expect(outcome.errors).toHaveLength(2);
    expect(outcome.errors.join("\n")).toMatch(/H7[\s\S]*nosuch/);
    expect(agent.status().services.map((service) => service.name)).toEqual(["web"]);
  });

  it("stops at once on a forced stop even while a notifier hangs", async () => {
    let asked = 0;
    const hanging = createServer(() => void asked++);
    const open = new Set<Socket>();
    hanging.on("connection", (socket) => {
      open.add(socket);
      socket.once("close", () => open.delete(socket));
    });
    servers.push(hanging);
    await new Promise<void>((done) => hanging.listen(0, "127.0.0.1", done));
    const ntfy = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/alerts`;
    const file = configFile(`  web: { runs_on: [H1], checks: [{ http: "${REFUSED}", interval: 1s, timeout: 1s }] }`, `notify:\n  - ntfy: { url: "${ntfy}" }\n`);
    // A drain longer than the test's own timeout: only the forced stop can finish in time.
    const agent = await start(file, { drainMs: 600_000 });
    await until(() => agent.status().incidents[0]);
    await until(() => asked > 0);
    const graceful = agent.stop();
    await agent.stop({ force: true });
    await graceful;
    // Stopped for real: the hanging delivery was abandoned (its connection closed by the agent), the
    // API no longer answers, and nothing is sent afterwards.
    await until(() => open.size === 0);
    await expect(fetch(`${agent.url}/api/health`)).rejects.toThrow();
    const seen = asked;
    await new Promise((done) => setTimeout(done, 1_500));
    expect(asked).toBe(seen);
  });
});
