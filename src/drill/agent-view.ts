// The running agent as a drill sees it: its /api/status (open incidents, each service's health).
// Whether one answers decides who acts in the drill: the agent (automatic mode) or the drill itself.
import type { AgentStatus } from "../agent/status.js";

export interface AgentView {
  status(): Promise<AgentStatus | undefined>;
}

export function agentView(url: string): AgentView {
  return {
    async status() {
      try {
        const response = await fetch(`${url}/api/status`, { signal: AbortSignal.timeout(2_000) });
        return response.ok ? ((await response.json()) as AgentStatus) : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

/** Open incidents a drill must not run through (silenced ones, in a maintenance window, do not count). */
export function openIncidents(status: AgentStatus): string[] {
  return status.incidents.filter((incident) => !incident.silenced).map((incident) => `#${incident.id} ${incident.title}`);
}

/** Services not up (down or degraded; unknown is not counted: nothing has been seen yet). */
export function unhealthyServices(status: AgentStatus): Set<string> {
  return new Set(status.services.filter((service) => service.health === "down" || service.health === "degraded").map((service) => service.name));
}
