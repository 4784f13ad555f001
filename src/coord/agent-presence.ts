// Watching the watchers: which agents an etcd-coordinated Understudy should have, and which are gone.
//
// Keys under the prefix:
//   <prefix>/members/<name>   written (no lease) by each agent when it joins; deleted when it stops on
//                             purpose (`understudy agent` stopped), so a deliberate stop pages no one
//   <prefix>/agents/<name>    its card, on its lease (session.ts): present while the agent is alive and
//                             reaches etcd
// A member without a card for longer than the grace (one lease TTL after its lease ended) is gone: it
// died, or it is cut off from etcd. The leader turns that into an incident of its own, root
// "agent:<name>", through the shared notices (src/agent/shared-notices.ts), resolved when the card is back.
import type { Etcd } from "./etcd-api.js";
import type { Notification } from "../notify/notifier.js";

export interface Presence {
  members: string[];
  live: string[];
}

export function memberKey(prefix: string, name: string): string {
  return `${prefix.replace(/\/+$/, "")}/members/${name}`;
}

export async function readPresence(etcd: Etcd, prefix: string): Promise<Presence> {
  const base = prefix.replace(/\/+$/, "");
  const result = await etcd.txn({ compare: [], success: [{ range: { key: `${base}/members/`, prefix: true } }, { range: { key: `${base}/agents/`, prefix: true } }] });
  const [members = [], cards = []] = result.responses;
  return {
    members: members.map((kv) => kv.key.slice(`${base}/members/`.length)).sort(),
    live: cards.map((kv) => kv.key.slice(`${base}/agents/`.length)).sort(),
  };
}

export interface GoneAgent {
  name: string;
  /** When the leader first saw its card missing. */
  since: number;
  notification: Notification;
}

/** "2 of 3 vantage points left; quorum still possible" (or lost). */
export function vantageSummary(presence: Presence, quorum: number): string {
  const live = presence.live.filter((name) => presence.members.includes(name)).length;
  const total = presence.members.length;
  return `${live} of ${total} vantage point${total === 1 ? "" : "s"} left; ${live >= quorum ? "quorum still possible" : `quorum (${quorum}) lost: no failure can be confirmed, so nothing fails over`}`;
}

/** Remembers since when each member's card has been missing (in this process: a new leader starts over). */
export class AgentAbsence {
  private readonly missingSince = new Map<string, number>();

  /** The members gone for at least `graceMs`, each with the opening it deserves. */
  gone(presence: Presence, now: number, graceMs: number, quorum: number): GoneAgent[] {
    for (const name of [...this.missingSince.keys()]) if (presence.live.includes(name) || !presence.members.includes(name)) this.missingSince.delete(name);
    const out: GoneAgent[] = [];
    for (const name of presence.members) {
      if (presence.live.includes(name)) continue;
      const since = this.missingSince.get(name) ?? now;
      this.missingSince.set(name, since);
      if (now - since < graceMs) continue;
      const title = `agent ${name} is gone: ${vantageSummary(presence, quorum)}`;
      out.push({
        name, since,
        notification: {
          key: `agent:${name}`, event: "opened", severity: "high", at: now, title,
          body: `Its etcd lease ended: it died, or it cannot reach etcd. The other agents go on watching; its vantage point is missing until it is back.`,
          fields: { root: `agent:${name}`, agent: name, live: presence.live, members: presence.members },
        },
      });
    }
    return out;
  }
}

/** The resolution of an agent's incident: its card is back. */
export function agentBack(name: string, presence: Presence, quorum: number, openedAt: number, now: number): Notification {
  return {
    key: `agent:${name}`, event: "resolved", severity: "high", at: now, title: `Resolved: agent ${name} is back`,
    body: `Agent ${name} reaches etcd again: ${vantageSummary(presence, quorum).replace(" left", "")}.`,
    fields: { root: `agent:${name}`, agent: name, open_for_ms: now - openedAt },
  };
}
