// The explicit list of commands: name → summary, usage and the function that runs it.
import type { Io } from "./io.js";
import * as analyze from "./analyze.js";
import * as graph from "./graph.js";
import * as plan from "./plan.js";
import * as schema from "./schema.js";
import * as validate from "./validate.js";
import * as init from "./init.js";
import * as importer from "./import.js";
import * as backup from "./backup.js";
import * as restore from "./restore.js";
import * as agentCommand from "./agent.js";
import * as statusCommand from "./status.js";
import * as checkCommand from "./check.js";
import * as runbookCommand from "./runbook.js";
import * as failoverCommand from "./failover.js";
import * as failbackCommand from "./failback.js";
import * as historyCommand from "./history.js";
import * as passwdCommand from "./passwd.js";
import * as tokenCommand from "./token.js";
import * as demoCommand from "./demo.js";
import * as drillCommand from "./drill.js";
import * as agentsCommand from "./agents.js";

export interface Command {
  summary: string;
  usage: string;
  run(argv: string[], io: Io): Promise<number>;
}

export const commands: Record<string, Command> = {
  validate: { summary: "check a config and report every problem at once", usage: validate.usage, run: validate.validate },
  analyze: { summary: "single points of failure, blast radius, what-if, resilience score", usage: analyze.usage, run: analyze.analyze },
  plan: { summary: "the fixes for every SPOF, phase by phase, with the score after each step", usage: plan.usage, run: plan.plan },
  graph: { summary: "the topology as a Mermaid or Graphviz diagram, SPOFs marked", usage: graph.usage, run: graph.graph },
  schema: { summary: "print the config's JSON Schema (for editor completion)", usage: schema.usage, run: schema.schema },
  init: { summary: "write a first, commented config from a few answers", usage: init.usage, run: init.init },
  import: { summary: "a config from an Uptime Kuma backup or a Gatus config", usage: importer.usage, run: importer.importCommand },
  backup: { summary: "consistent snapshots of services' data to backup targets; list, verify, prune", usage: backup.usage, run: backup.backup },
  restore: { summary: "restore a snapshot into a folder, verified", usage: restore.usage, run: restore.restore },
  agent: { summary: "run the checks, open incidents by root cause, notify, serve /metrics and /api/status", usage: agentCommand.usage, run: (argv, io) => agentCommand.agent(argv, io) },
  agents: { summary: "the agents coordinated through etcd: vantage, leader, lease age, last observation, what each sees down", usage: agentsCommand.usage, run: agentsCommand.agents },
  status: { summary: "services, last results and open incidents, from the running agent or its store", usage: statusCommand.usage, run: statusCommand.status },
  check: { summary: "run one check (or a service's checks) now and print what it found", usage: checkCommand.usage, run: checkCommand.check },
  runbook: { summary: "runbooks for every host and service from the config; --check DIR for CI", usage: runbookCommand.usage, run: runbookCommand.runbook },
  failover: { summary: "move a service to its standby: fence, check replica, promote, verify, switch DNS, notify", usage: failoverCommand.usage, run: failoverCommand.failover },
  failback: { summary: "move a service back to its primary", usage: failbackCommand.usage, run: failbackCommand.failback },
  history: { summary: "failovers and failbacks with each step's timing and output", usage: historyCommand.usage, run: historyCommand.history },
  passwd: { summary: "hash a dashboard password for the config (scrypt)", usage: passwdCommand.usage, run: (argv, io) => passwdCommand.passwd(argv, io) },
  token: { summary: "make an API token for scripts and the CLI (the config keeps its hash)", usage: tokenCommand.usage, run: tokenCommand.token },
  drill: { summary: "cause a failure, measure the failover against the target, check the data, restore; --list", usage: drillCommand.usage, run: drillCommand.drill },
  demo: { summary: "a simulated homelab on loopback with the agent and dashboard: kill a primary, watch the failover", usage: demoCommand.usage, run: (argv, io) => demoCommand.demo(argv, io) },
};
