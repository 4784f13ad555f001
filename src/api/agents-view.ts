// The dashboard's list of the agents watching (GET /api/agents): `understudy agents`'s list from etcd
// (src/coord/agent-list.ts), in the API's shape — each agent's lease age, leadership, last observation and
// the instances it sees down, and the agents that joined and are gone (died or cut off from etcd).
import type { AgentList } from "../coord/agent-list.js";
import type { AgentsView } from "./deps.js";

const iso = (ms: number | undefined) => (ms === undefined || ms <= 0 ? null : new Date(ms).toISOString());

export function agentsView(list: AgentList, now: number, quorum: number): AgentsView {
  return {
    leader: list.leader,
    quorum,
    agents: list.agents.map((agent) => ({
      name: agent.name, version: agent.version, leader: agent.leader, started_at: iso(agent.startedAt) ?? new Date(0).toISOString(),
      lease_age_s: Math.max(0, Math.round((now - agent.leaseSince) / 1000)), last_observation_at: iso(agent.lastObservationAt), down: agent.down,
    })),
    gone: list.gone,
  };
}
