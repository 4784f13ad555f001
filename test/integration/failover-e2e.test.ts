// Failover end to end with real parts: two instances of a stateful HTTP service (SQLite behind it) on
// 127.0.0.2 and 127.0.0.3, a name in a real BIND 9 that accepts TSIG-signed RFC 2136 updates, the real
// agent (1 s checks, threshold 2, mode automatic), and a local server checking ntfy's documented API.
// Kill the primary: the name answers the standby, the standby serves, the journal shows every step,
// one notification says what happened and how long it took. The primary back: no flap back. A
// primary flapping every second: at most one failover.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentStatus } from "../../src/agent/status.js";
import { readByQuery } from "../../src/dns/dns-read.js";
import { ensureBuilt, getJson, runCli, startCli, stopAll, waitFor } from "./agent-harness.js";
import { ntfyContract, startFakeProvider, type FakeProvider } from "./helpers/fake-providers.js";
import { freePort } from "./helpers/free-port.js";
import { startUpdatableNamed, type UpdatableNamed } from "./helpers/named-update.js";
import { startStatefulService, type StatefulService } from "./helpers/stateful-service.js";
import { makeTempDir, type TempDir } from "./helpers/temp-dir.js";

const ZONE = "failover.test";
let dir: TempDir;
let named: UpdatableNamed;
let ntfy: FakeProvider;
const services: StatefulService[] = [];

beforeAll(async () => {
  await ensureBuilt();
  dir = await makeTempDir("understudy-failover-e2e-");
  named = await startUpdatableNamed({ zone: ZONE, records: ["app IN A 127.0.0.2", "flappy IN A 127.0.0.2"] });
  ntfy = await startFakeProvider(ntfyContract());
}, 240_000);

afterAll(async () => {
  await stopAll();
  await Promise.all(services.map((service) => service.kill()));
  await ntfy?.close();
  await named?.stop();
  await dir?.stop();
});

async function answer(name: string): Promise<string[]> {
  const state = await readByQuery({ host: "127.0.0.1", port: named.port }, `${name}.${ZONE}`, "A", AbortSignal.timeout(2_000));
  return state.ok ? state.values : [];
}

/** A pair of instances, a config watching them, and the agent running it. */
async function setUp(name: string) {
  const port = await freePort();
  const agentPort = await freePort();
  const primary = await startStatefulService({ host: "127.0.0.2", port, dbPath: join(dir.path, `${name}-primary.db`) });
  const standby = await startStatefulService({ host: "127.0.0.3", port, dbPath: join(dir.path, `${name}-standby.db`) });
  services.push(primary, standby);
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
    checks:
      - { on: primary, http: "http://127.0.0.2:${port}/health", interval: 1s, timeout: 800ms, failure_threshold: 2 }
      - { on: standby, http: "http://127.0.0.3:${port}/health", interval: 1s, timeout: 800ms, failure_threshold: 2 }
    failover:
      mode: automatic
      dns:
        rfc2136: { server: "${named.server}", zone: ${ZONE}, tsig: { name: ${named.key.name}, algorithm: ${named.key.algorithm}, secret: "env:TSIG_SECRET" } }
        name: ${name}.${ZONE}
        type: A
        ttl: 5
agents: { listen: "127.0.0.1:${agentPort}", grace: 0s, data_dir: ./${name}-state }
notify:
  - ntfy: { url: "${ntfy.url}/${name}" }
`);
  const env = { TSIG_SECRET: named.key.secret };
  const agent = startCli(["agent", "--config", config], { env });
  const base = `http://127.0.0.1:${agentPort}`;
  await waitFor("both instances up", async () => {
    const status = await getJson<AgentStatus>(`${base}/api/status`);
    return status.services[0]?.instances.every((instance) => instance.state === "up");
  }, 30_000);
  const history = async () => JSON.parse((await runCli(["history", name, "--format", "json", "--config", config], { env })).stdout) as { failovers: Array<{ status: string; from: string; to: string; steps: Array<{ step: string; status: string; duration_ms: number | null }> }> };
  return { primary, standby, agent, base, config, history };
}

describe("automatic failover with the real agent, BIND 9 and a stateful service", () => {
  it("kill the primary: DNS answers the standby, which serves; every step journaled; one notification; no flap back", async () => {
    const { primary, standby, base, history } = await setUp("app");
    expect(await answer("app")).toEqual(["127.0.0.2"]);
    expect(await (await fetch(`${primary.url}/count`, { method: "POST" })).text()).toBe("1");

    await primary.kill();
    await waitFor("the record to point at the standby", async () => (await answer("app"))[0] === "127.0.0.3", 30_000);
    // The standby serves at the address DNS now gives.
    expect((await fetch(`http://${(await answer("app"))[0]}:${standby.port}/health`)).status).toBe(200);

    const runs = (await history()).failovers;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: "done", from: "primary", to: "standby" });
    expect(runs[0]!.steps.map((step) => step.step)).toEqual(["fence", "check-replica", "promote", "verify", "switch", "notify"]);
    expect(runs[0]!.steps.every((step) => step.status !== "started" && step.duration_ms !== null)).toBe(true);

    const failoverMessages = () => ntfy.requests.filter((request) => /failed over/.test(String((request.json as { title?: string }).title)));
    await waitFor("the failover notification", () => failoverMessages().length >= 1, 15_000);
    expect(failoverMessages()).toHaveLength(1);
    expect((failoverMessages()[0]!.json as { title: string }).title).toMatch(/^app failed over from primary to standby in \d+\.\d s$/);
    expect(ntfy.violations).toEqual([]);

    // The primary comes back: the service stays on the standby (no failback configured).
    await primary.start();
    await waitFor("the primary seen up again", async () => {
      const status = await getJson<AgentStatus>(`${base}/api/status`);
      return status.services[0]?.instances.find((instance) => instance.host === "primary")?.state === "up";
    }, 30_000);
    await new Promise((done) => setTimeout(done, 3_000));
    expect(await answer("app")).toEqual(["127.0.0.3"]);
    expect((await history()).failovers).toHaveLength(1);
    expect(failoverMessages()).toHaveLength(1);
  }, 120_000);

  it("a primary flapping every second causes at most one failover", async () => {
    const { primary, history } = await setUp("flappy");
    for (let i = 0; i < 10; i++) {
      await primary.kill();
      await new Promise((done) => setTimeout(done, 1_000));
      await primary.start();
      await new Promise((done) => setTimeout(done, 1_000));
    }
    await new Promise((done) => setTimeout(done, 3_000));
    const runs = (await history()).failovers;
    expect(runs.length).toBeLessThanOrEqual(1);
    // Whatever happened, the name points at one of the two, and at the standby only after a completed run.
    expect(await answer("flappy")).toEqual([runs[0]?.status === "done" ? "127.0.0.3" : "127.0.0.2"]);
  }, 120_000);
});
