// Why a service is degraded, in words, from the topology and the instance states. The agent calls a
// failover service "degraded" when it serves from one host while another of its hosts is down: after
// a failover that is the normal state (served by the standby, the old primary dead), and the word
// alone reads like "half broken". The reason says what it means: it serves, but nothing is left to
// take over if this host fails too.
import type { TopologyService } from "../api/types.js";
import type { InstanceStates } from "./topology-layout.js";

const serving = (state: string | undefined) => state === "up" || state === "suspect" || state === "recovering";

export function healthReason(service: TopologyService, states: InstanceStates, healthOf: (name: string) => string | undefined = () => undefined): string | null {
  if (service.health !== "degraded") return null;
  const placement = service.placement;
  const state = (host: string) => states.get(`${service.name}@${host}`);
  if (placement.kind === "failover") {
    const active = service.active_host ?? placement.primary;
    const down = [placement.primary, ...placement.standby].filter((host) => host !== active && state(host) === "down");
    if (!serving(state(active)) || down.length === 0) return null;
    const left = [placement.primary, ...placement.standby].filter((host) => host !== active && !down.includes(host));
    const from = active === placement.primary ? `serving from ${active}` : `serving from standby ${active}`;
    return left.length > 0 ? `${from}; ${down.join(", ")} down` : `${from}; no redundancy: ${down.join(", ")} down`;
  }
  if (placement.kind === "replicas") {
    const down = placement.hosts.filter((host) => state(host) === "down");
    if (down.length > 0 && placement.hosts.some((host) => serving(state(host)))) return `${placement.hosts.length - down.length} of ${placement.hosts.length} replicas serving; ${down.join(", ")} down`;
  }
  // Otherwise it is what it needs: name the needs that are not up.
  const weak = service.needs.flatMap((need) => need.any_of).filter((name) => healthOf(name) === "down" || healthOf(name) === "degraded");
  return weak.length > 0 ? `needs ${weak.map((name) => `${name} (${healthOf(name)})`).join(", ")}` : null;
}
