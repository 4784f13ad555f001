// Root cause with the real agent: a router host with ten services behind it goes down (their command
// checks read one flag file; the router's own check then times out, as a dead machine's does) and people
// hear about it once, named after the router, and once when it comes back — not eleven times.
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentStatus } from "../../src/agent/status.js";
import { ensureBuilt, getJson, startCli, stopAll, waitFor } from "./agent-harness.js";
import { ntfyContract, startFakeProvider, type FakeProvider } from "./helpers/fake-providers.js";
import { freePort } from "./helpers/free-port.js";
import { makeTempDir, type TempDir } from "./helpers/temp-dir.js";

let dir: TempDir;
let ntfy: FakeProvider;

beforeAll(async () => {
  await ensureBuilt();
  dir = await makeTempDir("understudy-agent-");
  ntfy = await startFakeProvider(ntfyContract());
}, 240_000);

afterAll(async () => {
  await stopAll();
  await ntfy.close();
  await dir.stop();
});

describe("understudy agent, a router and ten services behind it", () => {
  it("opens one incident rooted at the router with one notification, and sends one recovery", async () => {
    const flag = join(dir.path, "router-is-down");
    const healthy = `{ command: [test, "!", -e, "${flag}"], interval: 1s, timeout: 2s }`;
    // The router itself does not answer while it is down (its check times out): a dead host, not a
    // refusing service. The services behind it answer, failing (their hosts are up). Its timeout is short
    // so that its verdict comes with theirs, within the incident's settle time.
    const unanswered = `{ command: [sh, -c, "if [ -e '${flag}' ]; then sleep 10; fi"], interval: 1s, timeout: 500ms }`;
    const services = Array.from({ length: 10 }, (_, i) => `  app${i + 1}: { runs_on: [${i < 5 ? "A" : "B"}], depends_on: [lan], checks: [${healthy}] }`).join("\n");
    const port = await freePort();
    const config = join(dir.path, "understudy.yaml");
    writeFileSync(config, `version: 1
hosts:
  router: { address: 10.0.0.1 }
  A: { address: 10.0.0.2 }
  B: { address: 10.0.0.3 }
services:
  lan: { role: router, criticality: critical, runs_on: [router], checks: [${unanswered}] }
${services}
agents: { listen: "127.0.0.1:${port}", grace: 0s, data_dir: ./state }
notify:
  - ntfy: { url: "${ntfy.url}/homelab" }
`);
    const agent = startCli(["agent", "--config", config]);
    const base = `http://127.0.0.1:${port}`;
    await waitFor("every service up", async () => (await getJson<AgentStatus>(`${base}/api/status`)).services.every((service) => service.health === "up"));

    writeFileSync(flag, "");
    const incident = await waitFor("the incident", async () => (await getJson<AgentStatus>(`${base}/api/status`)).incidents[0], 60_000);
    expect(incident.root).toEqual({ kind: "host", name: "router" });
    expect(incident.severity).toBe("critical");
    await waitFor("the notification", () => ntfy.requests.length >= 1, 30_000);
    const apps = Array.from({ length: 10 }, (_, i) => `app${i + 1}`);
    await waitFor("every service behind the router in the incident", async () => {
      const [open] = (await getJson<AgentStatus>(`${base}/api/status`)).incidents;
      return open !== undefined && apps.every((app) => open.children.some((child) => child.name === app));
    }, 30_000);
    expect((await getJson<AgentStatus>(`${base}/api/status`)).incidents).toHaveLength(1);

    rmSync(flag);
    await waitFor("the incident resolved", async () => (await getJson<AgentStatus>(`${base}/api/status`)).incidents.length === 0, 60_000);
    await waitFor("the recovery", () => ntfy.requests.length >= 2, 30_000);
    await new Promise((done) => setTimeout(done, 3_000));
    const titles = ntfy.requests.map((request) => (request.json as { title: string }).title);
    expect(titles).toHaveLength(2);
    // Usually all ten are in the opening title; a check that read the flag a tick late joins by an update.
    expect(titles[0]).toMatch(/^router down: lan and \d+ services behind it$/);
    expect(titles[1]).toBe(`Resolved: ${titles[0]}`);
    expect(ntfy.violations).toEqual([]);
    expect(agent.logs.filter((line) => line.event === "incident.opened")).toHaveLength(1);

    agent.signal("SIGTERM");
    expect(await agent.exited).toBe(0);
  }, 180_000);
});
