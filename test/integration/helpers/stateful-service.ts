// A small stateful HTTP service for the failover tests: a child process serving a counter kept in
// SQLite (better-sqlite3) on a chosen address and port. GET /health answers 200 "ok"; POST /count
// adds one and answers the total; GET /count answers it. Being a real process, it can be killed -9
// and started again on the same address, as a primary that dies and comes back.
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";

const SERVER = `
const Database = require(process.env.SQLITE_MODULE);
const { createServer } = require("node:http");
const db = new Database(process.env.DB_PATH);
db.pragma("journal_mode = WAL");
db.exec("CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL); INSERT OR IGNORE INTO counter VALUES (1, 0)");
const read = () => db.prepare("SELECT n FROM counter").pluck().get();
createServer((req, res) => {
  if (req.url === "/health") return res.end("ok");
  if (req.url === "/count" && req.method === "POST") { db.prepare("UPDATE counter SET n = n + 1").run(); return res.end(String(read())); }
  if (req.url === "/count") return res.end(String(read()));
  res.statusCode = 404; res.end("not found");
}).listen(Number(process.env.PORT), process.env.HOST, () => process.stdout.write("listening\\n"));
`;

export interface StatefulService {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  /** kill -9: no goodbye, as a host that dies. */
  kill(): Promise<void>;
  /** Starts it again on the same address with the same database. */
  start(): Promise<void>;
  running(): boolean;
}

export async function startStatefulService(options: { host: string; port: number; dbPath: string }): Promise<StatefulService> {
  const sqliteModule = createRequire(import.meta.url).resolve("better-sqlite3");
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const start = async () => {
    const proc = spawn(process.execPath, ["-e", SERVER], {
      env: { ...process.env, SQLITE_MODULE: sqliteModule, DB_PATH: options.dbPath, PORT: String(options.port), HOST: options.host },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    exited = new Promise((done) => proc.once("exit", () => done()));
    let err = "";
    proc.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")));
    await new Promise<void>((resolve, reject) => {
      proc.stdout!.once("data", () => resolve());
      proc.once("exit", (code) => reject(new Error(`stateful service on ${options.host}:${options.port} exited (${code}): ${err}`)));
    });
  };
  await start();
  return {
    host: options.host,
    port: options.port,
    url: `http://${options.host}:${options.port}`,
    start,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    async kill() {
      child?.kill("SIGKILL");
      await exited;
    },
  };
}
