// `understudy check` and `understudy status` as a user runs them: a passing check exits 0, a failing
// one 1 with its reason, an unknown name 2 with a suggestion; status reads the running agent, and the
// store once the agent is gone, saying which.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentStatus } from "../../src/agent/status.js";
import { ensureBuilt, getJson, runCli, startCli, stopAll, waitFor } from "./agent-harness.js";
import { freePort } from "./helpers/free-port.js";
import { startHttpServer, type TestHttpServer } from "./helpers/http-server.js";
import { makeTempDir, type TempDir } from "./helpers/temp-dir.js";

let dir: TempDir;
let web: TestHttpServer;
let config: string;
let port: number;

beforeAll(async () => {
  await ensureBuilt();
  dir = await makeTempDir("understudy-agent-");
  web = await startHttpServer((req, res) => {
    res.statusCode = req.url === "/health" ? 200 : 503;
    res.end(req.url === "/health" ? "ok" : "maintenance");
  });
  port = await freePort();
  config = join(dir.path, "understudy.yaml");
  writeFileSync(config, `version: 1
hosts: { H1: { address: 127.0.0.1 } }
services:
  forgejo:
    runs_on: [H1]
    checks:
      - { name: forgejo-health, http: "${web.url}/health", interval: 1s, timeout: 2s }
      - { name: forgejo-home, http: "${web.url}/", interval: 1s, timeout: 2s }
  jellyfin:
    runs_on: [H1]
    checks: [{ name: jellyfin-web, http: "${web.url}/health", interval: 1s, timeout: 2s }]
agents: { listen: "127.0.0.1:${port}", grace: 0s, data_dir: ./state }
`);
}, 240_000);

afterAll(async () => {
  await stopAll();
  await web.stop();
  await dir.stop();
});

describe("understudy check", () => {
  it("runs a passing check and exits 0", async () => {
    const { code, stdout } = await runCli(["check", "forgejo-health", "--config", config]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^forgejo-health {2}ok {2}[\d.]+ms {2}\(forgejo on H1\)\n {2}GET .*\/health answered 200\.\n {2}status=200 /);
  });

  it("runs every check of a service and exits 1 when one fails, with its reason", async () => {
    const { code, stdout } = await runCli(["check", "forgejo", "--config", config, "--format", "json"]);
    expect(code).toBe(1);
    const results = JSON.parse(stdout) as Array<{ check: string; ok: boolean; reason: string | null; details: { status?: number } }>;
    expect(results.map(({ check, ok, reason }) => ({ check, ok, reason }))).toEqual([
      { check: "forgejo-health", ok: true, reason: null },
      { check: "forgejo-home", ok: false, reason: "status" },
    ]);
    expect(results[1]!.details.status).toBe(503);
  });

  it("exits 2 for an unknown name and suggests the closest", async () => {
    const { code, stderr } = await runCli(["check", "forgejo-helth", "--config", config]);
    expect(code).toBe(2);
    expect(stderr).toBe('understudy: "forgejo-helth" is neither a check nor a service; did you mean "forgejo-health"?\n');
  });
});

describe("understudy status", () => {
  it("asks the running agent, then reads the store when it is gone", async () => {
    const agent = startCli(["agent", "--config", config]);
    await waitFor("a result of every check", async () => {
      const status = await getJson<AgentStatus>(`http://127.0.0.1:${port}/api/status`);
      return status.services.every((service) => service.checks.every((check) => check.last !== null)) && status.incidents.length > 0;
    }, 60_000);

    // Wide enough that a row is one line whatever the latencies' digits (80 columns wraps "(status)" when one is 13ms).
    const live = await runCli(["status", "--config", config], { env: { COLUMNS: "200" } });
    expect(live.code).toBe(0);
    expect(live.stdout).toContain(`From the agent at http://127.0.0.1:${port}`);
    expect(live.stdout).toMatch(/jellyfin +up +H1 up +jellyfin-web ok/);
    expect(live.stdout).toMatch(/forgejo +down +H1 down +forgejo-health ok \d+ms; forgejo-home failed \(status\)/);
    expect(live.stdout).toMatch(/Open incidents \(1\)[\s\S]*forgejo down/);

    agent.signal("SIGTERM");
    expect(await agent.exited).toBe(0);
    const stored = await runCli(["status", "--config", config, "--format", "json"]);
    expect(stored.code).toBe(0);
    const json = JSON.parse(stored.stdout) as AgentStatus & { from: { store?: string } };
    expect(json.source).toBe("store");
    expect(json.from.store).toBe(join(dir.path, "state"));
    const forgejo = json.services.find((service) => service.name === "forgejo")!;
    expect(forgejo.health).toBe("unknown");
    expect(forgejo.checks.map((check) => check.last?.ok)).toEqual([true, false]);
    expect(json.incidents.map((incident) => incident.title)).toEqual(["forgejo down"]);

    const markdown = await runCli(["status", "--config", config, "--format", "markdown"]);
    expect(markdown.stdout).toContain(`From the store in ${join(dir.path, "state")} (no agent answered at http://127.0.0.1:${port}; health is unknown)`);
    expect(markdown.stdout).toContain("| Service | Health | Instances | Last results |");
  }, 120_000);
});
