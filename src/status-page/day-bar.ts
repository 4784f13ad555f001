// The 90-day bar of a public service: one entry per UTC day with what users got that day. Uptime is
// availability (api/uptime-view.ts: the active host's checks after a failover), the outage is the time
// inside the day's public outages (first failed check to served again), and failovers are the completed
// switches that day (failover/served.ts), so a day saved by a standby shows as such rather than as down.
//   down:      unavailable for at least DOWN_MS that day, or availability under DOWN_RATIO
//   degraded:  any failed check, a shorter outage, or a failover
//   up:        results, all good
//   none:      no results that day (before the service was watched, or the agent was off)
import { movesOf, type Move } from "../failover/served.js";
import type { Placement } from "../model/topology.js";
import type { Store } from "../store/db.js";
import { latencyPercentiles } from "../store/history.js";
import { availability } from "../api/uptime-view.js";

export const DAY_MS = 86_400_000;
export const DOWN_MS = 60_000;
export const DOWN_RATIO = 0.95;
export const DAY_STATES = ["up", "degraded", "down", "none"] as const;
export type DayState = (typeof DAY_STATES)[number];

export interface Day {
  /** YYYY-MM-DD (UTC). */
  readonly date: string;
  readonly state: DayState;
  /** Availability that day, 0..1; null without results. */
  readonly uptime: number | null;
  /** Time unavailable to users that day. */
  readonly outage_ms: number;
  /** Completed failovers (switches to another host) that day. */
  readonly failovers: number;
  /** When they switched (ISO 8601). */
  readonly failover_at: readonly string[];
  /** Time served from a standby that day (the failover window, a day that began on the standby included). */
  readonly standby_ms: number;
  /** Median response time that day, when the page shows response times. */
  readonly p50_ms?: number | null;
}

export interface Span {
  readonly from: number;
  readonly to: number;
}

function overlap(spans: readonly Span[], from: number, to: number): number {
  // Spans may overlap one another (two incidents at once): count each instant once.
  const cut = spans.map((span) => ({ from: Math.max(span.from, from), to: Math.min(span.to, to) })).filter((span) => span.to > span.from).sort((a, b) => a.from - b.from);
  let total = 0;
  let reached = from;
  for (const span of cut) {
    const start = Math.max(span.from, reached);
    if (span.to > start) total += span.to - start;
    reached = Math.max(reached, span.to);
  }
  return total;
}

/** Time in [from, to) when a host other than `primary` was active, from the moves (oldest first). */
function standbyTime(moves: readonly Move[], primary: string, from: number, to: number): number {
  let host = primary;
  let start = from;
  let total = 0;
  for (const move of moves) {
    if (move.at >= to) break;
    if (move.at > start) {
      if (host !== primary) total += move.at - start;
      start = move.at;
    }
    host = move.to;
  }
  return host !== primary ? total + (to - start) : total;
}

export function stateOf(uptime: number | null, outageMs: number, failovers: number): DayState {
  if (outageMs >= DOWN_MS || (uptime !== null && uptime < DOWN_RATIO)) return "down";
  if (uptime === null) return outageMs > 0 || failovers > 0 ? "degraded" : "none";
  if (uptime < 1 || outageMs > 0 || failovers > 0) return "degraded";
  return "up";
}

export interface DayBarInput {
  store: Store;
  service: string;
  placement: Placement | undefined;
  /** The service's public outages (an open one ends at `now`). */
  outages: readonly Span[];
  now: number;
  days?: number;
  latency?: boolean;
}

/** The last `days` UTC days, oldest first; today is the last, counted up to `now`. */
export function dayBar(input: DayBarInput): Day[] {
  const { store, service, placement, outages, now, days = 90 } = input;
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const first = today - (days - 1) * DAY_MS;
  const moves = placement?.kind === "failover" ? movesOf(store, service, now) : [];
  const primary = placement?.kind === "failover" ? placement.primary : "";
  return Array.from({ length: days }, (_, index) => {
    const from = first + index * DAY_MS;
    const to = Math.min(from + DAY_MS, now);
    const ratio = availability(store, service, placement, from, to).ratio;
    const uptime = ratio === undefined ? null : Number(ratio.toFixed(6));
    const outageMs = overlap(outages, from, to);
    // A move back to the primary (a failback, a rollback) is not a failover.
    const switched = moves.filter((move) => move.at >= from && move.at < to && move.to !== primary);
    const day: Day = {
      date: new Date(from).toISOString().slice(0, 10), state: stateOf(uptime, outageMs, switched.length), uptime, outage_ms: outageMs,
      failovers: switched.length, failover_at: switched.map((move) => new Date(move.at).toISOString()), standby_ms: moves.length === 0 ? 0 : standbyTime(moves, primary, from, to),
    };
    if (!input.latency) return day;
    const [median] = latencyPercentiles(store, { service }, from, to, [0.5])?.values ?? [];
    return { ...day, p50_ms: median === undefined ? null : Number(median.toFixed(1)) };
  });
}
