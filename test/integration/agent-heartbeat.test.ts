// The dead man's switch through the whole agent (issue 16): `agents.heartbeat` in the config makes the
// running agent call the outside URL at start and every `every` on its clock, and stopping the agent
// stops the calls. The outside service is a local server counting calls (as healthchecks.io's ping URL
// answers: 200 "OK" to a GET).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startAgent, type Agent } from "../../src/agent/agent.js";
import { silentLogger } from "../../src/agent/log.js";
import { FakeClock } from "../../src/engine/clock.js";
import { waitFor } from "./agent-harness.js";
import { freePort } from "./helpers/free-port.js";

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

async function outside(): Promise<{ url: string; calls: string[] }> {
  const calls: string[] = [];
  const server = createServer((request, response) => {
    calls.push(`${request.method} ${request.url} ${request.headers["user-agent"]}`);
    response.writeHead(200, { "content-type": "text/plain" }).end("OK");
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
}

describe("the dead man's switch in the agent", () => {
  it("when every agent is down, the outside service stops hearing from them: the only agent calls it at start and every `every`, and not once stopped", async () => {
    const hc = await outside();
    const dir = mkdtempSync(join(tmpdir(), "understudy-agent-heartbeat-"));
    dirs.push(dir);
    const file = join(dir, "understudy.yaml");
    writeFileSync(file, `version: 1
hosts: { nas: { address: 127.0.0.1 } }
services:
  backup: { runs_on: [nas], checks: [{ push: { token: nightly, period: 1d } }] }
agents:
  listen: "127.0.0.1:${await freePort()}"
  data_dir: ./state
  heartbeat: { url: "env:HC_PING_URL", every: 2m }
`);
    const clock = new FakeClock();
    const agent = await startAgent({ configFile: file, env: { HC_PING_URL: `${hc.url}/ping/0f3a-uuid` }, clock, logger: silentLogger(), watchConfig: false, drainMs: 0 });
    agents.push(agent);
    await waitFor("the first call", () => hc.calls.length === 1, 10_000);
    expect(hc.calls[0]).toMatch(/^GET \/ping\/0f3a-uuid understudy\//);
    for (const n of [2, 3]) {
      await clock.advance(2 * 60_000);
      await waitFor(`call ${n}`, () => hc.calls.length === n, 10_000);
    }
    await agent.stop();
    agents = [];
    await clock.advance(10 * 60_000);
    await new Promise((done) => setTimeout(done, 100));
    expect(hc.calls).toHaveLength(3);
  });
});
