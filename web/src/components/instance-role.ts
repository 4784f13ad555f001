// What each instance of a primary/standby service is, in one word, from the failover engine's role
// (GET /api/topology `roles`: serving, warm, catching-up, pending-fence, down) and the instance's own
// health (GET /api/status): a killed primary is "down" while it is down, not "standby" (issue 17);
// back, it is "catching up" (fenced where a fence is configured) until it holds the active instance's
// data, then a "standby" again once warm.
import type { TopologyService } from "../api/types.js";

/** Each instance's own health when the agent knows it (GET /api/status), keyed "service@host". */
export type InstanceStates = ReadonlyMap<string, string>;

export type InstanceRole = "active" | "standby" | "down" | "catching-up" | "fence-pending" | "replica";

/** The words for a role, as the graph's tag and the tables say it. */
export const ROLE_WORDS: Record<InstanceRole, string> = {
  active: "active",
  standby: "standby",
  down: "down",
  "catching-up": "catching up",
  "fence-pending": "fence pending",
  replica: "replica",
};

export function activeHostOf(service: TopologyService): string | null {
  return service.placement.kind === "failover" ? (service.active_host ?? service.placement.primary) : null;
}

export function roleOf(service: TopologyService, host: string, states: InstanceStates): InstanceRole {
  if (service.placement.kind !== "failover") return "replica";
  if (host === activeHostOf(service)) return "active";
  const engine = service.roles?.find((role) => role.host === host)?.state;
  const seen = states.get(`${service.name}@${host}`);
  if (seen === "down" || engine === "down") return "down";
  if (engine === "pending-fence") return "fence-pending";
  // Catching up means back and receiving data (or stopped by its fence: the agent then reports the role
  // itself). An instance the checks have not seen answer since it died is still down.
  if (engine === "catching-up") return seen === "unknown" || seen === "suspect" ? "down" : "catching-up";
  return "standby";
}

/** Why, in words, for a title or a table: the engine's reason where it has one. */
export function roleReason(service: TopologyService, host: string): string | null {
  return service.roles?.find((role) => role.host === host)?.reason ?? null;
}

/** "active on O001; L001 down" / "active on L001, standby O001" — the Where column of a failover service. */
export function failoverWhere(service: TopologyService, states: InstanceStates): string {
  if (service.placement.kind !== "failover") return "";
  const active = activeHostOf(service)!;
  const others = [service.placement.primary, ...service.placement.standby].filter((host) => host !== active);
  if (others.length === 0) return `active on ${active}, no standby`;
  const byRole = new Map<InstanceRole, string[]>();
  for (const host of others) {
    const role = roleOf(service, host, states);
    byRole.set(role, [...(byRole.get(role) ?? []), host]);
  }
  const parts = [...byRole].map(([role, hosts]) => (role === "standby" ? `standby ${hosts.join(", ")}` : `${hosts.join(", ")} ${ROLE_WORDS[role]}`));
  const standbyOnly = byRole.size === 1 && byRole.has("standby");
  return `active on ${active}${standbyOnly ? ", " : "; "}${parts.join("; ")}`;
}
