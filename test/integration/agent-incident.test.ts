// The real agent as a child process, watching two local HTTP services and notifying a local server that
// checks ntfy's documented API: killing one service opens one incident (in /api/status, in /metrics, one
// ntfy message); bringing it back resolves it with one recovery message.
import { createServer, type Server } from "node:http";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentStatus } from "../../src/agent/status.js";
import { ensureBuilt, getJson, getText, startCli, stopAll, waitFor } from "./agent-harness.js";
import { ntfyContract, startFakeProvider, type FakeProvider } from "./helpers/fake-providers.js";
import { freePort } from "./helpers/free-port.js";
import { makeTempDir, type TempDir } from "./helpers/temp-dir.js";

/** A service that can be killed and brought back on the same port. */
async function serveOn(port: number): Promise<Server> {
  const server = createServer((_req, res) => res.end("ok"));
  await new Promise<void>((done) => server.listen(port, "127.0.0.1", done));
  return server;
}

async function kill(server: Server): Promise<void> {
  await new Promise<void>((done) => {
    server.close(() => done());
    server.closeAllConnections();
  });
}

let dir: TempDir;
let ntfy: FakeProvider;
const servers: Server[] = [];

beforeAll(async () => {
  await ensureBuilt();
  dir = await makeTempDir("understudy-agent-");
  ntfy = await startFakeProvider(ntfyContract());
}, 240_000);

afterAll(async () => {
  await stopAll();
  await Promise.all(servers.map((server) => kill(server)));
  await ntfy.close();
  await dir.stop();
});

describe("understudy agent, one service failing and recovering (ntfy checked against its documented API)", () => {
  it("opens one incident with one notification, shows it in status and metrics, and sends one recovery", async () => {
    const [webPort, apiPort, agentPort] = [await freePort(), await freePort(), await freePort()];
    let web = await serveOn(webPort);
    servers.push(web, await serveOn(apiPort));
    const config = join(dir.path, "understudy.yaml");
    writeFileSync(config, `version: 1
hosts:
  H1: { address: 127.0.0.1 }
services:
  web:
    runs_on: [H1]
    criticality: high
    checks: [{ http: "http://127.0.0.1:${webPort}/", interval: 1s, timeout: 1s }]
  api:
    runs_on: [H1]
    checks: [{ http: "http://127.0.0.1:${apiPort}/", interval: 1s, timeout: 1s }]
agents: { listen: "127.0.0.1:${agentPort}", grace: 0s, data_dir: ./state }
notify:
  - ntfy: { url: "${ntfy.url}/alerts" }
`);
    const agent = startCli(["agent", "--config", config]);
    const base = `http://127.0.0.1:${agentPort}`;
    await waitFor("both services up", async () => {
      const status = await getJson<AgentStatus>(`${base}/api/status`);
      return status.services.every((service) => service.health === "up");
    });

    await kill(web);
    const incident = await waitFor("an open incident", async () => (await getJson<AgentStatus>(`${base}/api/status`)).incidents[0], 60_000);
    expect(incident).toMatchObject({ title: "web down", severity: "high", root: { kind: "service", name: "web" } });
    await waitFor("the ntfy message", () => ntfy.requests.length >= 1, 30_000);
    expect(ntfy.requests[0]!.json).toMatchObject({ topic: "alerts", title: "web down", priority: 4 });
    const metrics = await getText(`${base}/metrics`);
    expect(metrics).toMatch(/understudy_check_results_total\{check="web\/http",service="web",host="H1",ok="false"\} [1-9]/);
    expect(metrics).toContain('understudy_instance_state{service="web",host="H1",state="down"} 1');
    expect(metrics).toContain("understudy_open_incidents 1");

    web = await serveOn(webPort);
    servers.push(web);
    await waitFor("the incident resolved", async () => (await getJson<AgentStatus>(`${base}/api/status`)).incidents.length === 0, 60_000);
    await waitFor("the recovery message", () => ntfy.requests.length >= 2, 30_000);
    // Nothing else follows: one opening, one recovery.
    await new Promise((done) => setTimeout(done, 3_000));
    expect(ntfy.requests.map((request) => (request.json as { title: string }).title)).toEqual(["web down", "Resolved: web down"]);
    expect(ntfy.violations).toEqual([]);
    expect(await getText(`${base}/metrics`)).toMatch(/understudy_notifications_sent_total\{notifier="ntfy#1"\} 2/);

    agent.signal("SIGTERM");
    expect(await agent.exited).toBe(0);
    const events = agent.logs.map((line) => line.event);
    expect(events.filter((event) => event === "incident.opened")).toHaveLength(1);
    expect(events.filter((event) => event === "incident.resolved")).toHaveLength(1);
  }, 180_000);
});
