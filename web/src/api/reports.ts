// The analysis and plan reports (the JSON of `understudy analyze` / `understudy plan --format json`,
// src/cli/analyze.ts and src/cli/plan.ts `toJson`), backups and drills. Failovers: api/failover-view.ts.

export interface Recovery {
  strategy: string | null;
  rto_s: number | null;
}

export interface FailureReport {
  component: string;
  kind: string;
  unavailable: string[];
  degraded: string[];
  severity: string;
  recovery: Recovery | null;
  meets_target: boolean | null;
  reason: string;
}

export interface Analysis {
  failures: FailureReport[];
  spofs: FailureReport[];
  /** value is null when there is nothing to score (no services); reason then says so. */
  score: { value: number | null; reason?: string; services: number; survive_any_single_failure: number; exposed: string[]; spofs: number };
}

export interface PlanStep {
  remedy_id: string;
  remedy: string;
  phase: number;
  service: string | null;
  spof: string[];
  applies_to: string[];
  recovery_after: { rto_s: number | null; note: string };
  effort: { hours: number; complexity: string };
  pros: string[];
  cons: string[];
  score_before: number;
  score_after: number;
  spofs_before: number;
  spofs_after: number;
}

export interface Plan {
  phases: Array<{ phase: number; name: string; when: string; steps: PlanStep[]; score_after: number }>;
  score: { before: number; after: number };
  spofs: { before: string[]; after: string[] };
}

export interface Snapshot {
  id: string;
  service: string;
  host: string;
  created_at: string;
  bytes: number;
  target: string;
}

export interface Replica {
  service: string;
  host: string;
  snapshot_id: string;
  data_time: string;
  shipped_at: string;
  age_ms: number;
  rpo_ms: number | null;
}

export interface Backups {
  snapshots: Snapshot[];
  replicas: Replica[];
  note?: string;
}

/** A drill as the agent's /api/drills gives it: the JSON of `understudy drill --list --format json`. */
export interface Drill {
  id: number;
  service: string;
  scenario: string;
  started_at: string;
  state: string;
  outcome: "passed" | "failed" | "aborted" | "refused" | "interrupted" | null;
  detect_ms: number | null;
  rto_ms: number | null;
  target_rto_ms: number | null;
  data: { lost_ms: number | null; note: string } | null;
  summary: string | null;
}
