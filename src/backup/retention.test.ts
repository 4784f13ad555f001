// Retention worked out by hand on six snapshots (UTC). 2026-01-01 is a Thursday, so ISO week 1 runs
// Mon 2025-12-29 … Sun 2026-01-04, 2026-01-05 starts week 2 and 2026-02-01 (a Sunday) is in week 5.
import { describe, expect, it } from "vitest";
import { applyRetention } from "./retention.js";

const snapshots = [
  { id: "a", created_at: "2026-01-01T10:00:00.000Z" },
  { id: "b", created_at: "2026-01-01T10:30:00.000Z" },
  { id: "c", created_at: "2026-01-01T11:15:00.000Z" },
  { id: "d", created_at: "2026-01-02T09:00:00.000Z" },
  { id: "e", created_at: "2026-01-05T09:00:00.000Z" },
  { id: "f", created_at: "2026-02-01T09:00:00.000Z" },
];

const kept = (keep: Parameters<typeof applyRetention>[1]) => applyRetention(snapshots, keep).keep.map(({ snapshot, reasons }) => `${snapshot.id}:${reasons.join("+")}`);
const removed = (keep: Parameters<typeof applyRetention>[1]) => applyRetention(snapshots, keep).remove.map((s) => s.id);

describe("retention (restic's keep-* semantics)", () => {
  it("keep-last keeps the newest N", () => {
    expect(kept({ last: 2 })).toEqual(["f:last", "e:last"]);
    expect(removed({ last: 2 })).toEqual(["d", "c", "b", "a"]);
  });

  it("keep-hourly keeps the newest snapshot of each of the N latest hours that have one", () => {
    // Hours, newest first: 02-01T09 (f), 01-05T09 (e), 01-02T09 (d), 01-01T11 (c), 01-01T10 (b, then a).
    expect(kept({ hourly: 5 })).toEqual(["f:hourly", "e:hourly", "d:hourly", "c:hourly", "b:hourly"]);
    expect(removed({ hourly: 5 })).toEqual(["a"]);
  });

  it("keep-daily keeps the newest of each day: c (11:15), not a or b, for 2026-01-01", () => {
    expect(kept({ daily: 4 })).toEqual(["f:daily", "e:daily", "d:daily", "c:daily"]);
    expect(removed({ daily: 3 })).toEqual(["c", "b", "a"]);
  });

  it("keep-weekly counts ISO weeks: d (Friday of week 1) is the newest of week 1", () => {
    expect(kept({ weekly: 3 })).toEqual(["f:weekly", "e:weekly", "d:weekly"]);
  });

  it("keep-monthly keeps the newest of January (e), not the first", () => {
    expect(kept({ monthly: 2 })).toEqual(["f:monthly", "e:monthly"]);
    expect(removed({ monthly: 12 })).toEqual(["d", "c", "b", "a"]);
  });

  it("a snapshot kept by several rules lists every reason; the rules count independently", () => {
    expect(kept({ last: 1, daily: 2, monthly: 1 })).toEqual(["f:last+daily+monthly", "e:daily"]);
  });

  it("with no rule, nothing is removed (as restic refuses to forget everything)", () => {
    expect(removed({})).toEqual([]);
    expect(removed({ last: 0 })).toEqual([]);
  });

  it("keeps in the same order whatever order the snapshots come in", () => {
    const shuffled = [snapshots[3]!, snapshots[0]!, snapshots[5]!, snapshots[1]!, snapshots[4]!, snapshots[2]!];
    expect(applyRetention(shuffled, { daily: 2 }).keep.map((k) => k.snapshot.id)).toEqual(["f", "e"]);
  });
});
