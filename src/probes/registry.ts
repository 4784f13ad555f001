// PLACEHOLDER until the probe kinds land (owned by the probes work).
import type { ProbeKind } from "./probe.js";
export const probeKinds: readonly ProbeKind[] = [];
export function findProbeKind(kind: string): ProbeKind | undefined {
  return probeKinds.find((candidate) => candidate.kind === kind);
}
