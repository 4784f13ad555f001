// The numbers a drill measured, from its record: time to detect (failure → down verdict), to decide
// (verdict → failover started), to switch (→ DNS answers the standby), to serve (→ the standby's check
// passes), the RTO (failure → serving) against the target, and whether the drill passed. Pure.
import type { Drill, DrillOutcome } from "./machine.js";

export interface DrillNumbers {
  detectMs: number | undefined;
  /** Of detectMs: from the failure to the first failed check. */
  firstFailureMs: number | undefined;
  decideMs: number | undefined;
  switchMs: number | undefined;
  serveMs: number | undefined;
  rtoMs: number | undefined;
  targetRtoMs: number | undefined;
  dataLostMs: number | undefined;
}

const between = (from: number | undefined, to: number | undefined) => (from === undefined || to === undefined ? undefined : Math.max(0, to - from));

export function drillNumbers(drill: Drill): DrillNumbers {
  return {
    detectMs: between(drill.injectedAt, drill.detectedAt),
    firstFailureMs: between(drill.injectedAt, drill.firstFailureAt),
    decideMs: between(drill.detectedAt, drill.decidedAt),
    switchMs: between(drill.decidedAt, drill.switchedAt),
    serveMs: between(drill.switchedAt, drill.servedAt),
    rtoMs: between(drill.injectedAt, drill.servedAt),
    targetRtoMs: drill.targetRtoMs,
    dataLostMs: drill.data?.lostMs,
  };
}

/** The outcome of a drill that got the standby serving and was restored: within the RTO target and the RPO. */
export function judge(drill: Drill, rpoMs: number | undefined, restored: boolean): { outcome: DrillOutcome; why: string[] } {
  const numbers = drillNumbers(drill);
  const why: string[] = [];
  if (numbers.rtoMs !== undefined && numbers.targetRtoMs !== undefined && numbers.rtoMs > numbers.targetRtoMs) {
    why.push(`RTO ${(numbers.rtoMs / 1000).toFixed(1)} s is over the target of ${(numbers.targetRtoMs / 1000).toFixed(1)} s`);
  }
  if (drill.data?.marker === "missing" && (rpoMs === undefined || drill.data.lostMs === undefined || drill.data.lostMs > rpoMs)) {
    why.push(`the standby lacks the last write${drill.data.lostMs === undefined ? "" : ` (about ${(drill.data.lostMs / 1000).toFixed(1)} s of data)`}${rpoMs === undefined ? "" : `, over the RPO of ${(rpoMs / 1000).toFixed(1)} s`}`);
  }
  if (!restored) why.push("the primary was not seen serving again after the restore");
  return { outcome: why.length === 0 ? "passed" : "failed", why };
}
