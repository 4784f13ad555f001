// Which host served a failover service when, read back from the failover journal: the active host moves
// when a run's switch step completes (done or skipped, in the same transaction as the active-host state),
// and moves back when a run that had switched is rolled back. Availability is what users got, so a
// service's uptime counts the active host's checks in each stretch (uptime-view), and the public status
// page ends an outage when the service was served again, not when its primary came back.
import type { Store } from "../store/db.js";

export interface Move {
  readonly at: number;
  readonly to: string;
}

export interface ActiveStretch {
  readonly host: string;
  readonly from: number;
  readonly to: number;
}

interface MoveRow { run_status: string; from_host: string; to_host: string; switched_at: number; finished_at: number | null }

/** The moves of a service's active host before `before`, oldest first. */
export function movesOf(store: Store, service: string, before: number): Move[] {
  const rows = store.statement(`SELECT r.status AS run_status, r.from_host, r.to_host, min(s.finished_at) AS switched_at, r.finished_at
      FROM failover_runs r JOIN failover_steps s ON s.run_id = r.id
      WHERE r.service = ? AND s.step = 'switch' AND s.status IN ('done', 'skipped') AND s.finished_at < ?
      GROUP BY r.id ORDER BY switched_at`).all(service, before) as MoveRow[];
  const moves: Move[] = [];
  for (const row of rows) {
    moves.push({ at: row.switched_at, to: row.to_host });
    if (row.run_status === "rolled-back" && row.finished_at !== null && row.finished_at < before) moves.push({ at: row.finished_at, to: row.from_host });
  }
  return moves.sort((a, b) => a.at - b.at);
}

/** [from, to) cut where the active host moved; `primary` is active before any move. */
export function activeStretches(store: Store, service: string, primary: string, from: number, to: number): ActiveStretch[] {
  let host = primary;
  let start = from;
  const stretches: ActiveStretch[] = [];
  for (const move of movesOf(store, service, to)) {
    if (move.at > start) {
      stretches.push({ host, from: start, to: move.at });
      start = move.at;
    }
    host = move.to;
  }
  if (to > start) stretches.push({ host, from: start, to });
  return stretches;
}

/** When the service was first served from another host in [from, to) (a completed switch), if it was. */
export function servedAgainAt(store: Store, service: string, from: number, to: number): number | undefined {
  return movesOf(store, service, to).find((move) => move.at >= from)?.at;
}
