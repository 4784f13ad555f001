// A service that keeps writing: opens a SQLite database in WAL mode and commits numbered rows, one
// transaction each, as fast as it can, until killed. Prints "ready" after the first commit.
import Database from "better-sqlite3";
import { setImmediate } from "node:timers";

const db = new Database(process.argv[2]);
db.pragma("journal_mode = WAL");
db.exec("CREATE TABLE IF NOT EXISTS rows (n INTEGER PRIMARY KEY, payload TEXT NOT NULL)");
const insert = db.prepare("INSERT INTO rows (n, payload) VALUES (?, ?)");
const padding = "x".repeat(Number(process.argv[3] ?? 200));
let n = (db.prepare("SELECT COALESCE(MAX(n), 0) AS n FROM rows").get()).n;
insert.run(++n, padding);
process.stdout.write("ready\n");
const tick = () => {
  for (let i = 0; i < 50; i++) insert.run(++n, padding);
  setImmediate(tick);
};
tick();
