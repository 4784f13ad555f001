// Push checks with healthchecks.io's signals through the whole agent (issue 16), over real HTTP on
// loopback with an injected clock: /push/T/fail is down at once with the body as the reason,
// /push/T/start without an end within grace fails and the end reports the run's duration, a restart
// keeps the failure and its body, and a `schedule:` in the config is due at its cron time in its zone.
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

/** A NAS whose nightly backup calls in (failure_threshold 3: a /fail must not wait for it). */
async function configFile(checks = "[{ push: { token: nightly, period: 1d, grace: 1h }, interval: 5m, failure_threshold: 3 }]"): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "understudy-agent-push-signals-"));
  dirs.push(dir);
  const file = join(dir, "understudy.yaml");
  writeFileSync(file, `version: 1
hosts: { nas: { address: 127.0.0.1 } }
services:
  backup: { runs_on: [nas], checks: ${checks} }
agents: { listen: "127.0.0.1:${await freePort()}", grace: 0s, data_dir: ./state }
`);
  return file;
}

async function start(file: string, clock: FakeClock): Promise<Agent> {
  const agent = await startAgent({ configFile: file, env: {}, clock, logger: silentLogger(), watchConfig: false, drainMs: 0 });
  agents.push(agent);
  return agent;
}

// Connection: close, so no request rides a kept-alive socket of an agent stopped by the restart test.
const CLOSE = { connection: "close" };

async function backup(agent: Agent) {
  const status = (await (await fetch(`${agent.url}/api/status`, { headers: CLOSE })).json()) as AgentStatus;
  return status.services.find((s) => s.name === "backup")!;
}

async function send(agent: Agent, path: string, body?: string): Promise<number> {
  const response = await fetch(`${agent.url}${path}`, body === undefined ? { headers: CLOSE } : { method: "POST", body, headers: CLOSE });
  await response.text();
  return response.status;
}

/** `understudy status --format json`, run in process against the agent. */
async function cliStatus(file: string): Promise<AgentStatus> {
  let out = "";
  const io: Io = { stdout: { write: (text: string) => ((out += text), true) } as unknown as Io["stdout"], stderr: { write: () => true } as unknown as Io["stderr"], env: {} };
  expect(await statusCommand(["--config", file, "--format", "json"], io)).toBe(0);
  return JSON.parse(out) as AgentStatus;
}

describe("push signals in the agent (healthchecks.io's semantics)", () => {
  it("a job that reports /fail is down at once, with the request body as the reason; its next success brings it back", async () => {
    const clock = new FakeClock();
    const file = await configFile();
    const agent = await start(file, clock);
    await clock.advance(MINUTE);
    expect((await backup(agent)).health).toBe("up");
    // The clock stands still from here: only the push can change what status shows.
    expect(await send(agent, "/push/nightly/fail", "pg_dump: dumping table users\npg_dump: error: connection to server on socket failed\n")).toBe(200);
    const down = await waitFor("the failure in /api/status", async () => {
      const now = await backup(agent);
      return now.health === "down" && now;
    }, 10_000);
    expect(down.checks[0]!.last).toMatchObject({ ok: false, reason: "fail", message: "push nightly reported a failure 0ms ago: pg_dump: error: connection to server on socket failed." });
    expect((await cliStatus(file)).services.find((s) => s.name === "backup")).toMatchObject({ health: "down", checks: [{ last: { reason: "fail" } }] });
    expect(await send(agent, "/push/nightly")).toBe(200);
    await waitFor("the success in /api/status", async () => (await backup(agent)).health === "up", 10_000);
    // A long log sent without a length (piped, chunked) is cut, not refused: the failure still counts.
    const log = new TextEncoder().encode(`${"rsync: copying\n".repeat(30_000)}rsync error: some files could not be transferred\n`);
    const stream = new ReadableStream<Uint8Array>({ start: (controller) => { controller.enqueue(log); controller.close(); } });
    const piped = await fetch(`${agent.url}/push/nightly/fail`, { method: "POST", body: stream, headers: CLOSE, duplex: "half" } as RequestInit);
    expect(piped.status).toBe(200);
    await piped.text();
    await waitFor("the piped failure in /api/status", async () => (await backup(agent)).health === "down", 10_000);
    // Unknown tokens and unknown signals answer as any unknown path.
    expect(await send(agent, "/push/guess/fail", "x")).toBe(404);
    expect(await send(agent, "/push/nightly/explode")).toBe(404);
  });

  it("a job that reports /start and no end within grace is down; its end reports how long the run took", async () => {
    const clock = new FakeClock();
    const agent = await start(await configFile(), clock);
    expect(await send(agent, "/push/nightly/start", "")).toBe(200);
    await clock.advance(55 * MINUTE);
    expect((await backup(agent)).checks[0]!.last).toMatchObject({ ok: true, message: expect.stringContaining("a run started 55m ago") });
    // Runs at 1h05, 1h10 and 1h15 past the start: three failures (the threshold here) make it down.
    await clock.advance(20 * MINUTE);
    const stuck = await backup(agent);
    expect(stuck.health).toBe("down");
    expect(stuck.checks[0]!.last).toMatchObject({ ok: false, reason: "unfinished", message: "push nightly started 1h15m ago and has not reported its end (success or failure) within grace 1h." });
    expect(await send(agent, "/push/nightly", "backup finished: 12 GiB")).toBe(200);
    const done = await waitFor("the end in /api/status", async () => {
      const now = await backup(agent);
      return now.health === "up" && now;
    }, 10_000);
    expect(done.checks[0]!.last).toMatchObject({ ok: true, message: "push nightly called in 0ms ago, within 1d1h; the last run took 1h15m." });
  });

  it("a restart on the same data folder keeps the failure and its body, and a running start", async () => {
    const clock = new FakeClock();
    const file = await configFile();
    const first = await start(file, clock);
    expect(await send(first, "/push/nightly/fail", "borg: repository locked")).toBe(200);
    expect(await send(first, "/push/nightly/start")).toBe(200);
    await clock.advance(MINUTE);
    await first.stop();
    agents = agents.filter((agent) => agent !== first);

    const second = await start(file, clock);
    await clock.advance(5 * MINUTE);
    const after = await backup(second);
    expect(after.health).toBe("down");
    expect(after.checks[0]!.last).toMatchObject({ ok: false, reason: "fail", message: expect.stringMatching(/^push nightly reported a failure [1-6]m ago: borg: repository locked\.$/) });
    expect(await send(second, "/push/nightly")).toBe(200);
    const done = await waitFor("the end in /api/status", async () => {
      const now = await backup(second);
      return now.health === "up" && now;
    }, 10_000);
    // The start sent to the first agent measures the run that ended at the second.
    expect(done.checks[0]!.last).toMatchObject({ message: expect.stringContaining("the last run took 6m") });
  });

  it("a schedule in the config is due at its cron time in its time zone, and late once grace has passed", async () => {
    // The fake clock starts on Thursday 2026-01-01 00:00 UTC; Mondays 06:00 in Berlin is 05:00 UTC in winter.
    const clock = new FakeClock();
    const agent = await start(await configFile('[{ push: { token: weekly, schedule: "0 6 * * 1", timezone: Europe/Berlin, grace: 30m }, interval: 10m }]'), clock);
    await clock.advance(4 * 24 * HOUR + 5 * HOUR + 29 * MINUTE);
    const before = await backup(agent);
    expect(before.health).toBe("up");
    expect(before.checks[0]!.last).toMatchObject({ ok: true, message: expect.stringContaining('the next run is due at 2026-01-05 06:00 Europe/Berlin ("0 6 * * 1"), with grace 30m') });
    // Runs past 05:30 UTC fail; two (the default threshold) make it down.
    await clock.advance(31 * MINUTE);
    const late = await backup(agent);
    expect(late.health).toBe("down");
    expect(late.checks[0]!.last).toMatchObject({ ok: false, reason: "never", message: expect.stringContaining("a run was due at 2026-01-05 06:00 Europe/Berlin") });
    expect(await send(agent, "/push/weekly")).toBe(200);
    const back = await waitFor("the beat in /api/status", async () => {
      const now = await backup(agent);
      return now.health === "up" && now;
    }, 10_000);
    expect(back.checks[0]!.last).toMatchObject({ message: expect.stringContaining("the next run is due at 2026-01-12 06:00 Europe/Berlin") });
  });
});
