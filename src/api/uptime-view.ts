// GET /api/services/:name/uptime: a service's uptime and latency over 24h, 7d or 30d, and a series of
// buckets for the chart, read from the store's results and rollups (src/store/history.ts).
// Uptime is what users got: for a primary/standby service, each stretch counts the checks of the host
// that was active then (failover/served.ts) and of no instance, so a verified standby serving after a
// failover counts as up while the dead primary's checks keep failing; the outage runs from the first
// failed check to the switch.
// The response-time line (`points`) comes at the resolution that fits the window (latency-series.ts).
import { activeStretches } from "../failover/served.js";
import type { Placement } from "../model/topology.js";
import type { Store } from "../store/db.js";
import { latencyPercentiles, uptime, type Uptime } from "../store/history.js";
import type { z } from "zod";
import type { uptimeResponse, WINDOWS } from "./schemas.js";
import { latencyPoints, resolutionFor } from "./latency-series.js";

const HOUR = 3_600_000;
const BUCKETS: Record<(typeof WINDOWS)[number], { count: number; size: number }> = {
  "1h": { count: 12, size: 5 * 60_000 },
  "6h": { count: 24, size: 15 * 60_000 },
  "24h": { count: 24, size: HOUR },
  "7d": { count: 28, size: 6 * HOUR },
  "30d": { count: 30, size: 24 * HOUR },
};

const round = (value: number | undefined, digits: number) => (value === undefined ? null : Number(value.toFixed(digits)));

/** The share of good results in [from, to), of the active host's checks where the service fails over. */
export function availability(store: Store, service: string, placement: Placement | undefined, from: number, to: number): Uptime {
  if (placement?.kind !== "failover") return uptime(store, { service }, from, to);
  let count = 0;
  let ok = 0;
  for (const stretch of activeStretches(store, service, placement.primary, from, to)) {
    const part = uptime(store, { service, hosts: [stretch.host, ""] }, stretch.from, stretch.to);
    count += part.count;
    ok += part.ok;
  }
  return { count, ok, ratio: count === 0 ? undefined : ok / count };
}

export function uptimeView(store: Store, service: string, window: (typeof WINDOWS)[number], now: number, placement?: Placement): z.output<typeof uptimeResponse> {
  const { count, size } = BUCKETS[window];
  // Buckets end at the next whole bucket boundary (an hour at most) so that they line up with rollups.
  const align = Math.min(size, HOUR);
  const end = Math.ceil(now / align) * align;
  const from = end - count * size;
  const selector = { service };
  const total = availability(store, service, placement, from, end);
  const [p50, p99] = latencyPercentiles(store, selector, from, end, [0.5, 0.99])?.values ?? [];
  const series = Array.from({ length: count }, (_, index) => {
    const start = from + index * size;
    const part = availability(store, service, placement, start, start + size);
    const [median] = latencyPercentiles(store, selector, start, start + size, [0.5])?.values ?? [];
    return { t: new Date(start).toISOString(), uptime: round(part.ratio, 6), p50_ms: round(median, 3) };
  });
  const resolution = resolutionFor(count * size);
  const points = latencyPoints(store, service, from, end, resolution).map((point) => ({ t: new Date(point.t).toISOString(), ms: round(point.ms, 3)! }));
  return { service, window, uptime: round(total.ratio, 6), latency: { p50_ms: round(p50, 3), p99_ms: round(p99, 3) }, series, resolution, points };
}
