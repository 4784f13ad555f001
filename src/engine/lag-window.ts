// Schedule lag over a sliding time window: p50, p99 and max of the last minutes of runs. Bounded in memory
// and in scrape cost whatever the rate: a check result costs one counter increment, not one object, and
// a scrape sums fixed-size histograms instead of sorting every sample (at 1,000 runs a second, a
// 15-minute window holds 900,000 of them).
//
// The window is cut into SLICES slices; each keeps a histogram of its lags. Buckets are exact to the
// millisecond below 1,024 ms and then 128 per power of two, so a percentile is the lower bound of its
// bucket: exact below a second, within 0.8 % above. The max is kept exactly. A slice is dropped whole once it
// has left the window, so the window reaches back between `windowMs` and `windowMs` plus one slice.
const SLICES = 15;
const EXACT_MS = 1024;
const PER_OCTAVE = 128;
const OCTAVES = 21; // 2^10 .. 2^31 ms: lags up to about 24 days, more than any interval
const BUCKETS = EXACT_MS + OCTAVES * PER_OCTAVE;
const MAX_LAG_MS = 2 ** 31 - 1;

function bucketOf(lagMs: number): number {
  const lag = Math.min(MAX_LAG_MS, Math.max(0, Math.round(lagMs)));
  if (lag < EXACT_MS) return lag;
  const octave = 31 - Math.clz32(lag); // floor(log2(lag)), ≥ 10 here
  const sub = (lag >>> (octave - 7)) & (PER_OCTAVE - 1);
  return EXACT_MS + (octave - 10) * PER_OCTAVE + sub;
}

function lowerBound(bucket: number): number {
  if (bucket < EXACT_MS) return bucket;
  const octave = 10 + Math.floor((bucket - EXACT_MS) / PER_OCTAVE);
  const sub = (bucket - EXACT_MS) % PER_OCTAVE;
  return (PER_OCTAVE + sub) * 2 ** (octave - 7);
}

interface Slice {
  /** floor(at / sliceMs) of the samples held; -1 when empty. */
  index: number;
  counts: Uint32Array;
  count: number;
  max: number;
}

export class LagWindow {
  private readonly sliceMs: number;
  /** One more than SLICES: the slice being filled plus the SLICES before it. */
  private readonly slices: Slice[];
  private readonly totals = new Uint32Array(BUCKETS);

  constructor(private readonly windowMs: number) {
    this.sliceMs = Math.max(1, Math.ceil(windowMs / SLICES));
    this.slices = Array.from({ length: SLICES + 1 }, () => ({ index: -1, counts: new Uint32Array(BUCKETS), count: 0, max: 0 }));
  }

  add(at: number, lagMs: number): void {
    const index = Math.floor(at / this.sliceMs);
    const slice = this.slices[index % this.slices.length]!;
    if (slice.index !== index) {
      // A slice from a full ring ago (or, after the clock stepped back, one ahead): reused for this one.
      slice.index = index;
      slice.counts.fill(0);
      slice.count = 0;
      slice.max = 0;
    }
    slice.counts[bucketOf(lagMs)]!++;
    slice.count++;
    slice.max = Math.max(slice.max, lagMs);
  }

  /** Nearest-rank percentiles of the samples in the window ending at `now`; zeros when there are none. */
  summary(now: number): { p50: number; p99: number; max: number; count: number } {
    const newest = Math.floor(now / this.sliceMs);
    const oldest = Math.floor((now - this.windowMs) / this.sliceMs);
    const totals = this.totals;
    totals.fill(0);
    let count = 0;
    let max = 0;
    for (const slice of this.slices) {
      if (slice.count === 0 || slice.index < oldest || slice.index > newest) continue;
      for (let bucket = 0; bucket < BUCKETS; bucket++) totals[bucket]! += slice.counts[bucket]!;
      count += slice.count;
      max = Math.max(max, slice.max);
    }
    if (count === 0) return { p50: 0, p99: 0, max: 0, count: 0 };
    const pick = (p: number) => {
      const rank = Math.max(1, Math.ceil(p * count));
      let seen = 0;
      for (let bucket = 0; bucket < BUCKETS; bucket++) {
        seen += totals[bucket]!;
        if (seen >= rank) return Math.min(lowerBound(bucket), max);
      }
      return max;
    };
    return { p50: pick(0.5), p99: pick(0.99), max, count };
  }
}
