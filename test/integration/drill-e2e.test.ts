// `understudy drill` end to end on the failover harness: two instances of a stateful HTTP service on
// 127.0.0.2 and 127.0.0.3 sharing one SQLite file (shared storage: the standby sees every write), a
// name in a real BIND 9 updated over RFC 2136, and the real agent in automatic mode. The drill's
// inject and restore actions are local commands that ask a small control server in this test to kill
// -9 and restart the primary (as an out-of-band power switch would); its marker probes POST /count on
// the primary and read /count on the standby.
import { createServer, type Server } from "node:http";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentStatus } from "../../src/agent/status.js";
import type { DrillJson } from "../../src/drill/report.js";
import { readByQuery } from "../../src/dns/dns-read.js";
import { ensureBuilt, getJson, runCli, startCli, stopAll, waitFor } from "./agent-harness.js";
import { freePort } from "./helpers/free-port.js";
import { startUpdatableNamed, type UpdatableNamed } from "./helpers/named-update.js";
import { startStatefulService, type StatefulService } from "./helpers/stateful-service.js";
import { makeTempDir, type TempDir } from "./helpers/temp-dir.js";

const ZONE = "drill.test";
let dir: TempDir;
let named: UpdatableNamed;
const services: StatefulService[] = [];
const servers: Server[] = [];

beforeAll(async () => {
  await ensureBuilt();
  dir = await makeTempDir("understudy-drill-e2e-");
  named = await startUpdatableNamed({ zone: ZONE, records: ["good IN A 127.0.0.2", "broken IN A 127.0.0.2", "crash IN A 127.0.0.2"] });
}, 240_000);

afterAll(async () => {
  await stopAll();
  await Promise.all(services.map((service) => service.kill()));
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
  await named?.stop();
  await dir?.stop();
});

async function answer(name: string): Promise<string[]> {
  const state = await readByQuery({ host: "127.0.0.1", port: named.port }, `${name}.${ZONE}`, "A", AbortSignal.timeout(2_000));
  return state.ok ? state.values : [];
}

/** A control server: POST /kill and /start act on the primary, as a PDU would on a host. */
async function control(primary: StatefulService): Promise<string> {
  const server = createServer((request, response) => {
    const act = request.url === "/kill" ? primary.kill() : request.url === "/start" ? (primary.running() ? Promise.resolve() : primary.start()) : Promise.reject(new Error("no such action"));
    act.then(() => response.end("ok"), (error: unknown) => ((response.statusCode = 500), response.end(String(error))));
  });
  servers.push(server);
  const port = await freePort();
  await new Promise<void>((done) => server.listen(port, "127.0.0.1", done));
  return `http://127.0.0.1:${port}`;
}

const node = (script: string) => `[${JSON.stringify(process.execPath)}, "-e", ${JSON.stringify(script)}]`;

/** `readDelayMs` slows the marker read, which runs while the drill is in state switched (a window to kill it in). */
async function setUp(name: string, readDelayMs = 0) {
  const port = await freePort();
  const agentPort = await freePort();
  const db = join(dir.path, `${name}.db`);
  const primary = await startStatefulService({ host: "127.0.0.2", port, dbPath: db });
  const standby = await startStatefulService({ host: "127.0.0.3", port, dbPath: db });
  services.push(primary, standby);
  const ctl = await control(primary);
  const config = join(dir.path, `${name}.yaml`);
  writeFileSync(config, `version: 1
hosts:
  primary: { address: 127.0.0.2 }
  standby: { address: 127.0.0.3 }
services:
  ${name}:
    primary: primary
    standby: [standby]
    criticality: high
    target: { rto: 30s }
    checks:
      - { on: primary, http: "http://127.0.0.2:${port}/health", interval: 1s, timeout: 800ms, failure_threshold: 2 }
      - { on: standby, http: "http://127.0.0.3:${port}/health", interval: 1s, timeout: 800ms, failure_threshold: 2 }
    failover:
      mode: automatic
      min_interval: 1s
      max_per_hour: 20
      dns:
        rfc2136: { server: "${named.server}", zone: ${ZONE}, tsig: { name: ${named.key.name}, algorithm: ${named.key.algorithm}, secret: "env:TSIG_SECRET" } }
        name: ${name}.${ZONE}
        type: A
        ttl: 5
    drill:
      scenarios:
        stop:
          inject: { command: ${node(`fetch("${ctl}/kill",{method:"POST"}).then(r=>r.text()).then(t=>console.log("primary killed: "+t))`)} }
          restore: { command: ${node(`fetch("${ctl}/start",{method:"POST"}).then(r=>r.text()).then(t=>console.log("primary started: "+t))`)} }
      probe_write: ${node(`fetch("http://127.0.0.2:${port}/count",{method:"POST"}).then(r=>r.text()).then(t=>console.log(t))`)}
      probe_read: ${node(`new Promise(r=>setTimeout(r,${readDelayMs})).then(()=>fetch("http://127.0.0.3:${port}/count")).then(r=>r.text()).then(t=>process.exit(Number(t)>=Number(process.env.UNDERSTUDY_WRITTEN)?0:1))`)}
      deadline: 60s
agents: { listen: "127.0.0.1:${agentPort}", grace: 0s, data_dir: ./${name}-state }
`);
  const env = { TSIG_SECRET: named.key.secret };
  startCli(["agent", "--config", config], { env });
  const base = `http://127.0.0.1:${agentPort}`;
  await waitFor("both instances up", async () => {
    const status = await getJson<AgentStatus>(`${base}/api/status`);
    return status.services[0]?.instances.every((instance) => instance.state === "up");
  }, 30_000);
  const drills = async () => (JSON.parse((await runCli(["drill", "--list", name, "--format", "json", "--config", config], { env })).stdout) as { drills: DrillJson[] }).drills;
  return { primary, standby, config, env, drills };
}

describe("understudy drill on the failover harness with the real agent and BIND 9", () => {
  it("passes: the agent fails over, the drill measures detect, decide, switch and serve, the standby has the marker, and the primary serves again", async () => {
    const { primary, config, env, drills } = await setUp("good");
    const result = await runCli(["drill", "good", "--config", config], { env });
    expect(result.stderr).not.toMatch(/precondition/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/drill #1 of good \(stop, the agent acted\): passed/);
    expect(result.stdout).toMatch(/RTO +\d+\.\d s against a target of 30\.0 s/);

    const [drill] = await drills();
    expect(drill).toMatchObject({ outcome: "passed", mode: "agent", data: { marker: "present", lost_ms: 0 } });
    for (const key of ["detect_ms", "decide_ms", "switch_ms", "serve_ms", "rto_ms"] as const) expect(drill![key]).toEqual(expect.any(Number));
    expect(drill!.rto_ms).toBe(drill!.detect_ms! + drill!.decide_ms! + drill!.switch_ms! + drill!.serve_ms!);
    // Restored: the name answers the primary again, which serves.
    expect(await answer("good")).toEqual(["127.0.0.2"]);
    expect(primary.running()).toBe(true);
    expect((await fetch(`${primary.url}/health`)).status).toBe(200);
    // The runbook names the last drill's measured numbers.
    const runbook = await runCli(["runbook", "good", "--drills", "--config", config], { env });
    expect(runbook.stdout).toMatch(/Passed on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC: detected in [^,]+, serving from the standby after [^,]+, data lost: 0/);
    console.log(`drill numbers: detect ${drill!.detect_ms} ms (first failed check ${drill!.first_failure_ms} ms), decide ${drill!.decide_ms} ms, switch ${drill!.switch_ms} ms, serve ${drill!.serve_ms} ms, RTO ${drill!.rto_ms} ms, data lost ${drill!.data!.lost_ms} ms`);
  }, 120_000);

  it("with a broken standby, is refused by its preconditions and changes nothing: the primary serves, DNS unchanged", async () => {
    const { primary, standby, config, env, drills } = await setUp("broken");
    await standby.kill();
    const updates = named.updates();
    const dry = await runCli(["drill", "broken", "--dry-run", "--config", config], { env });
    expect(dry.stderr).toMatch(/precondition: the standby standby fails its checks/);
    expect(dry.stdout).toMatch(/dry run: the preconditions above would refuse it; nothing was changed/);

    const result = await runCli(["drill", "broken", "--config", config], { env });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/: refused/);
    expect(primary.running()).toBe(true);
    expect((await fetch(`${primary.url}/health`)).status).toBe(200);
    expect(await answer("broken")).toEqual(["127.0.0.2"]);
    expect(named.updates()).toBe(updates);
    expect((await drills()).map((drill) => drill.outcome)).toEqual(["refused"]);
  }, 120_000);

  it("killed with -9 after the failover, is restored by the next `understudy drill`", async () => {
    const { primary, config, env, drills } = await setUp("crash", 5_000);
    const running = startCli(["drill", "crash", "--config", config], { env });
    await waitFor("the drill to see the standby serving", () => /drill #1: switched/.test(running.stderr()), 60_000);
    running.signal("SIGKILL");
    await running.exited;
    // Left as the crash left it: on the standby, the primary dead.
    expect(await answer("crash")).toEqual(["127.0.0.3"]);
    expect(primary.running()).toBe(false);
    expect((await drills())[0]!.finished_at).toBeNull();

    const recover = await runCli(["drill", "--recover", "--config", config], { env });
    expect(recover.code).toBe(0);
    expect(recover.stderr).toMatch(/restored drill #1 a crash left unfinished: interrupted: interrupted in state switched: restored on the next start; crash serves from primary again/);
    expect(await answer("crash")).toEqual(["127.0.0.2"]);
    expect(primary.running()).toBe(true);
    expect((await drills())[0]).toMatchObject({ outcome: "interrupted", state: "finished" });
  }, 120_000);
});
