// The dry-run plans the Failover page asks for before a person presses anything, so a button the guards
// would refuse is disabled with the guards' reason beside it rather than failing after a click. Asked
// again whenever `key` changes (the page passes the service's live facts: health, active host, roles),
// and every RECHECK_MS while refused, since some guards lapse with time alone (min_interval, max_per_hour).
import { useEffect, useState } from "preact/hooks";
import { api } from "./client.js";
import { failoverPlanView, type FailoverPlanView } from "./failover-view.js";

export type MoveKind = "failover" | "failback";

export interface PlanState {
  plan: FailoverPlanView | null;
  /** Why no plan: the agent's sentence ("headscale already runs on its primary L001"). */
  error: string | null;
}

const RECHECK_MS = 10_000;

export const failoverPath = (name: string) => `/api/failover/${encodeURIComponent(name)}`;

export function usePlan(service: string | null, kind: MoveKind, key: string): PlanState {
  const [state, setState] = useState<PlanState>({ plan: null, error: null });
  const [tick, setTick] = useState(0);
  const refused = blockedBy(state) !== null;
  useEffect(() => {
    if (service === null || !refused) return;
    const timer = setTimeout(() => setTick((count) => count + 1), RECHECK_MS);
    return () => clearTimeout(timer);
  }, [service, refused, state]);
  useEffect(() => {
    if (service === null) return;
    let current = true;
    api<{ plan?: unknown }>(failoverPath(service), { method: "POST", body: { dry_run: true, ...(kind === "failback" ? { kind } : {}) } }).then(
      (answer) => current && setState({ plan: failoverPlanView(answer.plan), error: null }),
      (failure: unknown) => current && setState({ plan: null, error: failure instanceof Error ? failure.message : String(failure) }),
    );
    return () => {
      current = false;
    };
  }, [service, kind, key, tick]);
  // A new service, kind or key starts from nothing (the dialog shows "loading" rather than an old plan).
  useEffect(() => setState({ plan: null, error: null }), [service, kind, key]);
  return service === null ? { plan: null, error: null } : state;
}

/** Why the move cannot start now, or null when the guards would let it. */
export function blockedBy(state: PlanState): string | null {
  if (state.error !== null) return state.error;
  if (state.plan && state.plan.refusals.length > 0) return `the guards refuse: ${state.plan.refusals.join("; ")}`;
  return null;
}
