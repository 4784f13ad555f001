// A verdict source for alerting that leaves out instances stopped by design: a warm standby (its service
// is stopped until promoted, so its checks fail) is not a failure, and must neither open an incident nor
// degrade its service. Such an instance reads `unknown` here; the failover work says which instances are
// stopped by design (src/failover/instance-states.ts) and judges their readiness its own way.
import type { InstanceChange, HealthState, VerdictSource } from "./verdict.js";

export function withoutExpectedDown(source: VerdictSource, stoppedByDesign: ((service: string, host: string) => boolean) | undefined): VerdictSource {
  if (!stoppedByDesign) return source;
  const view = (service: string, host: string, state: HealthState): HealthState => (state !== "up" && stoppedByDesign(service, host) ? "unknown" : state);
  return {
    instanceState: (service, host) => view(service, host, source.instanceState(service, host)),
    // An instance stopped by design reads unknown, so it has no down checks to show.
    downEvidence: (service, host) => (stoppedByDesign(service, host) ? [] : source.downEvidence?.(service, host)),
    onChange(listener) {
      return source.onChange((change) => {
        const seen: InstanceChange = { ...change, from: view(change.service, change.host, change.from), to: view(change.service, change.host, change.to) };
        if (seen.from !== seen.to) listener(seen);
      });
    },
  };
}
