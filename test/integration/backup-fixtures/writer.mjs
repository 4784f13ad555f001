// A service that keeps writing: opens a SQLite database in WAL mode and commits numbered rows, one
// transaction each, until killed: as fast as it can, or argv[4] commits per second. Prints "ready"
// after the first commit. argv[3] is the payload size in bytes (default 200).
import Database from "better-sqlite3";
import { setImmediate, setInterval } from "node:timers";

const db = new Database(process.argv[2]);
db.pragma("journal_mode = WAL");
db.exec("CREATE TABLE IF NOT EXISTS rows (n INTEGER PRIMARY KEY, payload TEXT NOT NULL)");
const insert = db.prepare("INSERT INTO rows (n, payload) VALUES (?, ?)");
const padding = "x".repeat(Number(process.argv[3] ?? 200));
let n = (db.prepare("SELECT COALESCE(MAX(n), 0) AS n FROM rows").get()).n;
insert.run(++n, padding);
process.stdout.write("ready\n");
const rate = Number(process.argv[4] ?? 0);
if (rate > 0) {
  // Ten batches a second, each its share of the rate: a steady load rather than a saturating one.
  setInterval(() => {
    for (let i = 0; i < Math.max(1, Math.round(rate / 10)); i++) insert.run(++n, padding);
  }, 100);
} else {
  const tick = () => {
    for (let i = 0; i < 50; i++) insert.run(++n, padding);
    setImmediate(tick);
  };
  tick();
}
