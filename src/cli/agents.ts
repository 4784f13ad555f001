// `understudy agents`: the agents watching this config, read from etcd (src/coord/agent-list.ts): each
// one's name (its vantage point), version, whether it leads, its lease's age, when it last changed its
// mind about an instance and which instances it sees down. With `coordination: local` there is one agent
// by definition; the command says so and, when it answers, names it (`understudy status` has the rest).
// etcd unreachable is an EtcdError, which the entry point turns into its message and exit 2.
import { agentHeaders, agentUrl, loginHint } from "../agent/client.js";
import type { AgentStatus } from "../agent/status.js";
import { formatDuration } from "../config/duration.js";
import { readSecret } from "../config/secret.js";
import { listAgents, type AgentList } from "../coord/agent-list.js";
import { connectEtcd } from "../coord/etcd-client.js";
import type { Topology } from "../model/topology.js";
import { colors, terminalWidth, writeLine, type Colors, type Io } from "./io.js";
import { CONFIG_OPTION, configPath, loadTopology, parseFlags, parseFormat } from "./options.js";
import { textTable } from "./table.js";

export const usage = `Usage: understudy agents [--config FILE] [--format table|json]

  The agents coordinated through etcd (agents.coordination.etcd): name (its vantage point), version,
  leader, lease age, last observation and the instances it sees down. Exits 1 when fewer agents are
  connected than agents.quorum (no failure can then be confirmed), 2 when etcd does not answer.
  With coordination: local there is one agent; see \`understudy status\`.`;

const ASK_TIMEOUT_MS = 2_000;
const SHOWN_DOWN = 3;

export async function agents(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, { ...CONFIG_OPTION, format: { type: "string", short: "f" } }, usage);
  const format = parseFormat(values.format, usage, ["table", "json"]);
  const { topology } = loadTopology(configPath(values.config, io.env));
  const coordination = topology.agents.coordination;
  if (coordination === "local") return localAgent(topology, format === "json", io);

  const etcd = await connectEtcd(coordination.etcd, (ref) => readSecret(ref, io.env));
  let list: AgentList;
  try {
    list = await listAgents(etcd, coordination.etcd.prefix);
  } finally {
    await etcd.close();
  }
  const now = Date.now();
  const quorum = topology.agents.quorum;
  const short = list.agents.length < quorum;
  if (format === "json") {
    writeLine(io.stdout, JSON.stringify({ coordination: "etcd", endpoints: coordination.etcd.endpoints, quorum, ...list, ttl_ms: coordination.etcd.ttl }, null, 2));
    return short ? 1 : 0;
  }
  const c = colors(io);
  writeLine(io.stdout, renderAgents(list, now, coordination.etcd.ttl, c, terminalWidth(io)));
  const leader = list.leader === undefined ? c.yellow("no leader") : `leader ${list.leader} (fencing token ${list.token})`;
  writeLine(io.stdout, `\n${list.agents.length} agent${list.agents.length === 1 ? "" : "s"} under ${list.prefix} on ${coordination.etcd.endpoints.join(", ")}; ${leader}; quorum ${quorum}.`);
  if (list.agents.length === 0) writeLine(io.stdout, c.yellow("No agent is connected: start one with `understudy agent` on each machine that should watch."));
  else if (short) writeLine(io.stdout, c.yellow(`Fewer agents than the quorum (${quorum}): no failure can be confirmed, so nothing fails over; start ${quorum - list.agents.length} more.`));
  if (list.gone.length > 0) writeLine(io.stdout, c.red(`Gone (joined, not stopped on purpose, no live lease: died or cut off from etcd): ${list.gone.join(", ")}. The leader has an incident open for each.`));
  if (list.orphans.length > 0) writeLine(io.stdout, c.yellow(`Observations without an agent card: ${list.orphans.join(", ")} (they vanish with their lease).`));
  return short ? 1 : 0;
}

/** The agents table, fitted to `width`. */
export function renderAgents(list: AgentList, now: number, ttlMs: number, c: Colors, width: number): string {
  const ago = (at: number | undefined) => (at === undefined ? "—" : `${formatDuration(Math.max(0, now - at))} ago`);
  const rows = list.agents.map((agent) => [
    agent.name,
    agent.version,
    agent.leader ? c.bold("leader") : "",
    `${formatDuration(Math.max(0, now - agent.leaseSince))} (TTL ${formatDuration(ttlMs)})`,
    ago(agent.lastObservationAt),
    agent.down.length === 0 ? "0" : c.red(`${agent.down.length}: ${agent.down.slice(0, SHOWN_DOWN).join(", ")}${agent.down.length > SHOWN_DOWN ? ", …" : ""}`),
    agent.url ?? "",
  ]);
  return textTable(["agent (vantage)", "version", "leader", "lease age", "last observation", "sees down", "url"], rows, width);
}

async function localAgent(topology: Topology, json: boolean, io: Io): Promise<number> {
  const url = agentUrl(topology.agents.listen);
  let status: AgentStatus | undefined;
  let refused = false;
  try {
    const response = await fetch(`${url}/api/status`, { headers: agentHeaders(io.env), signal: AbortSignal.timeout(ASK_TIMEOUT_MS) });
    refused = response.status === 401;
    if (response.ok) status = (await response.json()) as AgentStatus;
  } catch {
    // Not running (or not answering): said below.
  }
  if (json) {
    writeLine(io.stdout, JSON.stringify({ coordination: "local", quorum: topology.agents.quorum, agent: status ? { ...status.agent, url } : null }, null, 2));
  } else {
    const running = status
      ? `${status.agent.name} (version ${status.agent.version}, up ${formatDuration((status.agent.uptime_s ?? 0) * 1000)}) at ${url}`
      : refused ? `the one at ${url} answered, but ${loginHint(io.env)}` : `none answered at ${url}; start it with \`understudy agent\``;
    writeLine(io.stdout, `coordination: local — one agent: ${running}. See \`understudy status\`.`);
  }
  return status ? 0 : 1;
}
