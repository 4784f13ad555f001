// Replication to a warm standby over real SSH/SFTP (sshd on loopback, host key pinned): the standby
// gets the database and its key at their paths, the replica's age is recorded for the promote step,
// and a shipment that breaks off leaves the previous replica whole with no temporary files behind.
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { takeSnapshot } from "../../src/backup/snapshot.js";
import { replicateSnapshot } from "../../src/backup/replicate.js";
import { replicaAge } from "../../src/backup/replica-state.js";
import { sshEndpointSchema } from "../../src/backup/ssh-spec.js";
import { requireBinaries } from "./helpers/binaries.js";
import { makeTempDir } from "./helpers/temp-dir.js";
import type { TempDir } from "./helpers/temp-dir.js";
import type { Sshd } from "./helpers/sshd.js";
import { startSshd as startSftpServer } from "./helpers/sshd.js";

describe.skipIf(!requireBinaries("openssh-server openssh-client", "sshd", "ssh-keygen"))("replication to a standby over SFTP", () => {
  let sshd: Sshd;
  let work: TempDir;
  beforeAll(async () => {
    sshd = await startSftpServer();
  });
  afterAll(() => sshd?.stop());
  beforeEach(async () => {
    work = await makeTempDir("understudy-replicate-");
    return () => work.stop();
  });

  const endpoint = () => sshEndpointSchema.parse({ host: sshd.host, port: sshd.port, user: sshd.user, host_key: sshd.hostKeyFingerprint, private_key: `file:${sshd.clientKeyFile}` });

  async function primaryWith(value: string) {
    const lib = join(work.path, "primary", "var", "lib", "headscale");
    await mkdir(lib, { recursive: true });
    const db = new Database(join(lib, "db.sqlite"));
    db.pragma("journal_mode = WAL");
    db.exec("CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT)");
    db.prepare("INSERT OR REPLACE INTO kv VALUES ('state', ?)").run(value);
    db.close();
    await writeFile(join(lib, "noise_private.key"), `key-${value}`, { mode: 0o600 });
    return { lib, data: [{ sqlite: join(lib, "db.sqlite") }, { path: join(lib, "noise_private.key") }] };
  }

  const standbyValue = (root: string, lib: string) => {
    const db = new Database(join(root, lib, "db.sqlite"), { readonly: true });
    try {
      return (db.prepare("SELECT v FROM kv WHERE k = 'state'").get() as { v: string }).v;
    } finally {
      db.close();
    }
  };

  it("ships the database and its key together and records the replica's age", async () => {
    const { lib, data } = await primaryWith("one");
    const root = join(work.path, "standby");
    const dataDir = join(work.path, "agent");
    expect(await replicaAge("headscale", { dataDir })).toEqual([]);
    // A WAL left on the standby from an older database must not be replayed into the new one.
    await mkdir(join(root, lib), { recursive: true });
    await writeFile(join(root, lib, "db.sqlite-wal"), "stale");
    const snapshot = await takeSnapshot({ service: "headscale", stagingRoot: join(work.path, "staging"), data, now: () => new Date("2026-03-01T12:00:00Z") });
    await replicateSnapshot({ snapshot, host: "L002", endpoint: endpoint(), root, dataDir, env: process.env, now: () => new Date("2026-03-01T12:00:03Z") });
    expect(standbyValue(root, lib)).toBe("one");
    expect(await readFile(join(root, lib, "noise_private.key"), "utf8")).toBe("key-one");
    expect((await readdir(join(root, lib))).sort()).toEqual(["db.sqlite", "noise_private.key"]);
    expect(await replicaAge("headscale", { dataDir, now: new Date("2026-03-01T12:05:00Z") })).toEqual([
      { service: "headscale", host: "L002", snapshot_id: snapshot.manifest.id, data_time: "2026-03-01T12:00:00.000Z", shipped_at: "2026-03-01T12:00:03.000Z", age_ms: 300_000 },
    ]);
  });

  it("a shipment that breaks off leaves the previous replica whole and none of its temporary files", async () => {
    const root = join(work.path, "standby");
    const dataDir = join(work.path, "agent");
    const first = await primaryWith("one");
    await replicateSnapshot({ snapshot: await takeSnapshot({ service: "headscale", stagingRoot: join(work.path, "staging"), data: first.data }), host: "L002", endpoint: endpoint(), root, dataDir, env: process.env });
    const { lib, data } = await primaryWith("two");
    // Something in the way of the key's temporary file: the upload of the second file fails.
    await mkdir(join(root, lib, "noise_private.key.understudy-incoming", "blocker"), { recursive: true });
    const second = await takeSnapshot({ service: "headscale", stagingRoot: join(work.path, "staging"), data });
    await expect(replicateSnapshot({ snapshot: second, host: "L002", endpoint: endpoint(), root, dataDir, env: process.env })).rejects.toThrow();
    expect(standbyValue(root, lib)).toBe("one");
    expect(await readFile(join(root, lib, "noise_private.key"), "utf8")).toBe("key-one");
    expect((await readdir(join(root, lib))).sort()).toEqual(["db.sqlite", "noise_private.key", "noise_private.key.understudy-incoming"]);
    const [age] = await replicaAge("headscale", { dataDir });
    expect(age?.snapshot_id).not.toBe(second.manifest.id);
  });
});
