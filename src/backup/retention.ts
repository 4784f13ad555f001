// Which snapshots a keep policy keeps, with restic's `forget --keep-*` semantics: the newest N
// snapshots (last), and for each of hourly/daily/weekly/monthly the newest snapshot in each of the
// N most recent periods that have one. A snapshot kept by any rule is kept. Periods are in UTC, weeks
// are ISO weeks (Monday first), as restic's. Pure: the caller lists and removes.
import type { KeepPolicy } from "./config.js";

export interface Dated {
  id: string;
  created_at: string;
}

export interface RetentionDecision<T extends Dated> {
  keep: Array<{ snapshot: T; reasons: string[] }>;
  remove: T[];
}

function isoWeek(date: Date): string {
  const day = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const weekday = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - weekday); // the Thursday of this week names its year
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${day.getUTCFullYear()}-W${week}`;
}

const BUCKETS: Array<[keyof KeepPolicy, (date: Date) => string]> = [
  ["hourly", (d) => d.toISOString().slice(0, 13)],
  ["daily", (d) => d.toISOString().slice(0, 10)],
  ["weekly", isoWeek],
  ["monthly", (d) => d.toISOString().slice(0, 7)],
];

/** Decides for every snapshot. An empty policy keeps everything (as restic refuses to forget all). */
export function applyRetention<T extends Dated>(snapshots: readonly T[], keep: KeepPolicy): RetentionDecision<T> {
  const newestFirst = [...snapshots].sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id));
  const rules = (["last", ...BUCKETS.map(([name]) => name)] as const).filter((name) => keep[name] !== undefined && keep[name] > 0);
  if (rules.length === 0) return { keep: newestFirst.map((snapshot) => ({ snapshot, reasons: ["no keep rule"] })), remove: [] };
  const left = new Map(rules.map((name) => [name, keep[name] ?? 0]));
  const lastBucket = new Map<string, string>();
  const decision: RetentionDecision<T> = { keep: [], remove: [] };
  for (const [index, snapshot] of newestFirst.entries()) {
    const reasons: string[] = [];
    if ((keep.last ?? 0) > index) reasons.push("last");
    const date = new Date(snapshot.created_at);
    for (const [name, bucketOf] of BUCKETS) {
      const count = left.get(name);
      if (count === undefined || count === 0) continue;
      const bucket = bucketOf(date);
      if (lastBucket.get(name) === bucket) continue;
      lastBucket.set(name, bucket);
      left.set(name, count - 1);
      reasons.push(name);
    }
    if (reasons.length > 0) decision.keep.push({ snapshot, reasons });
    else decision.remove.push(snapshot);
  }
  return decision;
}
