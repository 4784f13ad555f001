// A journal run as `understudy history --format json` and the dashboard show it: times as ISO text,
// each step with its duration, and the detect / decide / act split of the whole run.
import type { RunRecord } from "./journal.js";

export interface HistoryView {
  id: number;
  service: string;
  kind: string;
  from: string;
  to: string;
  status: string;
  reason: string;
  forced: boolean;
  /** The fencing token the run last acted under (a resumed run gets a new one). */
  token: number;
  detected_at: string | null;
  started_at: string;
  finished_at: string | null;
  /** Confirmed failure → plan started (guards, planning). */
  decide_ms: number | null;
  /** Plan started → switch done (or the run's end when it did not switch). */
  act_ms: number | null;
  summary: string | null;
  steps: Array<{ step: string; attempt: number; status: string; started_at: string; duration_ms: number | null; reason: string | null; output: string | null }>;
}

const iso = (at: number | undefined) => (at === undefined ? null : new Date(at).toISOString());

export function historyView(run: RunRecord): HistoryView {
  const switched = [...run.steps].reverse().find((step) => step.step === "switch" && step.status === "done");
  const actEnd = switched?.finishedAt ?? run.finishedAt;
  return {
    id: run.id, service: run.service, kind: run.kind, from: run.from, to: run.to, status: run.status, reason: run.reason, forced: run.forced, token: run.token,
    detected_at: iso(run.detectedAt), started_at: iso(run.startedAt)!, finished_at: iso(run.finishedAt),
    decide_ms: run.detectedAt === undefined ? null : run.startedAt - run.detectedAt,
    act_ms: actEnd === undefined ? null : actEnd - run.startedAt,
    summary: run.summary ?? null,
    steps: run.steps.map((step) => ({
      step: step.step, attempt: step.attempt, status: step.status, started_at: iso(step.startedAt)!,
      duration_ms: step.finishedAt === undefined ? null : step.finishedAt - step.startedAt, reason: step.reason ?? null, output: step.output ?? null,
    })),
  };
}
