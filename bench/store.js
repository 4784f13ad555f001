// Benchmark of the agent's SQLite store: writes 1,000,000 results of 100 checks (one run every 30 s each,
// ~3.5 days), rolls them up, and reports the write rate, the file size, and the steady-state size per
// check under the default retention. Plain JS against the build: `npx tsc -p tsconfig.build.json && node bench/store.js`.
import { rmSync, statSync, existsSync } from "node:fs";
import { join } from "node:path";
import { openStore } from "../dist/store/db.js";
import { ResultWriter } from "../dist/store/result-writer.js";
import { rollUp } from "../dist/store/rollups.js";
import { DEFAULT_RETENTION } from "../dist/store/retention.js";
import { scratchDir } from "./lib/scratch.js";

const TOTAL = Number(process.env.BENCH_RESULTS ?? 1_000_000);
const CHECKS = 100;
const INTERVAL_MS = 30_000;
const DAY_MS = 86_400_000;
const START = Date.UTC(2026, 0, 1);

/** Deterministic pseudo-random numbers, so runs compare. */
let seed = 12345;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);

const checks = Array.from({ length: CHECKS }, (_, i) => ({
  check: `svc${i % 40}/${["http", "tcp", "dns", "tls"][i % 4]}`,
  service: `svc${i % 40}`,
  host: `H${i % 7}`,
  agent: "agent-1",
  offset: Math.floor(random() * INTERVAL_MS),
  baseMs: 2 + random() * 80,
}));

function* results() {
  for (let n = 0; n < TOTAL; n++) {
    const c = checks[n % CHECKS];
    const round = Math.floor(n / CHECKS);
    const ok = random() > 0.005;
    const jitter = Math.floor(random() * 500);
    yield {
      check: c.check, service: c.service, host: c.host, agent: c.agent,
      at: START + round * INTERVAL_MS + c.offset + jitter,
      ok,
      latencyMs: ok ? Math.round(c.baseMs * (0.6 + random() * random() * 3) * 1000) / 1000 : 10_000,
      reason: ok ? undefined : "timeout",
      message: ok ? undefined : "no answer within 10s",
    };
  }
}

function fileBytes(path) {
  return [path, `${path}-wal`, `${path}-shm`].filter(existsSync).reduce((sum, file) => sum + statSync(file).size, 0);
}

const dir = scratchDir("understudy-bench-store-");
const path = join(dir, "understudy.db");
try {
  const store = openStore(path);
  const writer = new ResultWriter(store, { maxRows: 1_000, maxDelayMs: 1_000 });
  let last = START;
  const began = process.hrtime.bigint();
  for (const result of results()) {
    writer.write(result);
    last = result.at;
  }
  writer.close();
  const insertS = Number(process.hrtime.bigint() - began) / 1e9;
  store.db.pragma("wal_checkpoint(TRUNCATE)");
  const rawOnly = fileBytes(path);

  const rollBegan = process.hrtime.bigint();
  rollUp(store, last + 10 * 60_000, 0);
  const rollS = Number(process.hrtime.bigint() - rollBegan) / 1e9;
  store.db.pragma("wal_checkpoint(TRUNCATE)");
  const withRollups = fileBytes(path);

  const tables = Object.fromEntries(store.db.prepare("SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name").all().map((row) => [row.name, row.bytes]));
  const rows = (table) => store.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get();
  const perRow = (table) => tables[table] / rows(table);
  const raw = perRow("results");
  const minute = perRow("rollups_minute");
  const hour = perRow("rollups_hour");
  const day = (ms) => ms / DAY_MS;
  const perDay = { raw: (DAY_MS / INTERVAL_MS) * raw, minute: 1_440 * minute, hour: 24 * hour };
  const steady = perDay.raw * day(DEFAULT_RETENTION.raw) + perDay.minute * day(DEFAULT_RETENTION.minute) + perDay.hour * day(DEFAULT_RETENTION.hour);
  store.close();

  const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
  const lines = [
    ["results written", `${TOTAL.toLocaleString("en")} (${CHECKS} checks, every ${INTERVAL_MS / 1000} s, ${(TOTAL / CHECKS * INTERVAL_MS / DAY_MS).toFixed(1)} days)`],
    ["insert rate", `${Math.round(TOTAL / insertS).toLocaleString("en")} results/s (${insertS.toFixed(2)} s, batches of 1,000)`],
    ["rollup of all of it", `${rollS.toFixed(2)} s`],
    ["file per 1M results, raw only", mib((rawOnly * 1e6) / TOTAL)],
    ["file per 1M results, with rollups", mib((withRollups * 1e6) / TOTAL)],
    ["bytes per raw result", raw.toFixed(1)],
    ["bytes per minute rollup", minute.toFixed(1)],
    ["bytes per hour rollup", hour.toFixed(1)],
    ["per check per day: raw / minute / hour", `${kib(perDay.raw)} / ${kib(perDay.minute)} / ${kib(perDay.hour)}`],
    ["steady state per check (raw 2d + minute 14d + hour 400d)", mib(steady)],
    ["steady state for the 100 checks", mib(steady * CHECKS)],
  ];
  const width = Math.max(...lines.map(([label]) => label.length));
  for (const [label, value] of lines) console.log(`${label.padEnd(width)}  ${value}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
