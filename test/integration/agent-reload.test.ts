// Reloading the real agent: SIGHUP with an invalid config is refused with every reason in the log and
// the running config keeps answering; saving a valid one (the file watch) adds a check, and the incident
// that was open stays the same incident.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentStatus } from "../../src/agent/status.js";
import { ensureBuilt, getJson, getText, startCli, stopAll, waitFor } from "./agent-harness.js";
import { freePort } from "./helpers/free-port.js";
import { startHttpServer, type TestHttpServer } from "./helpers/http-server.js";
import { makeTempDir, type TempDir } from "./helpers/temp-dir.js";

let dir: TempDir;
let web: TestHttpServer;

beforeAll(async () => {
  await ensureBuilt();
  dir = await makeTempDir("understudy-agent-");
  web = await startHttpServer((_req, res) => res.end("ok"));
}, 240_000);

afterAll(async () => {
  await stopAll();
  await web.stop();
  await dir.stop();
});

describe("understudy agent reload", () => {
  it("keeps the old config on an invalid one (SIGHUP), takes a valid one from the file, and keeps the open incident", async () => {
    const port = await freePort();
    const closedPort = await freePort();
    const config = join(dir.path, "understudy.yaml");
    const base = `version: 1
hosts:
  H1: { address: 127.0.0.1 }
  H2: { address: 127.0.0.1 }
agents: { listen: "127.0.0.1:${port}", grace: 0s, data_dir: ./state }
services:
  web: { runs_on: [H1], checks: [{ http: "${web.url}/", interval: 1s, timeout: 1s }] }
  broken: { runs_on: [H2], checks: [{ http: "http://127.0.0.1:${closedPort}/", interval: 1s, timeout: 1s }] }
`;
    writeFileSync(config, base);
    const agent = startCli(["agent", "--config", config]);
    const api = `http://127.0.0.1:${port}`;
    const opened = await waitFor("the incident of the broken service", async () => (await getJson<AgentStatus>(`${api}/api/status`)).incidents[0], 60_000);
    // Its port refuses connections: H2 answers, so the root cause is the service, not the host.
    expect(opened.root).toEqual({ kind: "service", name: "broken" });

    writeFileSync(config, `${base}  api: { runs_on: [H9], checks: [{ tcp: "127.0.0.1:1", interval: 1s }] }\n`);
    const refusals = () => agent.logs.filter((line) => line.event === "config.reload" && line.ok === false);
    await waitFor("the file watch to refuse it", () => refusals().length >= 1);
    const before = refusals().length;
    agent.signal("SIGHUP");
    const refused = await waitFor("SIGHUP to refuse it again", () => refusals().length > before && refusals().at(-1));
    expect(refused.errors).toEqual([expect.stringMatching(/understudy\.yaml:\d+:\d+: error: services\.api\.runs_on\[0\]: .*H9/)]);
    expect(refused.msg).toContain("the previous config keeps running");
    const status = await getJson<AgentStatus>(`${api}/api/status`);
    expect(status.services.map((service) => service.name)).toEqual(["broken", "web"]);
    expect(await getText(`${api}/metrics`)).toContain("understudy_config_last_reload_successful 0");

    writeFileSync(config, `${base}  api: { runs_on: [H1], checks: [{ http: "${web.url}/api", interval: 1s, timeout: 1s }] }\n`);
    const added = await waitFor("the new check to run", async () => {
      const next = await getJson<AgentStatus>(`${api}/api/status`);
      return next.services.find((service) => service.name === "api")?.checks[0]?.last ?? undefined;
    }, 30_000);
    expect(added.ok).toBe(true);
    expect(agent.logs.find((line) => line.event === "config.reload" && line.ok === true)).toMatchObject({ added: ["api/http"], removed: [] });
    // The broken service fails again under the new config: the same incident continues, none is opened.
    const reloadedAt = agent.logs.findIndex((line) => line.event === "config.reload" && line.ok === true);
    await waitFor("the new watcher to continue the incident", () => agent.logs.slice(reloadedAt).some((line) => line.event === "incident.updated" && line.incident === opened.id), 30_000);
    const after = await getJson<AgentStatus>(`${api}/api/status`);
    expect(after.incidents.map((incident) => incident.id)).toEqual([opened.id]);
    expect(agent.logs.filter((line) => line.event === "incident.opened")).toHaveLength(1);
    expect(await getText(`${api}/metrics`)).toContain("understudy_config_last_reload_successful 1");

    agent.signal("SIGTERM");
    expect(await agent.exited).toBe(0);
  }, 180_000);
});
