import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "./db.js";
import { uptime } from "./history.js";
import { insertResults, type CheckResult } from "./results.js";
import { DEFAULT_RETENTION, pruneHistory } from "./retention.js";

const T0 = Date.UTC(2026, 3, 1);
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "understudy-retention-"));
  store = openStore(join(dir, "understudy.db"));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const count = (table: string): number => store.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

/** One run a minute for 30 days; web is down 02:00–03:30 every Monday-ish (each 7th day) and 10 minutes on day 29. */
function day(index: number): CheckResult[] {
  const results: CheckResult[] = [];
  for (let minute = 0; minute < 1440; minute++) {
    const at = T0 + index * DAY + minute * MINUTE + 7_000;
    const down = (index % 7 === 3 && minute >= 120 && minute < 210) || (index === 29 && minute >= 600 && minute < 610);
    results.push({ check: "web/http", service: "web", host: "H1", agent: "a1", at, ok: !down, latencyMs: 20, reason: down ? "refused" : undefined });
    results.push({ check: "db/tcp", service: "db", host: "H2", agent: "a1", at, ok: true, latencyMs: 1 });
  }
  return results;
}

describe("retention", () => {
  it("keeps uptime over 30 days right while raw and minute rows are pruned away", () => {
    const all: CheckResult[] = [];
    // The agent's life: each day's results written, then pruned at the end of the day (default retention).
    for (let index = 0; index < 30; index++) {
      const results = day(index);
      all.push(...results);
      insertResults(store, results);
      pruneHistory(store, T0 + (index + 1) * DAY + 5 * MINUTE, DEFAULT_RETENTION);
    }
    const web = all.filter((r) => r.check === "web/http");
    const expected = { count: web.length, ok: web.filter((r) => r.ok).length };
    // 4 outages of 90 minutes (days 3, 10, 17, 24) and one of 10: 370 failures in 43 200 runs.
    expect(expected).toEqual({ count: 43_200, ok: 43_200 - 370 });
    expect(uptime(store, { service: "web" }, T0, T0 + 30 * DAY)).toEqual({ ...expected, ratio: expected.ok / expected.count });
    // A stretch wholly inside the hour tier, one inside the minute tier and one inside raw.
    expect(uptime(store, { check: "web/http" }, T0 + 3 * DAY, T0 + 4 * DAY).ok).toBe(1440 - 90);
    expect(uptime(store, { check: "web/http" }, T0 + 24 * DAY, T0 + 25 * DAY).ok).toBe(1440 - 90);
    expect(uptime(store, { check: "web/http" }, T0 + 29 * DAY + 10 * HOUR, T0 + 29 * DAY + 11 * HOUR)).toEqual({ count: 60, ok: 50, ratio: 50 / 60 });

    // And the old rows really are gone: raw holds 2 days (cut on the minute: the last prune ran at 00:05),
    // minutes 14 days (cut on the hour).
    expect(count("results")).toBe(2 * (2 * 1440 - 5));
    expect(count("rollups_minute")).toBe(2 * 14 * 1440);
    expect(count("rollups_hour")).toBe(2 * 30 * 24);
  });

  it("never cuts a tier that the coarser one does not cover yet", () => {
    insertResults(store, day(0));
    // Keep nothing: yet raw goes only as far as minutes are rolled up (2 minutes' lag), minutes only as
    // far as hours are, so the whole day is still counted.
    pruneHistory(store, T0 + DAY + MINUTE, { raw: 0, minute: 0, hour: 10 * DAY });
    expect(count("results")).toBe(2);
    expect(count("rollups_minute")).toBe(2 * 59);
    expect(uptime(store, { check: "db/tcp" }, T0, T0 + DAY).count).toBe(1440);
  });

  it("drops hour rollups past their retention", () => {
    insertResults(store, day(0));
    expect(pruneHistory(store, T0 + 3 * DAY, { raw: DAY, minute: DAY, hour: 3 * DAY })).toEqual({ raw: 2 * 1440, minute: 2 * 1440, hour: 0 });
    expect(uptime(store, { check: "db/tcp" }, T0, T0 + DAY).count).toBe(1440);
    expect(pruneHistory(store, T0 + 5 * DAY, { raw: DAY, minute: DAY, hour: 3 * DAY }).hour).toBe(2 * 24);
    expect(uptime(store, { check: "db/tcp" }, T0, T0 + DAY).count).toBe(0);
  });
});
