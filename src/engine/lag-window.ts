// Schedule lag over a sliding time window: p50, p99 and max of the last minutes of runs. Bounded, so a
// large topology cannot grow it without limit: past MAX_SAMPLES the oldest samples go first.
const MAX_SAMPLES = 100_000;

export class LagWindow {
  private samples: Array<{ at: number; lagMs: number }> = [];

  constructor(private readonly windowMs: number) {}

  add(at: number, lagMs: number): void {
    this.samples.push({ at, lagMs });
    if (this.samples.length > MAX_SAMPLES * 1.5) this.samples = this.samples.slice(-MAX_SAMPLES);
  }

  /** Nearest-rank percentiles of the samples in the window ending at `now`; zeros when there are none. */
  summary(now: number): { p50: number; p99: number; max: number; count: number } {
    const from = now - this.windowMs;
    this.samples = this.samples.filter((sample) => sample.at >= from);
    const sorted = this.samples.map((sample) => sample.lagMs).sort((a, b) => a - b);
    const pick = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? 0;
    return { p50: pick(0.5), p99: pick(0.99), max: sorted.at(-1) ?? 0, count: sorted.length };
  }
}
