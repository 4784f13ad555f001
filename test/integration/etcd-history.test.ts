// `understudy history` on a follower: the leader's runs live in etcd, and a host whose own journal never
// saw them still lists them; with etcd not answering it says so and shows its own journal. Real etcd.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { EtcdClient } from "../../src/coord/etcd-client.js";
import type { RunRecord } from "../../src/failover/journal.js";
import { requireBinaries } from "./helpers/binaries.js";
import { startEtcdCluster, type EtcdCluster } from "./helpers/etcd.js";
import { freePort } from "./helpers/free-port.js";
import { makeTempDir, type TempDir } from "./helpers/temp-dir.js";

const available = requireBinaries("etcd-server", "etcd");

class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

async function understudy(...argv: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(argv, { stdout, stderr, env: {} });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const startedAt = Date.parse("2026-11-24T10:00:00Z");
const leaderRun: RunRecord = {
  id: 7, service: "hs", kind: "failover", from: "vps", to: "spare", reason: "vps down: hs/http failed", forced: false, token: 41,
  plan: {} as RunRecord["plan"], status: "done", detectedAt: startedAt - 900, startedAt, finishedAt: startedAt + 2_000,
  summary: "hs failed over from vps to spare in 2.9 s",
  steps: [{ step: "switch", attempt: 1, status: "done", startedAt: startedAt + 1_000, finishedAt: startedAt + 1_050, reason: undefined, output: "A hs.example.test → 10.0.0.2" }],
};

describe.skipIf(!available)("understudy history with coordination etcd", () => {
  let cluster: EtcdCluster;
  let dir: TempDir;

  beforeAll(async () => {
    cluster = await startEtcdCluster({ members: 1 });
    dir = await makeTempDir("understudy-history-");
    const etcd = new EtcdClient({ endpoints: cluster.endpoints });
    await etcd.put("/hist/runs/hs", JSON.stringify(leaderRun));
    await etcd.close();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
    await dir?.stop();
  });

  const config = (name: string, endpoints: string[]) => {
    const file = join(dir.path, name);
    writeFileSync(file, `version: 1
hosts:
  vps: { address: 10.0.0.1 }
  spare: { address: 10.0.0.2 }
services:
  hs: { primary: vps, standby: [spare] }
agents:
  data_dir: ${join(dir.path, `data-${name}`)}
  quorum: 2
  coordination:
    etcd:
      prefix: /hist
      endpoints: [${endpoints.map((endpoint) => `"${endpoint}"`).join(", ")}]
`);
    return file;
  };

  it("lists the leader's run from etcd on a host whose own journal is empty", async () => {
    const result = await understudy("history", "--config", config("follower.yaml", cluster.endpoints), "--format", "json");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const { failovers } = JSON.parse(result.stdout) as { failovers: Array<{ service: string; from: string; to: string; status: string; summary: string }> };
    expect(failovers).toEqual([expect.objectContaining({ service: "hs", from: "vps", to: "spare", status: "done", summary: "hs failed over from vps to spare in 2.9 s" })]);
    const table = await understudy("history", "--config", config("follower.yaml", cluster.endpoints));
    expect(table.stdout).toContain("failover of hs vps → spare: done");
  });

  it("says etcd does not answer and shows this host's journal alone", async () => {
    const result = await understudy("history", "--config", config("cut.yaml", [`http://127.0.0.1:${await freePort()}`]));
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^understudy: etcd does not answer \(.*\); showing this host's journal only/);
    expect(result.stdout).toBe("No failovers yet.\n");
  });
});
