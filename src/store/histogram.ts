// A compact latency histogram with fixed log-scale buckets, so percentiles survive the rollups that
// replace raw results: four buckets per doubling (each ~19% wide) from 100µs to about 50 minutes.
// Stored as a sparse blob (bucket index byte, LEB128 count) — a minute with two results costs 4 bytes.
import type Database from "better-sqlite3";

/** Lower edge of bucket 1, in microseconds; bucket 0 holds everything faster. */
const BASE_US = 100;
const PER_DOUBLING = 4;
export const BUCKETS = 128;

export type Counts = number[];

export function emptyCounts(): Counts {
  return new Array<number>(BUCKETS).fill(0);
}

export function bucketOf(latencyUs: number): number {
  if (!(latencyUs >= BASE_US)) return 0;
  return Math.min(BUCKETS - 1, 1 + Math.floor(PER_DOUBLING * Math.log2(latencyUs / BASE_US)));
}

/** [low, high) edges of a bucket in microseconds. */
export function bucketBounds(bucket: number): readonly [number, number] {
  if (bucket === 0) return [0, BASE_US];
  return [BASE_US * 2 ** ((bucket - 1) / PER_DOUBLING), BASE_US * 2 ** (bucket / PER_DOUBLING)];
}

/** The value a bucket stands for: its geometric middle (its relative error is then at most ~9%). */
export function bucketValue(bucket: number): number {
  if (bucket === 0) return BASE_US / 2;
  return BASE_US * 2 ** ((bucket - 0.5) / PER_DOUBLING);
}

export function encode(counts: Counts): Buffer | null {
  const bytes: number[] = [];
  counts.forEach((count, bucket) => {
    if (count === 0) return;
    bytes.push(bucket);
    let rest = count;
    while (rest >= 0x80) {
      bytes.push((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    bytes.push(rest);
  });
  return bytes.length === 0 ? null : Buffer.from(bytes);
}

/** Adds an encoded histogram into `into` (null adds nothing). */
export function addEncoded(into: Counts, blob: Uint8Array | null): Counts {
  if (!blob) return into;
  let at = 0;
  while (at < blob.length) {
    const bucket = blob[at++]!;
    let count = 0;
    let scale = 1;
    for (;;) {
      const byte = blob[at++];
      if (byte === undefined) throw new Error("bug: truncated latency histogram");
      count += (byte & 0x7f) * scale;
      if (byte < 0x80) break;
      scale *= 0x80;
    }
    into[bucket] = (into[bucket] ?? 0) + count;
  }
  return into;
}

/**
 * Estimated quantile q (0..1) in microseconds by nearest rank: the bucket holding rank ⌈q·n⌉, reported
 * as its middle clamped to the known minimum and maximum. Undefined for an empty histogram.
 */
export function quantileOf(counts: Counts, q: number, minUs: number, maxUs: number): number | undefined {
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let bucket = 0; bucket < counts.length; bucket++) {
    seen += counts[bucket]!;
    if (seen >= rank) return Math.min(maxUs, Math.max(minUs, bucketValue(bucket)));
  }
  return maxUs;
}

/** The SQL aggregates the rollups use: `latency_histogram(latency_us)` and `merge_histograms(blob)`. */
export function registerHistogramFunctions(db: Database.Database): void {
  db.aggregate("latency_histogram", {
    start: emptyCounts,
    step: (counts: Counts, latencyUs: unknown) => {
      if (typeof latencyUs === "number" || typeof latencyUs === "bigint") counts[bucketOf(Number(latencyUs))]! += 1;
      return counts;
    },
    result: encode,
    deterministic: true,
  });
  db.aggregate("merge_histograms", {
    start: emptyCounts,
    step: (counts: Counts, blob: unknown) => addEncoded(counts, blob instanceof Uint8Array ? blob : null),
    result: encode,
    deterministic: true,
  });
}
