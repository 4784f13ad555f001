// Benchmark of replication's cost per cycle: bytes on the wire and time against bytes changed, for a
// 10 MB and a 1 GB SQLite database. The real path from the compiled code (src/backup/replication.ts):
// a snapshot on host A (its files copied inside a sqlite3 read transaction, integrity_check there), rsync A → the agent's cache,
// rsync cache → host B (delta against B's replica), the open-file check on B, the rename. A and B are
// two real sshd on loopback (this machine's OpenSSH, fresh host keys, the current user), so both hops
// go over SSH as they would from an agent on H001 to L001 and L002.
//
//   npm run build && node bench/replication.js                  # 10 MB and 1 GB
//   node bench/replication.js --sizes 10,100 --cycles 3          # sizes in MB
//
// Changes per cycle: "append" inserts new rows (a log, a table growing), "scatter" rewrites rows at
// random places. Target (issue 14): 1 GB with 1 MB changed replicates in under 3 s, under 5 MB sent.
// Measured figures: the README's "Replication cost per cycle" table (machine, load and date there).
// The scratch folder (databases, sshd, keys) is removed at the end, on an error and on Ctrl-C/SIGTERM.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { cpus, tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import Database from "better-sqlite3";
import { parseConfig } from "../dist/config/load.js";
import { HostAccessPool } from "../dist/hosts/host-for.js";
import { replicateService } from "../dist/backup/replication.js";

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const SIZES_MB = flag("sizes", "10,1000").split(",").map(Number);
const CYCLES = Number(flag("cycles", "3"));
const ROW = 4000;
// Each command over SSH runs in the login's shell. bash, run by sshd, reads ~/.bashrc, and root's here
// runs `pyenv init` (0.5 s and 0.6 s of CPU per command, on two cores). --with-bashrc keeps that; by
// default the bench's sshd sets SHLVL=1, which bash takes as "not the first shell" and skips the file,
// as a server whose login has a plain shell start-up would.
const WITH_BASHRC = args.includes("--with-bashrc");

const scratch = mkdtempSync(join(tmpdir(), "understudy-bench-replication-"));
const daemons = [];
let cleaned = false;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const daemon of daemons) daemon.kill("SIGKILL");
  rmSync(scratch, { recursive: true, force: true });
}
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    cleanup();
    process.exit(signal === "SIGINT" ? 130 : 143);
  });
}
process.once("exit", cleanup);

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const banner = (port) => new Promise((resolve) => {
  const socket = connect({ host: "127.0.0.1", port });
  const done = (ok) => (socket.destroy(), resolve(ok));
  socket.setTimeout(1_000, () => done(false));
  socket.once("data", (data) => done(data.toString().startsWith("SSH-")));
  socket.once("error", () => done(false));
});

/** A real sshd on 127.0.0.1 (as test/integration/helpers/sshd.ts starts one). */
async function startSshd(name) {
  const dir = join(scratch, `sshd-${name}`);
  mkdirSync(dir, { mode: 0o700 });
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  for (const key of ["host", "client"]) execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, key)]);
  copyFileSync(join(dir, "client.pub"), join(dir, "authorized_keys"));
  const port = await freePort();
  writeFileSync(join(dir, "sshd_config"), [`ListenAddress 127.0.0.1:${port}`, `HostKey ${dir}/host`, `PidFile ${dir}/pid`, `AuthorizedKeysFile ${dir}/authorized_keys`,
    "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no", "PermitRootLogin prohibit-password", "StrictModes no", ...(WITH_BASHRC ? [] : ["SetEnv SHLVL=1"]), ""].join("\n"));
  const daemon = spawn(execFileSync("sh", ["-c", "command -v sshd || echo /usr/sbin/sshd"]).toString().trim(), ["-D", "-e", "-f", join(dir, "sshd_config")], { stdio: "ignore" });
  daemons.push(daemon);
  for (let i = 0; i < 100 && !(await banner(port)); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  const fingerprint = execFileSync("ssh-keygen", ["-lf", `${dir}/host.pub`]).toString().split(" ")[1];
  return `{ port: ${port}, user: ${userInfo().username}, private_key: "file:${dir}/client", host_key: "${fingerprint}" }`;
}

async function makeDatabase(path, megabytes) {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
  const insert = db.prepare("INSERT INTO t (v) VALUES (randomblob(?))");
  const rows = Math.ceil((megabytes * 1e6) / ROW);
  for (let done = 0; done < rows; done += 10_000) {
    db.transaction(() => { for (let i = done; i < Math.min(rows, done + 10_000); i++) insert.run(ROW); })();
    // Between batches, so that Ctrl-C is heard (and the scratch folder removed) while a 1 GB file is made.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  db.pragma("wal_checkpoint(TRUNCATE)");
  return { db, rows };
}

function change(db, rows, bytes, how) {
  const count = Math.ceil(bytes / ROW);
  if (how === "append") {
    const insert = db.prepare("INSERT INTO t (v) VALUES (randomblob(?))");
    db.transaction(() => { for (let i = 0; i < count; i++) insert.run(ROW); })();
  } else {
    const update = db.prepare("UPDATE t SET v = randomblob(?) WHERE id = ?");
    db.transaction(() => { for (let i = 0; i < count; i++) update.run(ROW, 1 + Math.floor(Math.random() * rows)); })();
  }
}

async function main() {
  const a = await startSshd("a");
  const b = await startSshd("b");
  const rows = [];
  for (const megabytes of SIZES_MB) {
    const lib = join(scratch, `db-${megabytes}`);
    mkdirSync(lib);
    const path = join(lib, "app.sqlite");
    const made = performance.now();
    const { db, rows: count } = await makeDatabase(path, megabytes);
    process.stderr.write(`${megabytes} MB database made in ${((performance.now() - made) / 1000).toFixed(1)} s\n`);
    const parsed = parseConfig(`version: 1
hosts:
  A: { address: 127.0.0.1, ssh: ${a} }
  B: { address: 127.0.0.1, ssh: ${b} }
services:
  app:
    primary: A
    standby: [B]
    data: [{ sqlite: ${path} }]
    replicate: { to: standby, every: 10s, root: ${join(scratch, `standby-${megabytes}`)} }
`, "bench.yaml");
    if (!parsed.ok) throw new Error(parsed.diagnostics.map((d) => d.message).join("\n"));
    const doc = parsed.config;
    const cycle = async (label, changed) => {
      const pool = new HostAccessPool(doc, { env: process.env, self: "the-agent", scratchDir: scratch });
      const started = performance.now();
      try {
        const [result] = await replicateService("app", { doc, dataDir: join(scratch, `agent-${megabytes}`), hosts: (host) => pool.get(host), activeHost: () => "A", hostTempDir: scratch });
        if (!result?.ok) throw new Error(`the cycle failed: ${result?.message}`);
        const row = { db_mb: megabytes, change: label, how: `${Object.values(result.hops.how.pulled).join(",")}/${Object.values(result.hops.how.shipped).join(",")}`, changed_mb: changed / 1e6, sent_mb: result.wireBytes / 1e6, pull_mb: result.hops.pulled / 1e6, push_mb: result.hops.pushed / 1e6, ms: Object.fromEntries(Object.entries(result.hops.ms).map(([k, v]) => [k, Math.round(v)])), seconds: (performance.now() - started) / 1000, db_size_mb: statSync(path).size / 1e6 };
        rows.push(row);
        process.stderr.write(`${JSON.stringify(row)}\n`);
      } finally {
        await pool.close();
      }
    };
    await cycle("first (full)", statSync(path).size);
    await cycle("none", 0);
    for (const how of ["append", "scatter"]) {
      for (const bytes of [1e6, 10e6]) {
        if (bytes >= megabytes * 1e6) continue;
        for (let i = 0; i < CYCLES; i++) {
          change(db, count, bytes, how);
          await cycle(how, bytes);
        }
      }
    }
    db.close();
  }
  const median = (list) => [...list].sort((x, y) => x - y)[Math.floor(list.length / 2)];
  const groups = new Map();
  for (const row of rows) {
    const key = `${row.db_mb}|${row.change}|${row.changed_mb}|${row.how}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const load = execFileSync("cat", ["/proc/loadavg"]).toString().split(" ").slice(0, 3).join(" ");
  console.log(`replication bench, ${new Date().toISOString()}, ${cpus().length} × ${cpus()[0]?.model ?? "?"} (nproc ${execFileSync("nproc").toString().trim()}), load average ${load}`);
  console.log(`two sshd on loopback (A = source, B = standby), ${WITH_BASHRC ? "root's ~/.bashrc run for each command" : "no ~/.bashrc (SHLVL=1)"}, rsync ${execFileSync("rsync", ["--version"]).toString().split("\n")[0].split("  ")[1] ?? ""}, sqlite3 ${execFileSync("sqlite3", ["--version"]).toString().split(" ")[0]}; median of ${CYCLES} cycles\n`);
  console.log("| database | change | changed | how (pull/push) | A → agent | agent → B | both hops | time per cycle |");
  console.log("|---|---|---|---|---:|---:|---:|---:|");
  for (const list of groups.values()) {
    const [first] = list;
    console.log(`| ${first.db_mb >= 1000 ? `${first.db_mb / 1000} GB` : `${first.db_mb} MB`} | ${first.change} | ${first.changed_mb.toFixed(1)} MB | ${first.how} (${list.length}×) | ${median(list.map((r) => r.pull_mb)).toFixed(2)} MB | ${median(list.map((r) => r.push_mb)).toFixed(2)} MB | ${median(list.map((r) => r.sent_mb)).toFixed(2)} MB | ${median(list.map((r) => r.seconds)).toFixed(2)} s |`);
  }
}

main().then(cleanup, (error) => {
  console.error(error);
  cleanup();
  process.exitCode = 1;
});
