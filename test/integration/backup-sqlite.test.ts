// SQLite snapshots against the real thing: a writer process commits numbered rows into a WAL database
// while snapshots run, and every restored copy must pass integrity_check and hold a prefix of the
// committed rows (1..k, no gap); a Headscale-shaped database, its newest rows still in the WAL,
// restores with an identical `sqlite3 .dump`, its noise key beside it.
import { execFileSync, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { takeSnapshot } from "../../src/backup/snapshot.js";
import { LocalTarget } from "../../src/backup/targets/local.js";
import { restoreSnapshot } from "../../src/backup/restore.js";
import { integrityCheck } from "../../src/backup/sqlite-copy.js";
import { requireBinaries } from "./helpers/binaries.js";
import { makeTempDir } from "./helpers/temp-dir.js";
import type { TempDir } from "./helpers/temp-dir.js";

const HEADSCALE_SCHEMA = `
CREATE TABLE users (id integer PRIMARY KEY AUTOINCREMENT, name text, display_name text, email text, provider_identifier text,
  provider text, profile_pic_url text, created_at datetime, updated_at datetime, deleted_at datetime);
CREATE INDEX idx_users_deleted_at ON users (deleted_at);
CREATE UNIQUE INDEX idx_provider_identifier ON users (provider_identifier) WHERE provider_identifier IS NOT NULL;
CREATE TABLE pre_auth_keys (id integer PRIMARY KEY AUTOINCREMENT, key text, user_id integer, reusable numeric, ephemeral numeric DEFAULT false,
  used numeric DEFAULT false, tags text, created_at datetime, expiration datetime,
  CONSTRAINT fk_pre_auth_keys_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL);
CREATE TABLE api_keys (id integer PRIMARY KEY AUTOINCREMENT, prefix text, hash blob, created_at datetime, expiration datetime, last_seen datetime);
CREATE UNIQUE INDEX idx_api_keys_prefix ON api_keys (prefix);
CREATE TABLE nodes (id integer PRIMARY KEY AUTOINCREMENT, machine_key text, node_key text, disco_key text, endpoints text, host_info text,
  ipv4 text, ipv6 text, hostname text, given_name varchar(63), user_id integer, register_method text, forced_tags text, auth_key_id integer,
  expiry datetime, last_seen datetime, approved_routes text, created_at datetime, updated_at datetime, deleted_at datetime,
  CONSTRAINT fk_nodes_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT fk_nodes_auth_key FOREIGN KEY (auth_key_id) REFERENCES pre_auth_keys (id));
CREATE TABLE policies (id integer PRIMARY KEY AUTOINCREMENT, data text, created_at datetime, updated_at datetime, deleted_at datetime);
CREATE INDEX idx_policies_deleted_at ON policies (deleted_at);
`;

describe.skipIf(!requireBinaries("sqlite3", "sqlite3"))("consistent SQLite snapshots", () => {
  let work: TempDir;
  let writer: ChildProcess | undefined;
  beforeEach(async () => {
    work = await makeTempDir("understudy-backup-sqlite-");
  });
  afterEach(async () => {
    if (writer && writer.exitCode === null && writer.signalCode === null) {
      const gone = new Promise((resolve) => writer!.once("exit", resolve));
      writer.kill("SIGKILL");
      await gone;
    }
    writer = undefined;
    await work.stop();
  });

  it("every snapshot taken under a steady writer restores to a prefix of the committed rows", async () => {
    const db = join(work.path, "live.sqlite");
    writer = spawn(process.execPath, ["test/integration/backup-fixtures/writer.mjs", db], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve, reject) => {
      writer!.stdout!.once("data", () => resolve());
      writer!.once("exit", (code) => reject(new Error(`the writer exited with ${code}`)));
    });
    const target = new LocalTarget(join(work.path, "store"));
    const counts: number[] = [];
    for (let round = 0; round < 6; round++) {
      const snapshot = await takeSnapshot({ service: "app", stagingRoot: join(work.path, "staging"), data: [{ sqlite: db }] });
      await target.put(snapshot.dir);
      const to = join(work.path, `restore-${round}`);
      const restored = await restoreSnapshot({ target, id: snapshot.manifest.id, to, verify: true });
      expect(restored.verify).toMatchObject({ ok: true });
      const copy = join(to, db);
      expect(integrityCheck(copy)).toBe("ok");
      const check = new Database(copy, { readonly: true });
      const { rows, low, high } = check.prepare("SELECT COUNT(*) AS rows, MIN(n) AS low, MAX(n) AS high FROM rows").get() as { rows: number; low: number; high: number };
      check.close();
      expect({ low, high }).toEqual({ low: 1, high: rows });
      counts.push(rows);
    }
    // The writer kept committing while the snapshots ran: later snapshots hold more rows.
    expect(counts.at(-1)!).toBeGreaterThan(counts[0]!);
    expect(writer.exitCode).toBeNull();
  });

  it("a Headscale-shaped WAL database and its noise key restore with an identical .dump", async () => {
    const lib = join(work.path, "var", "lib", "headscale");
    await mkdir(lib, { recursive: true });
    const dbPath = join(lib, "db.sqlite");
    const live = new Database(dbPath);
    live.pragma("journal_mode = WAL");
    live.pragma("wal_autocheckpoint = 0"); // the newest rows stay in db.sqlite-wal, as in a running Headscale
    live.exec(HEADSCALE_SCHEMA);
    live.prepare("INSERT INTO users (name, email, created_at) VALUES (?, ?, ?)").run("alice", "alice@example.org", "2026-01-01 10:00:00");
    live.prepare("INSERT INTO users (name, created_at) VALUES (?, ?)").run("bob", "2026-01-02 10:00:00");
    live.prepare("INSERT INTO pre_auth_keys (key, user_id, reusable, created_at) VALUES (?, 1, 1, ?)").run("a".repeat(48), "2026-01-01 10:00:00");
    live.prepare("INSERT INTO api_keys (prefix, hash, created_at) VALUES (?, ?, ?)").run("hskey123", Buffer.from([0, 1, 2, 255]), "2026-01-01 10:00:00");
    const node = live.prepare("INSERT INTO nodes (machine_key, node_key, hostname, given_name, user_id, ipv4, host_info, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    for (let i = 0; i < 50; i++) node.run(`mkey:${i}`, `nodekey:${i}`, `host-${i}`, `host-${i}`, 1 + (i % 2), `100.64.0.${i + 1}`, JSON.stringify({ OS: "linux", i }), "2026-01-03 10:00:00");
    live.prepare("DELETE FROM nodes WHERE id % 7 = 0").run();
    live.prepare("INSERT INTO policies (data, created_at) VALUES (?, ?)").run('{"acls":[{"action":"accept","src":["*"],"dst":["*:*"]}]}', "2026-01-04 10:00:00");
    expect((await stat(`${dbPath}-wal`)).size).toBeGreaterThan(0);
    await writeFile(join(lib, "noise_private.key"), "privkey:0123456789abcdef\n", { mode: 0o600 });

    const target = new LocalTarget(join(work.path, "store"));
    const snapshot = await takeSnapshot({ service: "headscale", stagingRoot: join(work.path, "staging"), data: [{ sqlite: dbPath }, { path: join(lib, "noise_private.key") }] });
    expect(snapshot.manifest.sqlite).toEqual([{ path: "0-sqlite/db.sqlite", integrity_check: "ok" }]);
    await target.put(snapshot.dir);
    const to = join(work.path, "restore");
    await restoreSnapshot({ target, id: snapshot.manifest.id, to, verify: true });

    const dump = (file: string) => execFileSync("sqlite3", [file, ".dump"], { encoding: "utf8" });
    const original = dump(dbPath);
    live.close();
    expect(original).toContain("INSERT INTO nodes");
    expect(dump(join(to, dbPath))).toBe(original);
    const key = join(to, lib, "noise_private.key");
    expect(await readFile(key, "utf8")).toBe("privkey:0123456789abcdef\n");
    expect((await stat(key)).mode & 0o777).toBe(0o600);
  });
});
