// Replication between two "hosts", each a real sshd on loopback (its own port and host key), with the
// real sqlite3 CLI and rsync: the data is read where it lives, shipped to the host that does not serve,
// and never written over a serving instance. The primary keeps its data at its paths, the standby
// under `replicate.root`, so both live on this machine without touching each other. The agent is a
// third party (`self` names neither host): every step goes over SSH.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, open, readFile, readdir, readlink, rename, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import type { Server } from "node:net";
import { join } from "node:path";
import { Writable } from "node:stream";
import Database from "better-sqlite3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import type { ConfigDocument } from "../../src/config/schema.js";
import { replicateService, shipFinalSnapshot } from "../../src/backup/replication.js";
import type { ReplicationContext, ShipmentResult } from "../../src/backup/replication.js";
import { replicaAge } from "../../src/backup/replica-state.js";
import { HostAccessPool, hostAccessFor } from "../../src/hosts/host-for.js";
import { isHostFailure } from "../../src/hosts/host-access.js";
import { main } from "../../src/cli/main.js";
import { moveActiveHost } from "../../src/failover/active-host.js";
import { storePathIn } from "../../src/store/data-dir.js";
import { openStore } from "../../src/store/db.js";
import { requireBinaries } from "./helpers/binaries.js";
import { freePort } from "./helpers/free-port.js";
import { makeTempDir } from "./helpers/temp-dir.js";
import type { TempDir } from "./helpers/temp-dir.js";
import { startSshd } from "./helpers/sshd.js";
import type { Sshd } from "./helpers/sshd.js";

const available = requireBinaries("openssh-server openssh-client sqlite3 rsync", "sshd", "ssh", "ssh-keygen", "sqlite3", "rsync");

/** A process that owns a SQLite file in WAL mode and inserts a row every few ms until killed. */
function startWriter(path: string, tag: string): Promise<ChildProcess> {
  const script = `const Database = require("better-sqlite3"); const db = new Database(process.argv[1]); db.pragma("journal_mode = WAL");
db.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, tag TEXT, v BLOB)"); const ins = db.prepare("INSERT INTO t (tag, v) VALUES (?, randomblob(200))");
setInterval(() => ins.run(process.argv[2]), 3); process.stdout.write("ready\\n");`;
  const child = spawn(process.execPath, ["-e", script, path, tag], { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.stdout!.once("data", () => resolve(child));
    child.once("exit", (code) => reject(new Error(`the writer exited with ${code}`)));
  });
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

const query = <T>(path: string, sql: string): T => {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).pluck().get() as T;
  } finally {
    db.close();
  }
};

/** What /proc says the process has open at `path` (with " (deleted)" when it was unlinked). */
async function openAs(pid: number, path: string): Promise<string[]> {
  const fds = await readdir(`/proc/${pid}/fd`);
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => "")));
  return targets.filter((target) => target.startsWith(path));
}

describe.skipIf(!available)("replication that follows the active host (two sshd hosts, sqlite3, rsync)", () => {
  let a: Sshd;
  let b: Sshd;
  let work: TempDir;
  let writers: ChildProcess[] = [];
  beforeAll(async () => {
    [a, b] = await Promise.all([startSshd(), startSshd()]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });
  beforeEach(async () => {
    work = await makeTempDir("understudy-replicate-");
    writers = [];
    return async () => {
      for (const writer of writers) await stopProcess(writer);
      await work.stop();
    };
  });

  const lib = () => join(work.path, "var", "lib", "app");
  const standbyRoot = () => join(work.path, "standby");
  const onA = () => join(lib(), "db.sqlite");
  const onB = () => join(standbyRoot(), lib(), "db.sqlite");
  const ssh = (server: Sshd) => `{ port: ${server.port}, user: ${server.user}, private_key: "file:${server.clientKeyFile}", host_key: "${server.hostKeyFingerprint}" }`;

  function config(extra = ""): ConfigDocument {
    const parsed = parseConfig(`version: 1
hosts:
  A: { address: 127.0.0.1, ssh: ${ssh(a)} }
  B: { address: 127.0.0.1, ssh: ${ssh(b)} }
services:
  app:
    primary: A
    standby: [B]
    target: { rpo: 5m }
    data: [{ sqlite: ${onA()} }, { path: ${join(lib(), "secret.key")} }]
    replicate: { to: standby, every: 10s, root: ${standbyRoot()} }
${extra}`, "understudy.yaml");
    if (!parsed.ok) throw new Error(parsed.diagnostics.map((d) => d.message).join("\n"));
    return parsed.config;
  }

  async function cycle(active: string, doc = config()): Promise<ShipmentResult[]> {
    const pool = new HostAccessPool(doc, { env: process.env, self: "the-agent", scratchDir: work.path });
    try {
      return await replicateService("app", context(doc, pool, active));
    } finally {
      await pool.close();
    }
  }

  const context = (doc: ConfigDocument, pool: HostAccessPool, active: string): ReplicationContext =>
    ({ doc, dataDir: join(work.path, "agent"), hosts: (host) => pool.get(host), activeHost: () => active, hostTempDir: work.path });

  async function primaryWriting(): Promise<ChildProcess> {
    await mkdir(lib(), { recursive: true });
    await writeFile(join(lib(), "secret.key"), "key-of-A", { mode: 0o600 });
    const writer = await startWriter(onA(), "A");
    writers.push(writer);
    return writer;
  }

  it("ships a consistent copy of a database written continuously on A to B, with its key, and records the replica", async () => {
    await primaryWriting();
    // A stale WAL on B from an older database must not be replayed into the new one.
    await mkdir(join(standbyRoot(), lib()), { recursive: true });
    await writeFile(`${onB()}-wal`, "stale");
    const committed = query<number>(onA(), "SELECT count(*) FROM t");
    const [result] = await cycle("A");
    expect(result).toMatchObject({ ok: true, host: "B", source: "A" });
    expect(query<string>(onB(), "PRAGMA integrity_check")).toBe("ok");
    expect(query<number>(onB(), "SELECT count(*) FROM t")).toBeGreaterThanOrEqual(committed);
    expect(await readFile(join(standbyRoot(), lib(), "secret.key"), "utf8")).toBe("key-of-A");
    // Beside the data: the spare the next cycle writes into (the delta basis), nothing else.
    expect((await readdir(join(standbyRoot(), lib()))).sort()).toEqual([".understudy-spare-app", "db.sqlite", "secret.key"]);
    const [age] = await replicaAge("app", { dataDir: join(work.path, "agent") });
    expect(age).toMatchObject({ service: "app", host: "B", source: "A", snapshot_id: result!.snapshotId });
    // Nothing is left on either host's temporary folder or beside the data.
    expect((await readdir(work.path)).filter((name) => name.startsWith("understudy-"))).toEqual([]);
  }, 240_000);

  /** A's data with no writer: the key, and a database in WAL mode with an empty table t, left open. */
  async function quietPrimary(): Promise<Database.Database> {
    await mkdir(lib(), { recursive: true });
    await writeFile(join(lib(), "secret.key"), "key");
    const db = new Database(onA());
    db.pragma("journal_mode = WAL");
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, tag TEXT, v BLOB)");
    return db;
  }

  it("a second cycle with a small change sends a small fraction of the database", async () => {
    const db = await quietPrimary();
    const insert = db.prepare("INSERT INTO t (tag, v) VALUES ('bulk', randomblob(4000))");
    db.transaction(() => { for (let i = 0; i < 5_000; i++) insert.run(); })();
    const first = (await cycle("A"))[0]!;
    expect(first.ok).toBe(true);
    db.prepare("INSERT INTO t (tag, v) VALUES ('small', randomblob(2000))").run();
    db.close();
    const size = (await stat(onA())).size;
    const second = (await cycle("A"))[0]!;
    expect(second).toMatchObject({ ok: true, host: "B" });
    expect(query<number>(onB(), "SELECT count(*) FROM t WHERE tag = 'small'")).toBe(1);
    const bytes = second.ok ? second.wireBytes : Infinity;
    expect(size).toBeGreaterThan(15_000_000);
    expect(bytes).toBeLessThan(size * 0.1);
  }, 300_000);

  it("cycle after cycle, each replica holds exactly the source's rows and passes integrity_check, also after a swap broke off", async () => {
    const db = await quietPrimary();
    const insert = db.prepare("INSERT INTO t (tag, v) VALUES (?, randomblob(3000))");
    const update = db.prepare("UPDATE t SET v = randomblob(3000) WHERE id % 7 = ?");
    db.transaction(() => { for (let i = 0; i < 3_000; i++) insert.run("bulk"); })();
    const spare = join(standbyRoot(), lib(), ".understudy-spare-app", "0-db.sqlite");
    try {
      for (let round = 1; round <= 5; round++) {
        // Rows added and rows rewritten all over the file, so every cycle's delta differs from the last.
        db.transaction(() => { for (let i = 0; i < 50; i++) insert.run(`round-${round}`); update.run(round % 7); })();
        if (round === 4) {
          // An agent killed between the swap's two renames: the old replica is left as `.old`, no spare.
          await rename(spare, `${spare}.old`);
        }
        const [result] = await cycle("A");
        expect(result).toMatchObject({ ok: true, host: "B" });
        expect(query<string>(onB(), "PRAGMA integrity_check")).toBe("ok");
        const digest = "SELECT group_concat(id || ':' || tag || ':' || hex(v), ',') FROM (SELECT * FROM t ORDER BY id)";
        expect(query<string>(onB(), digest)).toBe(query<string>(onA(), digest));
        // From the second cycle on, the old replica is kept as the next one's basis (a file of its own).
        if (round > 1) expect((await stat(spare)).ino).not.toBe((await stat(onB())).ino);
      }
      expect((await readdir(join(standbyRoot(), lib(), ".understudy-spare-app"))).sort()).toEqual(["0-db.sqlite", "0-db.sqlite.gens"]);
    } finally {
      db.close();
    }
  }, 300_000);

  it("after the first cycle only the frames written since cross from A and only the pages changed reach B; B's replica is the agent's copy byte for byte through WAL restarts, a VACUUM and a spare changed behind its back", async () => {
    const db = await quietPrimary();
    db.pragma("wal_autocheckpoint = 0");
    const insert = db.prepare("INSERT INTO t (tag, v) VALUES (?, randomblob(?))");
    const update = db.prepare("UPDATE t SET v = randomblob(3000) WHERE id % 97 = ?");
    db.transaction(() => { for (let i = 0; i < 2_000; i++) insert.run("bulk", 3000); })();
    const cache = join(work.path, "agent", "replica-cache", "app", "A", "data", "0-sqlite", "db.sqlite");
    const spare = join(standbyRoot(), lib(), ".understudy-spare-app", "0-db.sqlite");
    const digest = "SELECT group_concat(id || ':' || tag || ':' || hex(v), ',') FROM (SELECT * FROM t ORDER BY id)";
    const sha = async (path: string) => createHash("sha256").update(await readFile(path)).digest("hex");
    const seen: string[] = [];
    try {
      for (let round = 1; round <= 12; round++) {
        if (round === 6) db.pragma("wal_checkpoint(TRUNCATE)"); // the WAL restarts at the next write
        if (round === 9) {
          db.prepare("DELETE FROM t WHERE id % 3 = 0").run();
          db.exec("VACUUM"); // in WAL mode: every page rewritten in the log, the file shorter
        }
        if (round === 11) {
          // Something wrote the spare since its generation was recorded: it must not be patched as if not.
          const fd = await open(spare, "r+");
          await fd.write(Buffer.from("garbage"), 0, 7, 8192);
          await fd.close();
        }
        db.transaction(() => { for (let i = 0; i < 20; i++) insert.run(`round-${round}`, 2500); update.run(round); })();
        const [result] = await cycle("A");
        expect(result).toMatchObject({ ok: true, host: "B" });
        if (!result?.ok) return;
        seen.push(`${round}:${result.hops.how.pulled[onA()]}/${result.hops.how.shipped[onA()]}`);
        expect(await sha(onB())).toBe(await sha(cache));
        expect(query<string>(onB(), digest)).toBe(query<string>(onA(), digest));
        expect(query<string>(onB(), "PRAGMA integrity_check")).toBe("ok");
        if (round === 3) {
          // The frames of one small transaction (about 60 pages) and those pages: not the 6 MB database.
          const size = (await stat(cache)).size; // A's file is small: with no checkpoint, all is in its WAL
          expect(size).toBeGreaterThan(6_000_000);
          expect(result.hops.pulled).toBeLessThan(size / 10);
          expect(result.hops.pushed).toBeLessThan(size / 10);
          // The previous replica, now the spare, was caught up with the same pages on B: the next cycle
          // ships only its own.
          expect(await sha(spare)).toBe(await sha(onB()));
        }
      }
    } finally {
      db.close();
    }
    // The first cycle and the one after the WAL restarted are pulled whole and shipped with rsync (what
    // changed is not known); every other cycle is the frames since and the pages changed, also the one
    // whose spare was written behind its back (brought up to the replica on B first, then patched).
    expect(seen).toEqual(["1:full/rsync", "2:tail/pages", "3:tail/pages", "4:tail/pages", "5:tail/pages", "6:full/rsync", "7:tail/pages",
      "8:tail/pages", "9:tail/pages", "10:tail/pages", "11:tail/pages", "12:tail/pages"]);
  }, 300_000);

  it("cycles cut short at any point (the agent's cycle aborted mid-pull, mid-replay, mid-push) never leave B a replica that is not a whole copy, and the next cycle makes it exact", async () => {
    const db = await quietPrimary();
    const insert = db.prepare("INSERT INTO t (tag, v) VALUES (?, randomblob(3000))");
    db.transaction(() => { for (let i = 0; i < 1_500; i++) insert.run("bulk"); })();
    const cache = join(work.path, "agent", "replica-cache", "app", "A", "data", "0-sqlite", "db.sqlite");
    const sha = async (path: string) => createHash("sha256").update(await readFile(path)).digest("hex");
    const digest = "SELECT group_concat(id || ':' || tag || ':' || hex(v), ',') FROM (SELECT * FROM t ORDER BY id)";
    const doc = config();
    try {
      expect((await cycle("A"))[0]?.ok).toBe(true);
      expect((await cycle("A"))[0]?.ok).toBe(true);
      const cuts: string[] = [];
      for (const after of [20, 80, 160, 350, 700, 1_000, 1_400, 1_800, 2_400, 3_200]) {
        db.transaction(() => { for (let i = 0; i < 15; i++) insert.run(`cut-${after}`); })();
        const pool = new HostAccessPool(doc, { env: process.env, self: "the-agent", scratchDir: work.path });
        const stop = new AbortController();
        const timer = setTimeout(() => stop.abort(), after);
        try {
          const [result] = await replicateService("app", { ...context(doc, pool, "A"), signal: stop.signal });
          cuts.push(result?.ok ? "done" : "cut");
        } finally {
          clearTimeout(timer);
          await pool.close();
        }
        // Whatever the cycle had done, B's replica is a whole copy of some state of A.
        expect(query<string>(onB(), "PRAGMA integrity_check")).toBe("ok");
        const [next] = await cycle("A");
        expect(next).toMatchObject({ ok: true, host: "B" });
        expect(await sha(onB())).toBe(await sha(cache));
        expect(query<string>(onB(), digest)).toBe(query<string>(onA(), digest));
      }
      // Some cuts landed inside the cycle (not all of it finished before the abort).
      expect(cuts.filter((how) => how === "cut").length).toBeGreaterThan(2);
    } finally {
      db.close();
    }
  }, 300_000);

  it("a copy that fails integrity_check (the source is damaged) is never swapped in: B keeps its replica, the cycle says why", async () => {
    const db = await quietPrimary();
    db.prepare("INSERT INTO t (tag, v) VALUES ('before', randomblob(3000))").run();
    db.close();
    expect((await cycle("A"))[0]?.ok).toBe(true);
    const replica = { ino: (await stat(onB())).ino, rows: query<number>(onB(), "SELECT count(*) FROM t") };
    // Damage A: an index whose entries no longer match their rows. SQLite still opens and reads the
    // file (and cp copies it); only integrity_check sees it.
    const damaged = new Database(onA());
    damaged.exec("CREATE TABLE u (k TEXT); CREATE INDEX u_k ON u (k)");
    const add = damaged.prepare("INSERT INTO u (k) VALUES (?)");
    for (let i = 0; i < 50; i++) add.run(`key-${String(i).padStart(4, "0")}`);
    damaged.pragma("wal_checkpoint(TRUNCATE)");
    const root = damaged.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'u_k'").pluck().get() as number;
    const pageSize = damaged.pragma("page_size", { simple: true }) as number;
    damaged.close();
    const bytes = await readFile(onA());
    const page = bytes.subarray((root - 1) * pageSize, root * pageSize);
    const at = page.indexOf("key-0007");
    expect(at).toBeGreaterThan(0);
    page.write("kez-0007", at);
    await writeFile(onA(), bytes);
    expect(query<string>(onA(), "PRAGMA integrity_check")).not.toBe("ok");
    const [result] = await cycle("A");
    expect(result).toMatchObject({ ok: false, host: "B", kind: "source" });
    expect(result!.ok ? "" : result!.message).toMatch(/the copy of .*db\.sqlite from A fails integrity_check on the agent \(.*u_k.*\); the source database may be damaged/);
    expect((await stat(onB())).ino).toBe(replica.ino);
    expect(query<string>(onB(), "PRAGMA integrity_check")).toBe("ok");
    expect(query<number>(onB(), "SELECT count(*) FROM t")).toBe(replica.rows);
    expect(query<number>(onB(), "SELECT count(*) FROM sqlite_master WHERE name = 'u'")).toBe(0);
  }, 240_000);

  it("refuses a target whose database a running process has open, and leaves its file (inode) alone", async () => {
    await primaryWriting();
    expect((await cycle("A"))[0]?.ok).toBe(true);
    // Something starts the service on B (a wrong config, a person): it has B's database open.
    const squatter = await startWriter(onB(), "B");
    writers.push(squatter);
    const inode = (await stat(onB())).ino;
    const [refused] = await cycle("A");
    expect(refused).toMatchObject({ ok: false, host: "B", kind: "refused" });
    expect(refused!.ok ? "" : refused!.message).toMatch(/refused to replace the data of app on B: it is in use by a running process \(pid \d+ \(node\) has .*db\.sqlite/);
    expect((await stat(onB())).ino).toBe(inode);
    const held = await openAs(squatter.pid!, onB());
    expect(held.length).toBeGreaterThan(0);
    expect(held.filter((target) => target.endsWith("(deleted)"))).toEqual([]);
    expect(await readdir(join(standbyRoot(), lib()))).not.toContain(".understudy-incoming-app");
  }, 240_000);

  it("after the active host moves to B, ships B → A and never writes to B", async () => {
    const primary = await primaryWriting();
    expect((await cycle("A"))[0]?.ok).toBe(true);
    // Failover: A is fenced (its writer killed), B is promoted and writes.
    await stopProcess(primary);
    const promoted = await startWriter(onB(), "B");
    writers.push(promoted);
    const before = { ino: (await stat(onB())).ino, mtime: (await stat(join(standbyRoot(), lib(), "secret.key"))).mtimeMs };
    const committedOnB = query<number>(onB(), "SELECT count(*) FROM t WHERE tag = 'B'");
    const results = await cycle("B");
    expect(results.map((result) => [result.host, result.ok, result.source])).toEqual([["A", true, "B"]]);
    expect(query<string>(onA(), "PRAGMA integrity_check")).toBe("ok");
    expect(query<number>(onA(), "SELECT count(*) FROM t WHERE tag = 'B'")).toBeGreaterThanOrEqual(committedOnB);
    expect((await stat(onB())).ino).toBe(before.ino);
    expect((await stat(join(standbyRoot(), lib(), "secret.key"))).mtimeMs).toBe(before.mtime);
    expect((await openAs(promoted.pid!, onB())).filter((target) => target.endsWith("(deleted)"))).toEqual([]);
  }, 240_000);

  it("a planned move's final sync ships from the fenced source to the target and returns the replica", async () => {
    const primary = await primaryWriting();
    await stopProcess(primary);
    const last = query<number>(onA(), "SELECT max(id) FROM t");
    const doc = config();
    const pool = new HostAccessPool(doc, { env: process.env, self: "the-agent", scratchDir: work.path });
    try {
      const shipped = await shipFinalSnapshot("app", "A", "B", { doc, dataDir: join(work.path, "agent"), hosts: (host) => pool.get(host), hostTempDir: work.path });
      expect(shipped).toMatchObject({ ok: true, host: "B", source: "A", replica: { service: "app", host: "B", source: "A" } });
    } finally {
      await pool.close();
    }
    // Every write acknowledged before the fence is on B.
    expect(query<number>(onB(), "SELECT max(id) FROM t")).toBe(last);
  }, 240_000);

  it("`understudy backup run` after a failover backs up what the standby serves, read there over SSH", async () => {
    const primary = await primaryWriting();
    expect((await cycle("A")).map((result) => result.ok)).toEqual([true]);
    await stopProcess(primary);
    // B took over and wrote rows of its own (and its own key file) after the promote.
    const db = new Database(onB());
    db.prepare("INSERT INTO t (tag, v) VALUES ('B', randomblob(10))").run();
    db.close();
    await writeFile(join(standbyRoot(), lib(), "secret.key"), "key-of-B");
    const dataDir = join(work.path, "agent");
    await mkdir(dataDir, { recursive: true });
    const store = openStore(storePathIn(dataDir));
    moveActiveHost(store, "app", { from: "A", to: "B", primary: "A" }, Date.now());
    store.close();
    const file = join(work.path, "understudy.yaml");
    await writeFile(file, `version: 1
hosts:
  A: { address: 127.0.0.1, ssh: ${ssh(a)} }
  B: { address: 127.0.0.1, ssh: ${ssh(b)} }
services:
  app:
    primary: A
    standby: [B]
    data: [{ sqlite: ${onA()} }, { path: ${join(lib(), "secret.key")} }]
    replicate: { to: standby, every: 10s, root: ${standbyRoot()} }
    backup: { to: nas }
backup_targets:
  nas: { local: { path: ${join(work.path, "nas")} } }
agents: { name: the-agent, data_dir: ${dataDir} }
`);
    let out = "";
    const sink = (write: (text: string) => void) => Object.assign(new Writable({ write(chunk, _encoding, done) { write(String(chunk)); done(); } }), { isTTY: false });
    const code = await main(["backup", "run", "app", "--config", file], { stdout: sink((text) => (out += text)), stderr: sink((text) => (out += text)), env: process.env });
    expect(code, out).toBe(0);
    const restored = join(work.path, "restored");
    const id = /✓ (app-\S+) → nas/.exec(out)?.[1];
    expect(await main(["restore", id!, "--to", restored, "--config", file], { stdout: sink(() => {}), stderr: sink((text) => (out += text)), env: process.env }), out).toBe(0);
    // The snapshot holds B's data: its rows and its key, not A's file as it was left.
    expect(query<number>(join(restored, onA()), "SELECT count(*) FROM t WHERE tag = 'B'")).toBe(1);
    expect(await readFile(join(restored, lib(), "secret.key"), "utf8")).toBe("key-of-B");
  }, 240_000);

  it("a host that does not answer fails within the connect timeout as a clear value", async () => {
    // A port that accepts and never speaks SSH: the handshake never starts.
    // (It reads what comes, so it sees the client hang up and the server can close.)
    const silent: Server = createServer((socket) => socket.resume());
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, "127.0.0.1", resolve));
    try {
      const doc = config().hosts;
      const parsed = parseConfig(`version: 1
hosts:
  Z: { address: 127.0.0.1, ssh: { port: ${port}, private_key: "file:${a.clientKeyFile}", host_key: "${a.hostKeyFingerprint}" } }
  N: { address: 192.0.2.7 }
services: {}
`, "understudy.yaml");
      if (!parsed.ok) throw new Error("bad test config");
      expect(doc).toBeDefined();
      const access = hostAccessFor(parsed.config, "Z", { env: process.env, self: "the-agent", connectTimeoutMs: 500 });
      if (isHostFailure(access)) throw new Error(access.message);
      const result = await access.run(["true"], { timeoutMs: 60_000 });
      expect(result).toEqual({ ok: false, reason: "unreachable", message: `Z (root@127.0.0.1:${port}) did not answer within 500 ms (the connect timeout)`.replace("root", a.user) });
      await access.close();
      expect(hostAccessFor(parsed.config, "N", { env: process.env, self: "the-agent" })).toMatchObject({
        ok: false, reason: "config", message: expect.stringMatching(/^host N \(192\.0\.2\.7\) is not this agent's machine and has no usable SSH access: missing an ssh block\. Add hosts\.N\.ssh: /),
      });
    } finally {
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
