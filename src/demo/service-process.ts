// One simulated service instance of `understudy demo`, run as its own child process:
//   node service-process.js NAME HOST PORT [SQLITE_FILE]
// It answers GET /health with 200 and its name and host, and prints "listening PORT" once it does.
// With a SQLite file (the stateful Headscale stand-in) every health answer also writes a row, so the
// process holds a real database open while it serves. It exits when its parent goes away (stdin
// closes), so a demo killed hard leaves nothing behind.
import Database from "better-sqlite3";
import { createServer } from "node:http";

const [name = "service", host = "host", portText = "0", sqlite] = process.argv.slice(2);

const db = sqlite ? new Database(sqlite) : undefined;
db?.pragma("journal_mode = WAL");
db?.exec("CREATE TABLE IF NOT EXISTS beats (at INTEGER NOT NULL, host TEXT NOT NULL)");
const beat = db?.prepare("INSERT INTO beats (at, host) VALUES (?, ?)");

const server = createServer((req, res) => {
  req.resume();
  if (req.url !== "/health" && req.url !== "/") {
    res.writeHead(404).end("not found\n");
    return;
  }
  beat?.run(Date.now(), host);
  res.writeHead(200, { "content-type": "text/plain" }).end(`${name} on ${host}: ok\n`);
});

let stopped = false;
const stop = () => {
  if (stopped) return;
  stopped = true;
  server.close();
  server.closeAllConnections();
  db?.close();
  process.exitCode = 0;
  process.stdin.destroy();
};

server.listen(Number(portText), "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === "object" && address ? address.port : portText}\n`);
});
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
process.on("SIGINT", () => {
  // The demo's terminal sends Ctrl-C to the whole group; the parent decides when we stop.
});
