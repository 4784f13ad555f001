// Push checks through the whole agent, in process on loopback with an injected clock (issue 15 #6): a
// fresh agent does not fail a push check before period + grace, a push shows in /api/status and
// `understudy status` at once, a restart on the same data folder remembers the last beat and when the
// agent first knew the token, and silence past period + grace is down, with an incident.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startAgent, type Agent } from "../../src/agent/agent.js";
import { silentLogger } from "../../src/agent/log.js";
import type { AgentStatus } from "../../src/agent/status.js";
import type { Io } from "../../src/cli/io.js";
import { status as statusCommand } from "../../src/cli/status.js";
import { FakeClock } from "../../src/engine/clock.js";
import { waitFor } from "./agent-harness.js";
import { freePort } from "./helpers/free-port.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let dirs: string[] = [];
let agents: Agent[] = [];
afterEach(async () => {
  await Promise.all(agents.map((agent) => agent.stop({ force: true })));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  [dirs, agents] = [[], []];
});

/** A NAS whose nightly backup and weekly scrub call in; checks every 5 minutes. */
async function configFile(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "understudy-agent-push-"));
  dirs.push(dir);
  const file = join(dir, "understudy.yaml");
  writeFileSync(file, `version: 1
hosts: { nas: { address: 127.0.0.1 } }
services:
  backup: { runs_on: [nas], checks: [{ push: { token: nightly, period: 1d, grace: 1h }, interval: 5m }] }
  scrub: { runs_on: [nas], checks: [{ push: { token: env:SCRUB_TOKEN, period: 1d, grace: 1h }, interval: 5m }] }
agents: { listen: "127.0.0.1:${await freePort()}", grace: 0s, data_dir: ./state }
`);
  return file;
}

const ENV = { SCRUB_TOKEN: "Zq9-scrub-token" };

async function start(file: string, clock: FakeClock): Promise<Agent> {
  const agent = await startAgent({ configFile: file, env: ENV, clock, logger: silentLogger(), watchConfig: false, drainMs: 0 });
  agents.push(agent);
  return agent;
}

function service(status: AgentStatus, name: string) {
  return status.services.find((s) => s.name === name)!;
}

async function apiStatus(agent: Agent): Promise<AgentStatus> {
  return (await (await fetch(`${agent.url}/api/status`)).json()) as AgentStatus;
}

/** `understudy status --format json`, run in process against the agent. */
async function cliStatus(file: string): Promise<AgentStatus> {
  let out = "";
  const io: Io = { stdout: { write: (text: string) => ((out += text), true) } as unknown as Io["stdout"], stderr: { write: () => true } as unknown as Io["stderr"], env: {} };
  expect(await statusCommand(["--config", file, "--format", "json"], io)).toBe(0);
  return JSON.parse(out) as AgentStatus;
}

describe("push checks in the agent", () => {
  it("a fresh agent does not fail them before period + grace; silence past it is down, with an incident", async () => {
    const clock = new FakeClock();
    const agent = await start(await configFile(), clock);
    for (const step of [45_000, 5 * MINUTE, 24 * HOUR]) {
      await clock.advance(step);
      const now = await apiStatus(agent);
      expect(service(now, "backup").health, `after ${step} ms`).toBe("up");
      expect(service(now, "backup").checks[0]!.last).toMatchObject({ ok: true, message: expect.stringContaining("has not called in yet") });
      expect(now.incidents).toEqual([]);
    }
    // Runs at 25h05 and 25h10 past period + grace: two failures (the default threshold) make it down.
    await clock.advance(HOUR + 5 * MINUTE);
    const late = await apiStatus(agent);
    expect(service(late, "backup").health).toBe("down");
    expect(service(late, "backup").checks[0]!.last).toMatchObject({ ok: false, reason: "never", message: "push nightly has not called in since this agent first knew it, 1d1h10m ago; expected a heartbeat every 1d." });
    // Announced once the related checks' settle time (one interval here) has passed.
    await clock.advance(10 * MINUTE);
    expect((await apiStatus(agent)).incidents.map((incident) => incident.title)).toEqual(["nas down: backup, scrub"]);
  });

  it("a push shows at once in /api/status and `understudy status`: the check's result and the verdict", async () => {
    const clock = new FakeClock();
    const file = await configFile();
    const agent = await start(file, clock);
    await clock.advance(26 * HOUR);
    expect(service(await apiStatus(agent), "backup").health).toBe("down");
    // The clock stands still from here: only the push can change what status shows.
    expect((await fetch(`${agent.url}/push/nightly`, { method: "POST" })).status).toBe(200);
    const shown = await waitFor("the push in /api/status", async () => {
      const now = await apiStatus(agent);
      return service(now, "backup").health === "up" && now;
    }, 10_000);
    expect(service(shown, "backup").checks[0]!.last).toMatchObject({ ok: true, message: "push nightly called in 0ms ago, within 1d1h." });
    expect(service(shown, "scrub").health).toBe("down");
    const cli = await cliStatus(file);
    expect(service(cli, "backup")).toMatchObject({ health: "up", checks: [{ last: { ok: true } }] });
    // A secret token's push works the same way and never shows its value.
    expect((await fetch(`${agent.url}/push/${ENV.SCRUB_TOKEN}`, { method: "POST" })).status).toBe(200);
    await waitFor("the scrub push in /api/status", async () => service(await apiStatus(agent), "scrub").health === "up", 10_000);
    expect(JSON.stringify(await apiStatus(agent))).not.toContain(ENV.SCRUB_TOKEN);
  });

  it("a restart on the same data folder remembers the last beat and when the agent first knew each token", async () => {
    const clock = new FakeClock();
    const file = await configFile();
    const first = await start(file, clock);
    await clock.advance(19 * HOUR);
    expect((await fetch(`${first.url}/push/nightly`, { method: "POST" })).status).toBe(200);
    await clock.advance(HOUR);
    await first.stop();
    agents = agents.filter((agent) => agent !== first);

    const second = await start(file, clock);
    await clock.advance(MINUTE);
    const after = await apiStatus(second);
    expect(service(after, "backup").checks[0]!.last).toMatchObject({ ok: true, message: "push nightly called in 1h ago, within 1d1h." });
    // scrub never called in: its wait still counts from the first agent's start, not this one's.
    expect(service(after, "scrub").checks[0]!.last).toMatchObject({ ok: true, message: expect.stringContaining("the first heartbeat is due within 5h") });
    await clock.advance(5 * HOUR + 10 * MINUTE);
    const late = await apiStatus(second);
    expect(service(late, "scrub").health).toBe("down");
    expect(service(late, "scrub").checks[0]!.last).toMatchObject({ ok: false, reason: "never" });
    expect(service(late, "backup").health).toBe("up");
  });
});
