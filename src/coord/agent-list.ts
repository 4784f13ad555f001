// The agents an etcd-coordinated Understudy has, as `understudy agents` shows them: each live agent's
// card (<prefix>/agents/<name>), who leads (<prefix>/leader), and what each one publishes
// (<prefix>/observations/<name>/…): when it last changed its mind and how many instances it sees down;
// and the members (<prefix>/members/<name>, agent-presence.ts) that have no live card: gone.
//
// Decisions:
//   - One transaction of three ranges, so the cards, the leader and the observations are read at the
//     same revision (no agent appears to lead while its card is already gone).
//   - Lease age is now − the card's seenAt, which the session writes when it is granted a lease; the
//     time the lease has left is not read (the Etcd contract has no lease time-to-live call): a card
//     that is listed is on a live lease, which dies at most one TTL after its agent stops renewing.
//   - The agent's name is its vantage point (agents.name), so one column says both.
import type { AgentCard, Etcd, KeyValue } from "./etcd-api.js";
import { decodeObservation, observationsPrefix, parseObservationKey } from "./observations.js";

export interface AgentRow {
  name: string;
  version: string;
  url: string | undefined;
  leader: boolean;
  startedAt: number;
  /** When its current lease was granted (the card's seenAt). */
  leaseSince: number;
  /** The lease id its card is on. */
  lease: string;
  /** Instances it publishes a verdict for. */
  observations: number;
  /** Newest `at` among its observations; undefined when it published none yet. */
  lastObservationAt: number | undefined;
  /** Instances ("service@host") it says are down. */
  down: string[];
}

export interface AgentList {
  prefix: string;
  /** The leader key's value; undefined when nobody leads. */
  leader: string | undefined;
  /** The leader key's create revision (the fencing token); 0 when nobody leads. */
  token: number;
  /** Store revision the list was read at. */
  revision: number;
  agents: AgentRow[];
  /** Agents that publish observations without a card (should not happen: both are on one lease). */
  orphans: string[];
  /** Members (agents that joined and were not stopped on purpose) without a live card: died or cut off from etcd. */
  gone: string[];
}

function parseCard(kv: KeyValue, prefix: string): AgentCard | undefined {
  try {
    const card = JSON.parse(kv.value) as Partial<AgentCard>;
    return { name: card.name ?? kv.key.slice(`${prefix}/agents/`.length), version: card.version ?? "?", startedAt: card.startedAt ?? 0, seenAt: card.seenAt ?? 0, ...(card.url ? { url: card.url } : {}) };
  } catch {
    return undefined;
  }
}

/** The leader key holds the leader's name (a JSON object with `name` is accepted too). */
function leaderName(value: string): string {
  try {
    const parsed = JSON.parse(value) as unknown;
    if (parsed && typeof parsed === "object" && typeof (parsed as { name?: unknown }).name === "string") return (parsed as { name: string }).name;
  } catch {
    // A plain name.
  }
  return value;
}

export async function listAgents(etcd: Etcd, prefix: string): Promise<AgentList> {
  const result = await etcd.txn({
    compare: [],
    success: [
      { range: { key: `${prefix}/agents/`, prefix: true } },
      { range: { key: `${prefix}/leader` } },
      { range: { key: observationsPrefix(prefix), prefix: true } },
      { range: { key: `${prefix}/members/`, prefix: true } },
    ],
  });
  const [cards = [], leaderKvs = [], observed = [], members = []] = result.responses;
  const leaderKv = leaderKvs[0];
  const leader = leaderKv ? leaderName(leaderKv.value) : undefined;
  const rows = new Map<string, AgentRow>();
  for (const kv of cards) {
    const card = parseCard(kv, prefix);
    if (!card) continue;
    rows.set(card.name, {
      name: card.name, version: card.version, url: card.url, leader: card.name === leader,
      startedAt: card.startedAt, leaseSince: card.seenAt, lease: kv.lease, observations: 0, lastObservationAt: undefined, down: [],
    });
  }
  const orphans = new Set<string>();
  for (const kv of observed) {
    const key = parseObservationKey(prefix, kv.key);
    const observation = decodeObservation(kv.value);
    if (!key || !observation) continue;
    const row = rows.get(key.agent);
    if (!row) {
      orphans.add(key.agent);
      continue;
    }
    row.observations++;
    row.lastObservationAt = Math.max(row.lastObservationAt ?? 0, observation.at);
    if (observation.state === "down") row.down.push(key.instance);
  }
  return {
    prefix, leader, token: leaderKv?.createRevision ?? 0, revision: result.revision,
    agents: [...rows.values()].sort((a, b) => a.name.localeCompare(b.name)),
    orphans: [...orphans].sort(),
    gone: members.map((kv) => kv.key.slice(`${prefix}/members/`.length)).filter((name) => !rows.has(name)).sort(),
  };
}
