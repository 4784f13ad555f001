// Backup schedules across DST in Europe/Berlin (2026: clocks go 02:00 → 03:00 on 29 March and
// 03:00 → 02:00 on 25 October): a daily job runs once a day, never twice and never not at all.
import { describe, expect, it } from "vitest";
import { parseCronSchedule } from "./backup-cron.js";

const ZONE = "Europe/Berlin";
const local = (at: number) => new Date(at).toLocaleString("sv-SE", { timeZone: ZONE });

function runs(expression: string, from: string, count: number, zone = ZONE): number[] {
  const schedule = parseCronSchedule(expression, zone);
  const out: number[] = [];
  let at = Date.parse(from);
  for (let i = 0; i < count; i++) out.push((at = schedule.next(at)));
  return out;
}

describe("backup schedule (cron on local wall time)", () => {
  it("runs a daily 03:00 backup at 03:00 local on either side of a DST change", () => {
    expect(runs("0 3 * * *", "2026-03-27T12:00:00Z", 3).map(local)).toEqual(["2026-03-28 03:00:00", "2026-03-29 03:00:00", "2026-03-30 03:00:00"]);
    expect(runs("0 3 * * *", "2026-03-27T12:00:00Z", 3).map((at) => new Date(at).toISOString())).toEqual(["2026-03-28T02:00:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-30T01:00:00.000Z"]);
  });

  it("runs a 02:30 backup right after the spring-forward gap instead of skipping the day", () => {
    expect(runs("30 2 * * *", "2026-03-27T12:00:00Z", 3).map(local)).toEqual(["2026-03-28 02:30:00", "2026-03-29 03:30:00", "2026-03-30 02:30:00"]);
  });

  it("runs a 02:30 backup once in the repeated autumn hour, at its first occurrence", () => {
    const times = runs("30 2 * * *", "2026-10-24T12:00:00Z", 2);
    expect(times.map((at) => new Date(at).toISOString())).toEqual(["2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"]);
  });

  it("keeps an every-30-minutes job going through both passes of the repeated hour", () => {
    const times = runs("*/30 * * * *", "2026-10-24T23:40:00Z", 6).map((at) => new Date(at).toISOString().slice(11, 16));
    // 02:00 and 02:30 local happen twice (00:00Z/00:30Z at +02:00, then 01:00Z/01:30Z at +01:00).
    expect(times).toEqual(["00:00", "00:30", "01:00", "01:30", "02:00", "02:30"]);
  });

  it("keeps an every-30-minutes job going through the spring-forward gap without a double run", () => {
    const times = runs("*/30 * * * *", "2026-03-29T00:10:00Z", 4).map((at) => new Date(at).toISOString().slice(11, 16));
    expect(times).toEqual(["00:30", "01:00", "01:30", "02:00"]);
  });

  it("accepts a seconds field and UTC", () => {
    expect(runs("*/20 * * * * *", "2026-01-01T00:00:05Z", 3, "UTC").map((at) => new Date(at).toISOString())).toEqual(["2026-01-01T00:00:20.000Z", "2026-01-01T00:00:40.000Z", "2026-01-01T00:01:00.000Z"]);
  });

  it("refuses an unknown time zone and an invalid expression", () => {
    expect(() => parseCronSchedule("0 3 * * *", "Mars/Olympus")).toThrow('unknown time zone "Mars/Olympus"');
    expect(() => parseCronSchedule("61 3 * * *", "UTC")).toThrow('cron "61 3 * * *" is not valid (Constraint error, got value 61 expected range 0-59)');
  });
});
