// Starting and stopping the real agent: SIGTERM ends it with status 0 and no probe's child left behind;
// a taken port and an invalid config stop the start with status 2 and a sentence, not a stack.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, getText, runCli, startCli, stopAll, waitFor } from "./agent-harness.js";
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

const pgrep = (pattern: string) => spawnSync("pgrep", ["-f", pattern], { encoding: "utf8" }).stdout.trim();

function configWith(port: number, checks: string, name = "understudy.yaml"): string {
  const file = join(dir.path, name);
  writeFileSync(file, `version: 1
hosts: { H1: { address: 127.0.0.1 } }
services:
  slow: { runs_on: [H1], checks: [${checks}] }
agents: { listen: "127.0.0.1:${port}", grace: 0s, data_dir: ./state-${port} }
`);
  return file;
}

describe("understudy agent lifecycle", () => {
  it("stops on SIGTERM with status 0, killing the probe that was running", async () => {
    // A marker no other process has, so pgrep finds only this probe's child.
    const marker = `59.${process.pid}${Date.now() % 1000}`;
    const port = await freePort();
    const agent = startCli(["agent", "--config", configWith(port, `{ command: [sleep, "${marker}"], interval: 1s, timeout: 2m }`)]);
    await waitFor("the probe's child process", () => pgrep(`sleep ${marker}`) !== "");
    expect(await getText(`http://127.0.0.1:${port}/healthz`)).toMatch(/^ok\n/);
    agent.signal("SIGTERM");
    expect(await agent.exited).toBe(0);
    expect(pgrep(`sleep ${marker}`)).toBe("");
    expect(agent.logs.at(-1)).toMatchObject({ event: "agent.stopped" });
    expect(agent.stderr()).toBe("");
  }, 60_000);

  it("says the port is taken and exits 2 when another process listens on agents.listen", async () => {
    const port = await freePort();
    const squatter: Server = createServer();
    await new Promise<void>((done) => squatter.listen(port, "127.0.0.1", done));
    try {
      const { code, stderr } = await runCli(["agent", "--config", configWith(port, `{ tcp: "127.0.0.1:${port}", interval: 1s }`, "taken.yaml")]);
      expect(code).toBe(2);
      expect(stderr).toBe(`understudy: 127.0.0.1:${port} is in use: another agent? set agents.listen\n`);
    } finally {
      await new Promise<void>((done) => squatter.close(() => done()));
    }
  }, 60_000);

  it("exits 2 with every config error, before starting anything", async () => {
    const file = join(dir.path, "invalid.yaml");
    writeFileSync(file, "version: 1\nhosts: {}\nservices:\n  web: { runs_on: [nowhere] }\n");
    const { code, stderr } = await runCli(["agent", "--config", file]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/invalid\.yaml:4:\d+: error: services\.web\.runs_on\[0\]: .*nowhere/);
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
