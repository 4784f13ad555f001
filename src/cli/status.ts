// `understudy status`: what the running agent sees (GET /api/status on agents.listen); when no agent
// answers, the last results and open incidents kept in the data directory, saying which it read.
// With the dashboard on, the agent's API needs a login: the CLI sends the API token in
// UNDERSTUDY_TOKEN as a bearer token (`agentHeaders`, also used by the other commands that ask the
// agent), and on a 401 says how to get one before falling back to the store.
import { dirname, resolve } from "node:path";
import { agentHeaders, agentUrl, loginHint } from "../agent/client.js";
import type { AgentStatus, ServiceStatus } from "../agent/status.js";
import { statusFromStore } from "../agent/status-from-store.js";
import { formatDuration } from "../config/duration.js";
import { resolveDataDir } from "../store/data-dir.js";
import { colors, terminalWidth, writeLine, type Colors, type Io } from "./io.js";
import { CONFIG_OPTION, configPath, loadTopology, parseFlags, parseFormat, type Format } from "./options.js";
import { tableFor } from "./table.js";
import { wrapText } from "./wrap.js";

export const usage = `Usage: understudy status [--config FILE] [--format table|json|markdown]

  Services with their health, instances and last check results, and the open incidents, as the
  running agent (agents.listen) sees them. When no agent answers, reads the last results and open
  incidents from the data directory (health is then unknown) and says so.
  With the dashboard on, set UNDERSTUDY_TOKEN to an API token (understudy token create NAME --role viewer).`;

const ASK_TIMEOUT_MS = 2_000;

type Asked = { kind: "live"; status: AgentStatus } | { kind: "login" } | { kind: "none" };

async function askAgent(url: string, env: NodeJS.ProcessEnv): Promise<Asked> {
  try {
    const response = await fetch(`${url}/api/status`, { headers: agentHeaders(env), signal: AbortSignal.timeout(ASK_TIMEOUT_MS) });
    if (response.status === 401) return { kind: "login" };
    if (!response.ok) return { kind: "none" };
    return { kind: "live", status: (await response.json()) as AgentStatus };
  } catch {
    return { kind: "none" };
  }
}

export async function status(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, { ...CONFIG_OPTION, format: { type: "string", short: "f" } }, usage);
  const format = parseFormat(values.format, usage);
  const file = configPath(values.config, io.env);
  const { topology } = loadTopology(file);
  const url = agentUrl(topology.agents.listen);
  const asked = await askAgent(url, io.env);
  const live = asked.kind === "live" ? asked.status : undefined;
  if (asked.kind === "login") writeLine(io.stderr, `understudy: ${loginHint(io.env)}; reading the store instead.`);
  const dataDir = resolveDataDir(topology.agents.data_dir, io.env, dirname(resolve(file)));
  const found = live ?? statusFromStore(topology, dataDir, Date.now());
  const why = asked.kind === "login" ? `the agent at ${url} requires a login` : `no agent answered at ${url}`;
  const from = live ? `the agent at ${url}` : `the store in ${dataDir} (${why}; health is unknown)`;
  if (!found) {
    writeLine(io.stderr, `understudy: ${why} and ${dataDir} holds no state yet${asked.kind === "login" ? "" : "; start one with `understudy agent`"}`);
    return 1;
  }
  if (format === "json") {
    writeLine(io.stdout, JSON.stringify({ from: live ? { agent: url } : { store: dataDir }, ...found }, null, 2));
    return 0;
  }
  writeLine(io.stdout, render(found, from, format, colors(io), terminalWidth(io)));
  return 0;
}

function paint(state: string, c: Colors): string {
  const color = { up: c.green, down: c.red, degraded: c.yellow, suspect: c.yellow, recovering: c.cyan }[state];
  return color ? color(state) : c.dim(state);
}

function checksText(service: ServiceStatus, c: Colors): string {
  if (service.checks.length === 0) return c.dim("no checks");
  return service.checks.map((check) => {
    if (!check.last) return `${check.name} ${c.dim("not run yet")}`;
    const mark = check.last.ok ? c.green("ok") : c.red(`failed (${check.last.reason ?? "error"})`);
    return `${check.name} ${mark} ${Math.round(check.last.latency_ms)}ms`;
  }).join("; ");
}

function render(found: AgentStatus, from: string, format: Format, c: Colors, width: number): string {
  const table = tableFor(format, width);
  const heading = (text: string) => (format === "markdown" ? `## ${text}` : c.bold(text));
  const uptime = found.agent.uptime_s === null ? "" : `, up ${formatDuration(found.agent.uptime_s * 1000)}`;
  const lines = [
    wrapText(`From ${from}${found.agent.name ? `: agent ${found.agent.name}` : ""}${uptime}`, format === "markdown" ? Infinity : width),
    "",
    heading("Services"),
    table(["Service", "Health", "Instances", "Last results"], found.services.map((service) => [
      service.name,
      paint(service.health, c),
      service.instances.map((instance) => `${instance.host} ${paint(instance.state, c)}${instance.role === undefined ? "" : ` (${instance.role})`}${instance.replica ? c.dim(` (replica ${formatDuration(instance.replica.age_s * 1000)} old${instance.replica.source ? `, from ${instance.replica.source}` : ""})`) : ""}`).join(", "),
      checksText(service, c),
    ])),
    "",
    heading(`Open incidents (${found.incidents.length})`),
    found.incidents.length === 0 ? "None." : table(["#", "Severity", "Since", "Incident"], found.incidents.map((incident) => [
      String(incident.id), incident.severity, incident.opened_at, `${incident.title}${incident.silenced ? c.dim(" (silenced: maintenance)") : ""}${incident.notified ? c.dim(` (notified: ${incident.notified.join("; ")})`) : ""}`,
    ])),
  ];
  return lines.join("\n");
}
