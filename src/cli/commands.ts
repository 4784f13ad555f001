// The explicit list of commands: name → summary, and how to load the module that runs it. A command's
// module (and what it needs: the config schema, SQLite, the HTTP server, SSH…) is imported only when
// that command runs or shows its own help, so `understudy --help` loads none of them and `validate`
// loads no agent (bench/cli-startup.js measures it; src/cli/startup.test.ts checks the module graph).
import type { Io } from "./io.js";

export interface LoadedCommand {
  usage: string;
  run(argv: string[], io: Io): Promise<number>;
}

export interface Command {
  summary: string;
  load(): Promise<LoadedCommand>;
}

export const commands: Record<string, Command> = {
  validate: { summary: "check a config and report every problem at once", load: async () => { const m = await import("./validate.js"); return { usage: m.usage, run: m.validate }; } },
  analyze: { summary: "single points of failure, blast radius, what-if, resilience score", load: async () => { const m = await import("./analyze.js"); return { usage: m.usage, run: m.analyze }; } },
  plan: { summary: "the fixes for every SPOF, phase by phase, with the score after each step", load: async () => { const m = await import("./plan.js"); return { usage: m.usage, run: m.plan }; } },
  graph: { summary: "the topology as a Mermaid or Graphviz diagram, SPOFs marked", load: async () => { const m = await import("./graph.js"); return { usage: m.usage, run: m.graph }; } },
  schema: { summary: "print the config's JSON Schema (for editor completion)", load: async () => { const m = await import("./schema.js"); return { usage: m.usage, run: m.schema }; } },
  init: { summary: "write a first, commented config from a few answers", load: async () => { const m = await import("./init.js"); return { usage: m.usage, run: m.init }; } },
  import: { summary: "a config from Uptime Kuma (its kuma.db, or a 1.x backup) or a Gatus config", load: async () => { const m = await import("./import.js"); return { usage: m.usage, run: m.importCommand }; } },
  backup: { summary: "consistent snapshots of services' data to backup targets; list, verify, prune", load: async () => { const m = await import("./backup.js"); return { usage: m.usage, run: m.backup }; } },
  restore: { summary: "restore a snapshot into a folder, verified", load: async () => { const m = await import("./restore.js"); return { usage: m.usage, run: m.restore }; } },
  agent: { summary: "run the checks, open incidents by root cause, notify, serve /metrics and /api/status", load: async () => { const m = await import("./agent.js"); return { usage: m.usage, run: (argv, io) => m.agent(argv, io) }; } },
  agents: { summary: "the agents coordinated through etcd: vantage, leader, lease age, last observation, what each sees down", load: async () => { const m = await import("./agents.js"); return { usage: m.usage, run: m.agents }; } },
  status: { summary: "services, last results and open incidents, from the running agent or its store", load: async () => { const m = await import("./status.js"); return { usage: m.usage, run: m.status }; } },
  check: { summary: "run one check (or a service's checks) now and print what it found", load: async () => { const m = await import("./check.js"); return { usage: m.usage, run: m.check }; } },
  notify: { summary: "send a test message through the notifiers; show what each answered", load: async () => { const m = await import("./notify.js"); return { usage: m.usage, run: m.notify }; } },
  runbook: { summary: "runbooks for every host and service from the config; --check DIR for CI", load: async () => { const m = await import("./runbook.js"); return { usage: m.usage, run: m.runbook }; } },
  failover: { summary: "move a service to its standby: fence, check replica, promote, verify, switch DNS, notify", load: async () => { const m = await import("./failover.js"); return { usage: m.usage, run: m.failover }; } },
  failback: { summary: "move a service back to its primary", load: async () => { const m = await import("./failback.js"); return { usage: m.usage, run: m.failback }; } },
  history: { summary: "failovers and failbacks with each step's timing and output", load: async () => { const m = await import("./history.js"); return { usage: m.usage, run: m.history }; } },
  "status-post": { summary: "incident posts on the public status pages: create, update, resolve, list", load: async () => { const m = await import("./status-post.js"); return { usage: m.usage, run: m.statusPost }; } },
  passwd: { summary: "hash a dashboard password for the config (scrypt)", load: async () => { const m = await import("./passwd.js"); return { usage: m.usage, run: (argv, io) => m.passwd(argv, io) }; } },
  token: { summary: "make an API token for scripts and the CLI (the config keeps its hash)", load: async () => { const m = await import("./token.js"); return { usage: m.usage, run: m.token }; } },
  drill: { summary: "cause a failure, measure the failover against the target, check the data, restore; --list", load: async () => { const m = await import("./drill.js"); return { usage: m.usage, run: m.drill }; } },
  demo: { summary: "a simulated homelab on loopback with the agent and dashboard: kill a primary, watch the failover", load: async () => { const m = await import("./demo.js"); return { usage: m.usage, run: (argv, io) => m.demo(argv, io) }; } },
};
