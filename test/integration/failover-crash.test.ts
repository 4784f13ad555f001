// kill -9 during a failover, at every step, then a restart: a real process runs the plan (the test
// runner helpers/failover-crash-runner.mjs, which SIGKILLs itself right after the journal's "before"
// entry of the chosen step), then the real agent starts on the same data directory and settles the
// journal. The record in a real BIND 9 and the journal must agree: the run is done and the name
// points at the standby, or it is rolled back and the name points at the primary. Never anything else.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readByQuery } from "../../src/dns/dns-read.js";
import { ensureBuilt, ROOT, runCli, startCli, stopAll, waitFor } from "./agent-harness.js";
import { freePort } from "./helpers/free-port.js";
import { startUpdatableNamed, type UpdatableNamed } from "./helpers/named-update.js";
import { startStatefulService, type StatefulService } from "./helpers/stateful-service.js";
import { makeTempDir, type TempDir } from "./helpers/temp-dir.js";

const ZONE = "crash.test";
const STEPS = ["fence", "check-replica", "promote", "verify", "switch", "notify"] as const;
let dir: TempDir;
let named: UpdatableNamed;
let port: number;
const services: StatefulService[] = [];

beforeAll(async () => {
  await ensureBuilt();
  dir = await makeTempDir("understudy-failover-crash-");
  named = await startUpdatableNamed({ zone: ZONE, records: [...STEPS, "standby-dies"].map((step) => `${step} IN A 127.0.0.2`) });
  port = await freePort();
  services.push(
    await startStatefulService({ host: "127.0.0.2", port, dbPath: join(dir.path, "primary.db") }),
    await startStatefulService({ host: "127.0.0.3", port, dbPath: join(dir.path, "standby.db") }),
  );
}, 240_000);

afterAll(async () => {
  await stopAll();
  await Promise.all(services.map((service) => service.kill()));
  await named?.stop();
  await dir?.stop();
});

async function answer(name: string): Promise<string[]> {
  const state = await readByQuery({ host: "127.0.0.1", port: named.port }, `${name}.${ZONE}`, "A", AbortSignal.timeout(2_000));
  return state.ok ? state.values : [];
}

async function configFor(name: string): Promise<string> {
  const file = join(dir.path, `${name}.yaml`);
  writeFileSync(file, `version: 1
hosts:
  primary: { address: 127.0.0.2 }
  standby: { address: 127.0.0.3 }
services:
  app:
    primary: primary
    standby: [standby]
    checks:
      - { on: primary, http: "http://127.0.0.2:${port}/health", interval: 1s, timeout: 800ms }
      - { on: standby, http: "http://127.0.0.3:${port}/health", interval: 1s, timeout: 800ms }
    failover:
      fence: { command: ["true"] }
      promote: { command: ["true"] }
      # The standby that dies is given up on within the test's wait (the default patience is 60 s).
      verify_timeout: 10s
      dns:
        rfc2136: { server: "${named.server}", zone: ${ZONE}, tsig: { name: ${named.key.name}, algorithm: ${named.key.algorithm}, secret: "env:TSIG_SECRET" } }
        name: ${name}.${ZONE}
        ttl: 5
agents: { listen: "127.0.0.1:${await freePort()}", grace: 0s, data_dir: ./${name}-state }
`);
  return file;
}

const env = () => ({ TSIG_SECRET: named.key.secret });

function crashRun(config: string, crashAt: string): Promise<string | number> {
  const child = spawn(process.execPath, [join(ROOT, "test/integration/helpers/failover-crash-runner.mjs"), config, "app", "standby"], {
    env: { ...process.env, ...env(), UNDERSTUDY_TEST_CRASH_AT: crashAt }, stdio: "ignore",
  });
  return new Promise((done) => child.once("exit", (code, signal) => done(signal ?? code ?? "unknown")));
}

type Run = { status: string; steps: Array<{ step: string; status: string }> };
const runs = async (config: string) => (JSON.parse((await runCli(["history", "--format", "json", "--config", config], { env: env() })).stdout) as { failovers: Run[] }).failovers;

/** The restart: the real agent on the same data directory settles the journal at start. */
async function restart(config: string): Promise<Run> {
  const agent = startCli(["agent", "--config", config], { env: env() });
  const settled = await waitFor("the journal settled", async () => {
    const [run] = await runs(config);
    return run && run.status !== "running" ? run : undefined;
  }, 60_000).catch((error: unknown) => {
    throw new Error(`${String(error)}\nagent said:\n${agent.stdout()}${agent.stderr()}`);
  });
  agent.signal("SIGTERM");
  await agent.exited;
  return settled;
}

describe("kill -9 while a failover runs, then restart", () => {
  it.each(STEPS)("killed right after starting %s: resumed to the end, the name points at the standby", async (step) => {
    const config = await configFor(step);
    expect(await crashRun(config, step)).toBe("SIGKILL");
    const [left] = await runs(config);
    expect(left?.status).toBe("running");
    expect(left?.steps.at(-1)).toMatchObject({ step, status: "started" });
    // Only a crash after the switch completed (at notify) finds the name moved already.
    expect(await answer(step)).toEqual([step === "notify" ? "127.0.0.3" : "127.0.0.2"]);

    const run = await restart(config);
    expect(run.status).toBe("done");
    expect(await answer(step)).toEqual(["127.0.0.3"]);
  }, 90_000);

  it("killed at the switch while the standby dies: rolled back, the name stays on the primary", async () => {
    const config = await configFor("standby-dies");
    expect(await crashRun(config, "switch")).toBe("SIGKILL");
    await services[1]!.kill();
    try {
      const run = await restart(config);
      expect(run.status).toBe("rolled-back");
      expect(run.steps.some((step) => step.step === "verify" && step.status === "failed")).toBe(true);
      expect(await answer("standby-dies")).toEqual(["127.0.0.2"]);
    } finally {
      await services[1]!.start();
    }
  }, 90_000);
});
