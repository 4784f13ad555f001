// The running agent as a drill sees it: its /api/status (open incidents, each service's health).
// Whether one answers decides who acts in the drill: the agent (automatic mode) or the drill itself.
// With the dashboard on, the agent answers only with the token in UNDERSTUDY_TOKEN; an agent that
// refused the drill's request (401) is running, so the drill must not act as if there were none.
import { agentHeaders } from "../agent/client.js";
import type { AgentStatus } from "../agent/status.js";

export interface AgentView {
  status(): Promise<AgentStatus | undefined>;
  /** True when the last status request was refused for want of a login. */
  readonly refusedLogin?: boolean;
}

export function agentView(url: string, env: NodeJS.ProcessEnv = {}): AgentView {
  let refusedLogin = false;
  return {
    get refusedLogin() {
      return refusedLogin;
    },
    async status() {
      try {
        const response = await fetch(`${url}/api/status`, { headers: agentHeaders(env), signal: AbortSignal.timeout(2_000) });
        refusedLogin = response.status === 401;
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
