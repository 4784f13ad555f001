// Drills as people and scripts read them: the JSON of `understudy drill --list`, the table's rows
// (measured RTO against the target, over time), and the runbook's "Last drill" fact. Pure.
import type { DrillFact } from "../runbook/context.js";
import type { Drill } from "./machine.js";
import { drillNumbers } from "./measure.js";

export interface DrillJson {
  id: number;
  service: string;
  scenario: string;
  mode: string;
  from: string;
  to: string;
  started_at: string;
  finished_at: string | null;
  state: string;
  outcome: string | null;
  detect_ms: number | null;
  first_failure_ms: number | null;
  decide_ms: number | null;
  switch_ms: number | null;
  serve_ms: number | null;
  rto_ms: number | null;
  target_rto_ms: number | null;
  data: { marker: string; lost_ms: number | null; note: string } | null;
  summary: string | null;
  notes: string[];
}

const orNull = (value: number | undefined) => (value === undefined ? null : value);
const iso = (at: number | undefined) => (at === undefined ? null : new Date(at).toISOString());

export function drillJson(drill: Drill): DrillJson {
  const n = drillNumbers(drill);
  return {
    id: drill.id, service: drill.service, scenario: drill.scenario, mode: drill.mode, from: drill.primary, to: drill.standby,
    started_at: iso(drill.startedAt)!, finished_at: iso(drill.finishedAt), state: drill.state, outcome: drill.outcome ?? null,
    detect_ms: orNull(n.detectMs), first_failure_ms: orNull(n.firstFailureMs), decide_ms: orNull(n.decideMs), switch_ms: orNull(n.switchMs),
    serve_ms: orNull(n.serveMs), rto_ms: orNull(n.rtoMs), target_rto_ms: orNull(n.targetRtoMs),
    data: drill.data ? { marker: drill.data.marker, lost_ms: orNull(drill.data.lostMs), note: drill.data.note } : null,
    summary: drill.summary ?? null, notes: drill.notes,
  };
}

const seconds = (ms: number | undefined) => (ms === undefined ? "—" : `${(ms / 1000).toFixed(1)} s`);

export const DRILL_COLUMNS = ["#", "service", "when", "scenario", "outcome", "detect", "decide", "switch", "serve", "RTO / target", "data lost"] as const;

export function drillRow(drill: Drill): string[] {
  const n = drillNumbers(drill);
  const lost = drill.data === undefined ? "—" : drill.data.marker === "present" ? "0" : drill.data.marker === "missing" ? (drill.data.lostMs === undefined ? "last write" : seconds(drill.data.lostMs)) : drill.data.marker;
  return [
    String(drill.id), drill.service, new Date(drill.startedAt).toISOString().slice(0, 16).replace("T", " "), drill.scenario, drill.outcome ?? drill.state,
    seconds(n.detectMs), seconds(n.decideMs), seconds(n.switchMs), seconds(n.serveMs),
    `${seconds(n.rtoMs)} / ${n.targetRtoMs === undefined ? "none" : seconds(n.targetRtoMs)}`, lost,
  ];
}

/** The runbook's "Last drill": the newest drill of each service that measured something (refused ones did not). */
export function drillFacts(drills: readonly Drill[]): Map<string, DrillFact> {
  const facts = new Map<string, DrillFact>();
  for (const drill of drills) {
    if (facts.has(drill.service) || drill.state !== "finished" || drill.servedAt === undefined) continue;
    const n = drillNumbers(drill);
    facts.set(drill.service, {
      at: new Date(drill.startedAt).toISOString().slice(0, 16).replace("T", " ") + " UTC",
      detect_s: Math.round((n.detectMs ?? 0) / 100) / 10,
      failover_s: Math.round((n.rtoMs ?? 0) / 100) / 10,
      data_lost_s: drill.data?.lostMs === undefined ? null : Math.round(drill.data.lostMs / 100) / 10,
      passed: drill.outcome === "passed",
    });
  }
  return facts;
}
