// The real agent (node bin/understudy.js agent) backing up a SQLite service on its own schedule to a
// local folder, notifying a local server that checks ntfy's documented API: a snapshot shows up in
// `understudy backup list`, /metrics exports the last success, and a target that breaks (a file where
// its folder was: root can write into a read-only folder, not under a file) gives exactly one failure
// notification however many runs fail, then one recovery when the folder is back. The agent beats the
// backup's push token after each good backup, which the service's push check sees.
//
// A second agent replicates a database and its key to a standby over SSH (real sshd on loopback) and
// exports the replica's age.
//
// The schedule has a seconds field ("*/2 * * * * *", which cron-parser accepts) so the test takes seconds
// rather than minutes; the agent goes through the same cron path as for "* * * * *".
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentStatus } from "../../src/agent/status.js";
import { ensureBuilt, getJson, getText, runCli, startCli, stopAll, waitFor, type RunningCli } from "./agent-harness.js";
import { requireBinaries } from "./helpers/binaries.js";
import { ntfyContract, startFakeProvider, type FakeProvider } from "./helpers/fake-providers.js";
import { startSshd } from "./helpers/sshd.js";
import { freePort } from "./helpers/free-port.js";
import { makeTempDir, type TempDir } from "./helpers/temp-dir.js";

let dir: TempDir;
let ntfy: FakeProvider;

beforeAll(async () => {
  await ensureBuilt();
  dir = await makeTempDir("understudy-agent-backup-");
  ntfy = await startFakeProvider(ntfyContract());
}, 240_000);

afterAll(async () => {
  await stopAll();
  await ntfy?.close();
  await dir?.stop();
});

const failedRuns = (agent: RunningCli) => agent.logs.filter((line) => line.event === "backup.backup" && line.ok === false).length;

describe("understudy agent, scheduled backups of a SQLite service (ntfy checked against its documented API)", () => {
  it("takes snapshots on schedule, exports the metric, and notifies once when the target breaks and once when it is back", async () => {
    const db = new Database(join(dir.path, "app.sqlite"));
    db.pragma("journal_mode = WAL");
    db.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1), (2), (3);");
    db.close();
    const store = join(dir.path, "store");
    const agentPort = await freePort();
    const config = join(dir.path, "understudy.yaml");
    await writeFile(config, `version: 1
hosts:
  H1: { address: 127.0.0.1 }
services:
  headscale:
    runs_on: [H1]
    criticality: critical
    data: [{ sqlite: ${join(dir.path, "app.sqlite")} }]
    backup: { to: [local], schedule: "*/2 * * * * *", keep: { last: 3 }, push: nightly-backup }
    checks: [{ push: { token: nightly-backup, period: 1m }, interval: 1s }]
backup_targets:
  local: { local: { path: ${store} } }
agents: { listen: "127.0.0.1:${agentPort}", grace: 5m, data_dir: ./state }
notify:
  - ntfy: { url: "${ntfy.url}/alerts" }
`);
    const agent = startCli(["agent", "--config", config]);
    const base = `http://127.0.0.1:${agentPort}`;

    const listed = await waitFor("a snapshot in `understudy backup list`", async () => {
      const list = await runCli(["backup", "list", "--format", "json", "--config", config]);
      const snapshots = (JSON.parse(list.stdout) as { snapshots: Array<{ id: string; service: string; target: string }> }).snapshots;
      return snapshots.length > 0 ? snapshots : undefined;
    }, 30_000);
    expect(listed[0]).toMatchObject({ service: "headscale", target: "local", id: expect.stringMatching(/^headscale-\d{8}T\d{6}Z-[0-9a-f]{6}$/) });
    // The snapshot is listed once its manifest is written; the run is recorded after pruning: wait for it.
    const metrics = await waitFor("the backup metrics", async () => {
      const text = await getText(`${base}/metrics`);
      return /understudy_backup_runs_total\{service="headscale",kind="backup",ok="true"\} [1-9]/.test(text) ? text : undefined;
    });
    const last = /understudy_backup_last_success_timestamp_seconds\{service="headscale"\} (\d+(?:\.\d+)?)/.exec(metrics);
    expect(Number(last?.[1])).toBeGreaterThan(Date.now() / 1000 - 60);
    // The agent beat its own push token after the backup, so the push check that watches it passes.
    await waitFor("the push check to pass", async () => (await getJson<AgentStatus>(`${base}/api/status`)).services[0]?.checks[0]?.last?.ok === true, 10_000);
    expect(ntfy.requests).toHaveLength(0);

    // Break the target: a file where its folder was.
    await rm(store, { recursive: true, force: true });
    await writeFile(store, "not a folder");
    await waitFor("three failed backups", () => failedRuns(agent) >= 3, 30_000);
    await waitFor("the ntfy message", () => ntfy.requests.length >= 1, 10_000);
    expect(ntfy.requests).toHaveLength(1);
    expect(ntfy.violations).toEqual([]);
    expect(ntfy.requests[0]!.json).toMatchObject({ topic: "alerts", title: expect.stringMatching(/^backup of headscale failed: local: .*ENOTDIR/) });
    expect(await getText(`${base}/metrics`)).toMatch(/understudy_backup_runs_total\{service="headscale",kind="backup",ok="false"\} [3-9]/);

    await rm(store, { force: true });
    await mkdir(store);
    await waitFor("the recovery message", () => ntfy.requests.length >= 2, 30_000);
    expect(ntfy.requests[1]!.json).toMatchObject({ title: expect.stringMatching(/^Resolved: backup of headscale failed/) });

    agent.signal("SIGTERM");
    expect(await agent.exited).toBe(0);
    expect(ntfy.requests).toHaveLength(2);
  }, 120_000);
});

describe.skipIf(!requireBinaries("openssh-server openssh-client", "sshd", "ssh-keygen"))("understudy agent, replication to a standby over SSH (real sshd on loopback)", () => {
  it("ships the data to the standby every few seconds and exports the replica's age", async () => {
    const sshd = await startSshd();
    try {
      const lib = join(dir.path, "replicated");
      await mkdir(lib);
      const db = new Database(join(lib, "db.sqlite"));
      db.pragma("journal_mode = WAL");
      db.exec("CREATE TABLE nodes (name TEXT); INSERT INTO nodes VALUES ('L001');");
      db.close();
      await writeFile(join(lib, "noise_private.key"), "privkey:standby-must-match");
      const root = join(dir.path, "standby-root");
      const agentPort = await freePort();
      const config = join(dir.path, "replicate.yaml");
      await writeFile(config, `version: 1
hosts:
  L001: { address: 127.0.0.1 }
  L002: { address: ${sshd.host}, ssh: { port: ${sshd.port}, user: ${sshd.user}, private_key: "file:${sshd.clientKeyFile}", host_key: "${sshd.hostKeyFingerprint}" } }
services:
  headscale:
    primary: L001
    standby: [L002]
    target: { rpo: 1m }
    data: [{ sqlite: ${join(lib, "db.sqlite")} }, { path: ${join(lib, "noise_private.key")} }]
    replicate: { to: standby, every: 2s, root: ${root} }
agents: { listen: "127.0.0.1:${agentPort}", data_dir: ./state-replicate }
`);
      const agent = startCli(["agent", "--config", config]);
      const shipped = join(root, lib, "noise_private.key");
      expect(await waitFor("the key on the standby", () => readFile(shipped, "utf8").catch(() => undefined), 30_000)).toBe("privkey:standby-must-match");
      const replica = new Database(join(root, lib, "db.sqlite"), { readonly: true });
      expect(replica.prepare("SELECT name FROM nodes").pluck().all()).toEqual(["L001"]);
      replica.close();
      // The replica's age is recorded as the shipment ends, the run a moment later: wait for both.
      const metrics = await waitFor("the replica metrics", async () => {
        const text = await getText(`http://127.0.0.1:${agentPort}/metrics`);
        return /understudy_backup_runs_total\{service="headscale",kind="replicate",ok="true"\} [1-9]/.test(text) ? text : undefined;
      });
      const age = /understudy_replica_age_seconds\{service="headscale",host="L002"\} (\d+(?:\.\d+)?)/.exec(metrics)?.[1];
      expect(Number(age)).toBeLessThan(60);
      agent.signal("SIGTERM");
      expect(await agent.exited).toBe(0);
    } finally {
      await sshd.stop();
    }
  }, 60_000);
});
