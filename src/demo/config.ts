// Writes the demo's config: the homelab of homelab.ts with an HTTP check on every instance, embedded
// defaults (SQLite store in the demo folder, local coordination, one agent), fast checks so a kill is
// seen within seconds, automatic failover for Headscale, and the dashboard with one operator and the
// token the `understudy demo kill` command uses. Headscale's SQLite is backed up to a local target in the
// demo folder (the demo takes the first snapshots itself, run.ts), and it has a drill: its stop scenario
// kills the primary's process and starts it again through `understudy demo kill/restore`, since the
// demo's processes have no systemd unit a failover fence could stop.
import { join } from "node:path";
import { stringify } from "yaml";
import { DEMO_HOSTS, DEMO_SERVICES } from "./homelab.js";

export interface DemoConfigInput {
  /** "host/service" → port. */
  ports: ReadonlyMap<string, number>;
  listen: string;
  dataDir: string;
  passwordHash: string;
  tokenHash: string;
  /** How to run this build's CLI: [node, bin/understudy.js]. */
  cli: readonly string[];
}

/** Where the simulated Headscale on `host` keeps its database (supervisor.ts starts it with this file). */
export const demoSqlite = (dataDir: string, service: string, host: string) => join(dataDir, `${service}-${host}.sqlite`);

/** Headscale's backup and drill: what gives the Backups and Drills pages something to show. */
function headscaleExtras(input: DemoConfigInput, primary: string): Record<string, unknown> {
  const demoCli = (...args: string[]) => [...input.cli, "demo", ...args, "--dir", input.dataDir];
  return {
    data: [{ sqlite: demoSqlite(input.dataDir, "headscale", primary) }],
    backup: { to: "demo-local", schedule: "*/10 * * * *", keep: { last: 12, hourly: 24 }, restore_test: "5 * * * *" },
    drill: {
      scenarios: { stop: { inject: { command: demoCli("kill", "headscale", "--host", primary) }, restore: { command: demoCli("restore", "headscale") } } },
      deadline: "2m",
    },
  };
}

export const portKey = (service: string, host: string) => `${host}/${service}`;

export function demoConfig(input: DemoConfigInput): string {
  const hosts = Object.fromEntries(Object.entries(DEMO_HOSTS).map(([name, host]) => [name, { address: "127.0.0.1", ...host }]));
  const services: Record<string, unknown> = {};
  for (const service of DEMO_SERVICES) {
    const instances = [...service.hosts, ...(service.standby ?? [])];
    services[service.name] = {
      ...(service.role ? { role: service.role } : {}),
      criticality: service.criticality ?? "normal",
      ...(service.standby ? { primary: service.hosts[0], standby: service.standby } : { runs_on: service.hosts }),
      ...(service.depends_on ? { depends_on: service.depends_on } : {}),
      ...(service.exposed_via ? { exposed_via: service.exposed_via } : {}),
      public: service.public ?? false,
      checks: instances.map((host) => ({
        name: `${service.name}@${host}`,
        on: host,
        http: `http://127.0.0.1:${input.ports.get(portKey(service.name, host))}/health`,
        interval: "2s",
        timeout: "1s",
        failure_threshold: 2,
      })),
      ...(service.standby ? { failover: { mode: "automatic", min_interval: "1m" }, recovery: { strategy: "automatic-failover", rto: "30s" }, target: { rto: "1m" } } : {}),
      ...(service.name === "headscale" ? headscaleExtras(input, service.hosts[0]!) : {}),
    };
  }
  services.mesh = { role: "overlay-network", criticality: "critical", depends_on: [{ service: "headscale", mode: "degrades", after: "1h" }] };
  const doc = {
    version: 1,
    hosts,
    services,
    backup_targets: { "demo-local": { local: { path: join(input.dataDir, "backups") } } },
    agents: { coordination: "local", quorum: 1, listen: input.listen, data_dir: input.dataDir, grace: "3s", name: "demo" },
    dashboard: {
      users: [{ name: "demo", role: "operator", password_hash: input.passwordHash }],
      tokens: [{ name: "demo-cli", role: "operator", token_hash: input.tokenHash }],
    },
  };
  return `# Written by \`understudy demo\`: a simulated homelab on loopback. Safe to delete.\n${stringify(doc)}`;
}
