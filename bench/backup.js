// Benchmark of consistent SQLite snapshots and replication. Plain JS against the build:
//   npx tsc -p tsconfig.build.json && node bench/backup.js
// 1. A 1 GB SQLite database (BENCH_DB_MB) in WAL mode: `cp` of the idle file (the physical limit) and
//    `sqlite3 .backup` of the idle file, then understudy's snapshot (VACUUM INTO, sha256, integrity_check)
//    while a writer commits rows as fast as it can (the harshest load); the ratios to both.
// 2. Replication of a 100 MB database (BENCH_REPL_MB) at every: 10s to a standby over loopback SSH (a real
//    sshd started here), a writer committing BENCH_REPL_RATE (1000) rows/s: per cycle the snapshot + ship
//    time and the replica's age on arrival; the worst
//    age a promote would see is the interval plus one cycle.
// Figures depend on the disk and page cache (the idle baselines read a warm file); compare runs on one machine.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { userInfo } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { performance } from "node:perf_hooks";
import { takeSnapshot } from "../dist/backup/snapshot.js";
import { copySqlite } from "../dist/backup/sqlite-copy.js";
import { replicateSnapshot } from "../dist/backup/replicate.js";
import { replicaAge } from "../dist/backup/replica-state.js";
import { ownChild, scratchDir } from "./lib/scratch.js";

const DB_MB = Number(process.env.BENCH_DB_MB ?? 1024);
const REPL_MB = Number(process.env.BENCH_REPL_MB ?? 100);
const REPL_RATE = Number(process.env.BENCH_REPL_RATE ?? 1000);
const EVERY_MS = Number(process.env.BENCH_EVERY_MS ?? 10_000);
const CYCLES = Number(process.env.BENCH_CYCLES ?? 6);
const WRITER = new URL("../test/integration/backup-fixtures/writer.mjs", import.meta.url).pathname;

const work = scratchDir("understudy-bench-backup-");
const children = [];
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
const time = (fn) => {
  const start = performance.now();
  fn();
  return performance.now() - start;
};
const timeAsync = async (fn) => {
  const start = performance.now();
  await fn();
  return performance.now() - start;
};

/** A database of `mb` megabytes: rows of 1 KiB random blobs, built by the sqlite3 CLI. */
function makeDatabase(file, mb) {
  const rows = Math.round((mb * 1e6) / 1360); // a row takes about 1360 bytes in the file
  execFileSync("sqlite3", [file, `PRAGMA journal_mode=WAL; CREATE TABLE bulk (id INTEGER PRIMARY KEY, blob BLOB);
    WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ${rows}) INSERT INTO bulk SELECT i, randomblob(1024) FROM c;
    PRAGMA wal_checkpoint(TRUNCATE);`]);
}

/** A writer committing 200-byte rows: `rate` commits per second, or as fast as it can (0). */
async function startWriter(file, rate = 0) {
  const child = spawn(process.execPath, [WRITER, file, "200", String(rate)], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(ownChild(child));
  await new Promise((resolve) => child.stdout.once("data", resolve));
  return child;
}

function rowsIn(file) {
  return Number(execFileSync("sqlite3", [file, "SELECT COUNT(*) FROM rows"], { encoding: "utf8" }).trim());
}

async function snapshotBench() {
  const db = join(work, "big.sqlite");
  console.log(`building a ${DB_MB} MB database…`);
  makeDatabase(db, DB_MB);
  const size = statSync(db).size;
  console.log(`database: ${(size / 1e6).toFixed(0)} MB`);
  const cp = time(() => copyFileSync(db, join(work, "cp.sqlite")));
  rmSync(join(work, "cp.sqlite"));
  const backup = time(() => execFileSync("sqlite3", [db, `.backup ${join(work, "backup.sqlite")}`]));
  rmSync(join(work, "backup.sqlite"));
  const writer = await startWriter(db);
  const before = rowsIn(db);
  const vacuum = await timeAsync(() => copySqlite(db, join(work, "vacuum.sqlite")));
  rmSync(join(work, "vacuum.sqlite"));
  let snapshot;
  const full = await timeAsync(async () => {
    snapshot = await takeSnapshot({ service: "bench", stagingRoot: join(work, "staging"), data: [{ sqlite: db }] });
  });
  const after = rowsIn(db);
  writer.kill("SIGKILL");
  rmSync(join(work, "staging"), { recursive: true, force: true });
  console.log(`
snapshot of a ${(size / 1e6).toFixed(0)} MB SQLite database
  cp of the idle file                     ${seconds(cp)}
  sqlite3 .backup of the idle file        ${seconds(backup)}
  VACUUM INTO under write load            ${seconds(vacuum)}   (${(vacuum / cp).toFixed(1)}× cp, ${(vacuum / backup).toFixed(1)}× .backup)
  snapshot under write load               ${seconds(full)}   (${(full / cp).toFixed(1)}× cp, ${(full / backup).toFixed(1)}× .backup)
     (VACUUM INTO + sha256 + integrity_check + manifest; integrity_check ${snapshot.manifest.sqlite[0].integrity_check})
  the writer committed ${after - before} rows during the two copies`);
  rmSync(db, { force: true });
  rmSync(`${db}-wal`, { force: true });
}

async function startSshd() {
  const dir = join(work, "sshd");
  mkdirSync(dir);
  mkdirSync("/run/sshd", { recursive: true });
  for (const key of ["host", "client"]) execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, key)]);
  copyFileSync(join(dir, "client.pub"), join(dir, "authorized_keys"));
  const port = 20000 + Math.floor(Math.random() * 20000);
  writeFileSync(join(dir, "sshd_config"), [`ListenAddress 127.0.0.1:${port}`, `HostKey ${join(dir, "host")}`, `PidFile ${dir}/pid`, `AuthorizedKeysFile ${dir}/authorized_keys`,
    "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no", "PermitRootLogin prohibit-password", "StrictModes no", "Subsystem sftp internal-sftp", ""].join("\n"));
  const fingerprint = execFileSync("ssh-keygen", ["-lf", join(dir, "host.pub")], { encoding: "utf8" }).split(" ")[1];
  const sshd = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", join(dir, "sshd_config")], { stdio: "ignore" });
  children.push(ownChild(sshd));
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((resolve) => {
      const socket = connect({ host: "127.0.0.1", port }).once("data", () => (socket.destroy(), resolve(true))).once("error", () => resolve(false));
    });
    if (up) break;
    await sleep(50);
  }
  return { host: "127.0.0.1", port, user: userInfo().username, host_key: fingerprint, private_key: `file:${join(dir, "client")}` };
}

async function replicationBench() {
  const db = join(work, "repl.sqlite");
  makeDatabase(db, REPL_MB);
  const endpoint = await startSshd();
  const writer = await startWriter(db, REPL_RATE);
  const dataDir = join(work, "agent");
  const cycles = [];
  console.log(`\nreplication of a ${(statSync(db).size / 1e6).toFixed(0)} MB database every ${EVERY_MS / 1000} s over loopback ssh (${CYCLES} cycles, writer committing ${REPL_RATE} rows/s)`);
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const started = performance.now();
    const snapshot = await takeSnapshot({ service: "bench", stagingRoot: join(work, "staging"), data: [{ sqlite: db }] });
    const snapped = performance.now();
    await replicateSnapshot({ snapshot, host: "standby", endpoint, root: join(work, "standby"), dataDir, env: process.env });
    const shipped = performance.now();
    const [age] = await replicaAge("bench", { dataDir });
    rmSync(snapshot.dir, { recursive: true, force: true });
    cycles.push({ snapshot: snapped - started, ship: shipped - snapped, age: age.age_ms });
    console.log(`  cycle ${cycle + 1}: snapshot ${seconds(snapped - started)}, ship ${seconds(shipped - snapped)}, replica age on arrival ${seconds(age.age_ms)}`);
    await sleep(Math.max(0, EVERY_MS - (performance.now() - started)));
  }
  writer.kill("SIGKILL");
  const worstArrival = Math.max(...cycles.map((c) => c.age));
  const worstCycle = Math.max(...cycles.map((c) => c.snapshot + c.ship));
  console.log(`  replica age on arrival: worst ${seconds(worstArrival)}; the oldest a promote can see: about ${seconds(Math.max(EVERY_MS, worstCycle) + worstArrival)} (interval + one cycle)`);
}

try {
  if (DB_MB > 0) await snapshotBench();
  if (REPL_MB > 0) await replicationBench();
} finally {
  for (const child of children) child.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
}
