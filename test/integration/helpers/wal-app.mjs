// A small third-party-like service for the standby lifecycle test: an HTTP server that owns a SQLite
// database in WAL mode (better-sqlite3) and stores every write a client sends, acknowledging it only
// once committed. It is run on a lab host over SSH, as a unit would be:
//
//   node wal-app.mjs start --dir DIR --port PORT   start it detached (pid in DIR/app.pid), wait until it serves
//   node wal-app.mjs stop --dir DIR                kill -9 it (a fence) and wait until it is gone
//   node wal-app.mjs serve --dir DIR --port PORT   the server itself, in the foreground
//
// The database is DIR/app.db; the log DIR/app.log. Endpoints (on 0.0.0.0:PORT):
//   GET  /health          200 {"ok":true,"pid":…} while it serves
//   POST /write?seq=N     inserts (seq, time) and answers 200 {"id":…,"seq":N} after the commit
//   GET  /rows            {"maxId","count","maxSeq"}
//   GET  /seqs            every stored seq, ascending (the test's loss check)
// start and stop are idempotent and exit 0 when the wanted state holds, non-zero (with a message on
// stderr) when it cannot be reached.
/* global AbortSignal */
import { spawn } from "node:child_process";
import { openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";

const [command, ...rest] = process.argv.slice(2);
const args = {};
for (let i = 0; i < rest.length; i += 2) args[rest[i]?.replace(/^--/, "")] = rest[i + 1];
const usable = Boolean(args.dir) && (command === "stop" || Boolean(args.port));
if (!usable) process.stderr.write("usage: wal-app.mjs start|stop|serve --dir DIR [--port PORT]\n");
const pidFile = join(args.dir, "app.pid");

function readPid() {
  try {
    return Number(readFileSync(pidFile, "utf8").trim()) || undefined;
  } catch {
    return undefined;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function healthy(port) {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(500) });
    return response.ok;
  } catch {
    return false;
  }
}

async function start() {
  const running = readPid();
  if (running !== undefined && alive(running) && (await healthy(args.port))) {
    process.stdout.write(`already serving (pid ${running})\n`);
    return 0;
  }
  const log = openSync(join(args.dir, "app.log"), "a");
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "serve", "--dir", args.dir, "--port", args.port], { detached: true, stdio: ["ignore", log, log] });
  child.unref();
  writeFileSync(pidFile, `${child.pid}\n`);
  for (let waited = 0; waited < 20_000; waited += 100) {
    if (await healthy(args.port)) {
      process.stdout.write(`serving (pid ${child.pid})\n`);
      return 0;
    }
    if (!alive(child.pid)) break;
    await sleep(100);
  }
  process.stderr.write(`wal-app did not serve on port ${args.port}; see ${join(args.dir, "app.log")}\n`);
  return 1;
}

async function stop() {
  const pid = readPid();
  if (pid !== undefined && alive(pid)) {
    process.kill(pid, "SIGKILL");
    for (let waited = 0; alive(pid); waited += 50) {
      if (waited > 10_000) {
        process.stderr.write(`wal-app pid ${pid} still alive 10 s after SIGKILL\n`);
        return 1;
      }
      await sleep(50);
    }
  }
  rmSync(pidFile, { force: true });
  process.stdout.write(pid === undefined ? "not running\n" : `stopped (pid ${pid})\n`);
  return 0;
}

async function serve() {
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(join(args.dir, "app.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec("CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY AUTOINCREMENT, seq INTEGER NOT NULL UNIQUE, at INTEGER NOT NULL)");
  const insert = db.prepare("INSERT INTO rows (seq, at) VALUES (?, ?) ON CONFLICT (seq) DO UPDATE SET at = at RETURNING id");
  const summary = db.prepare("SELECT coalesce(max(id), 0) AS maxId, count(*) AS count, coalesce(max(seq), 0) AS maxSeq FROM rows");
  const seqs = db.prepare("SELECT seq FROM rows ORDER BY seq").pluck();
  const json = (res, status, body) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://app");
    if (url.pathname === "/health") return json(res, 200, { ok: true, pid: process.pid });
    if (url.pathname === "/write" && req.method === "POST") {
      const seq = Number(url.searchParams.get("seq"));
      if (!Number.isSafeInteger(seq) || seq < 0) return json(res, 400, { error: "seq: expected a non-negative integer" });
      const { id } = insert.get(seq, Date.now());
      return json(res, 200, { id, seq });
    }
    if (url.pathname === "/rows") return json(res, 200, summary.get());
    if (url.pathname === "/seqs") return json(res, 200, seqs.all());
    return json(res, 404, { error: "not found" });
  }).listen(Number(args.port), "0.0.0.0", () => process.stdout.write(`listening on ${args.port}\n`));
}

if (!usable) process.exitCode = 2;
else if (command === "serve") await serve();
else if (command === "start") process.exitCode = await start();
else if (command === "stop") process.exitCode = await stop();
else {
  process.stderr.write(`wal-app.mjs: unknown command "${command}": expected start, stop or serve\n`);
  process.exitCode = 2;
}
