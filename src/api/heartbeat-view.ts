// GET /api/heartbeats: history at a glance, as Uptime Kuma and Gatus users read it first: per check its
// last N results (time, ok, latency, reason), and per service N beats sampled evenly back from now at the
// service's shortest check interval. A service beat holds each check's latest result at that time (one
// older than two intervals plus its timeout counts as nothing) and is up when every counted check was ok,
// down when every one failed, degraded between, and "none" when no check had run. Availability is what
// users got (as uptime-view): a primary/standby service's beat counts the checks of the host active then,
// so the dead primary's failures do not paint the standby's serving red.
import { activeStretches } from "../failover/served.js";
import type { Service, Topology } from "../model/topology.js";
import type { Store } from "../store/db.js";

export const DEFAULT_BEATS = 30;
export const MAX_BEATS = 100;

export interface CheckBeat {
  at: string;
  ok: boolean;
  latency_ms: number;
  reason: string | null;
}

export interface ServiceBeat {
  at: string;
  state: "up" | "degraded" | "down" | "none";
  /** Checks counted in this beat, and how many of them had failed. */
  checks: number;
  failed: number;
  /** Mean latency of the counted checks that were ok. */
  latency_ms: number | null;
  /** The failed checks' reasons, "check: reason". */
  reason: string | null;
}

export interface ServiceHeartbeats {
  name: string;
  slot_s: number | null;
  beats: ServiceBeat[];
  checks: Array<{ name: string; host: string | null; beats: CheckBeat[] }>;
}

interface Row { at: number; ok: number; latency_us: number; reason: string | null; message: string | null }

/** A check's last `limit` results up to `now` from every agent, newest first (one index seek per series). */
function lastResults(store: Store, service: string, check: string, host: string, now: number, limit: number): Row[] {
  const ids = store.statement("SELECT id FROM checks WHERE service = ? AND name = ? AND host = ?").pluck().all(service, check, host) as number[];
  const read = store.statement(`SELECT r.at, r.ok, r.latency_us, s.text AS reason, r.message FROM results r LEFT JOIN reasons s ON s.id = r.reason_id
    WHERE r.check_id = ? AND r.at <= ? ORDER BY r.at DESC LIMIT ?`);
  return ids.flatMap((id) => read.all(id, now, limit) as Row[]).sort((a, b) => b.at - a.at).slice(0, limit);
}

const reasonOf = (row: Row) => (row.ok === 1 ? null : [row.reason, row.message].filter(Boolean).join(": ") || "failed");

function serviceBeats(store: Store, service: Service, rows: Map<string, Row[]>, now: number, limit: number): { slot: number | null; beats: ServiceBeat[] } {
  if (service.checks.length === 0) return { slot: null, beats: [] };
  const slot = Math.min(...service.checks.map((check) => check.intervalMs));
  const from = now - (limit - 1) * slot;
  const placement = service.placement;
  const stretches = placement.kind === "failover" ? activeStretches(store, service.name, placement.primary, from, now + 1) : [];
  const activeAt = (t: number) => stretches.find((stretch) => t >= stretch.from && t < stretch.to)?.host;
  return {
    slot,
    beats: Array.from({ length: limit }, (_, index) => {
      const t = from + index * slot;
      const active = activeAt(t);
      let failed = 0;
      let okLatency = 0;
      let ok = 0;
      const reasons: string[] = [];
      for (const check of service.checks) {
        if (active !== undefined && check.host !== undefined && check.host !== active) continue;
        const latest = rows.get(`${check.name}\u0000${check.host ?? ""}`)?.find((row) => row.at <= t);
        if (!latest || t - latest.at > 2 * check.intervalMs + check.timeoutMs) continue;
        if (latest.ok === 1) {
          ok += 1;
          okLatency += latest.latency_us / 1000;
        } else {
          failed += 1;
          reasons.push(`${check.name}${check.host ? ` on ${check.host}` : ""}: ${reasonOf(latest)}`);
        }
      }
      const counted = ok + failed;
      const state = counted === 0 ? "none" : failed === 0 ? "up" : ok === 0 ? "down" : "degraded";
      return { at: new Date(t).toISOString(), state, checks: counted, failed, latency_ms: ok === 0 ? null : Number((okLatency / ok).toFixed(3)), reason: reasons.length === 0 ? null : reasons.join("; ") };
    }),
  };
}

/** The heartbeats of every service (or the one named), oldest beat first. */
export function heartbeatsView(store: Store, topology: Topology, now: number, limit: number, only?: string): { services: ServiceHeartbeats[] } {
  const services = [...topology.services.values()].filter((service) => only === undefined || service.name === only);
  return {
    services: services.map((service) => {
      const rows = new Map<string, Row[]>();
      for (const check of service.checks) {
        const key = `${check.name}\u0000${check.host ?? ""}`;
        if (!rows.has(key)) rows.set(key, lastResults(store, service.name, check.name, check.host ?? "", now, limit * 2));
      }
      const { slot, beats } = serviceBeats(store, service, rows, now, limit);
      return {
        name: service.name,
        slot_s: slot === null ? null : slot / 1000,
        beats,
        checks: service.checks.map((check) => ({
          name: check.name,
          host: check.host ?? null,
          beats: (rows.get(`${check.name}\u0000${check.host ?? ""}`) ?? []).slice(0, limit).reverse().map((row) => ({
            at: new Date(row.at).toISOString(), ok: row.ok === 1, latency_ms: row.latency_us / 1000, reason: reasonOf(row),
          })),
        })),
      };
    }),
  };
}
