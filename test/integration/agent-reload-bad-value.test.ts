// Reloading the real agent with a value that once made the config schema throw (a notifier URL that is
// no URL, issue 15): the reload is refused with a diagnostic at file:line:column and key path, the log has
// no TypeError or stack, and the running config keeps answering.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentStatus } from "../../src/agent/status.js";
import { ensureBuilt, getJson, startCli, stopAll, waitFor } from "./agent-harness.js";
import { freePort } from "./helpers/free-port.js";
import { makeTempDir, type TempDir } from "./helpers/temp-dir.js";

let dir: TempDir;

beforeAll(async () => {
  await ensureBuilt();
  dir = await makeTempDir("understudy-agent-");
}, 240_000);

afterAll(async () => {
  await stopAll();
  await dir.stop();
});

describe("understudy agent reload with a bad URL", () => {
  it("refuses it with a diagnostic, logs no stack, and keeps the running config", async () => {
    const port = await freePort();
    const config = join(dir.path, "understudy.yaml");
    const base = `version: 1
hosts:
  H1: { address: 127.0.0.1 }
agents: { listen: "127.0.0.1:${port}", grace: 0s, data_dir: ./state }
services:
  web: { runs_on: [H1] }
`;
    writeFileSync(config, base);
    const agent = startCli(["agent", "--config", config]);
    const api = `http://127.0.0.1:${port}`;
    await waitFor("the agent to answer", async () => (await getJson<AgentStatus>(`${api}/api/status`).catch(() => undefined))?.services);

    writeFileSync(config, `${base}notify:\n  - ntfy: { url: "http://exa mple.com/alerts" }\n`);
    agent.signal("SIGHUP");
    const refused = await waitFor("the reload to be refused", () => agent.logs.find((line) => line.event === "config.reload" && line.ok === false));
    expect(refused.errors).toEqual([expect.stringMatching(/understudy\.yaml:8:18: error: notify\[0\]\.ntfy\.url: /)]);
    const text = JSON.stringify(agent.logs);
    expect(text).not.toMatch(/TypeError|Invalid URL|\\n\s+at /);
    expect((await getJson<AgentStatus>(`${api}/api/status`)).services.map((service) => service.name)).toEqual(["web"]);
  }, 120_000);
});
