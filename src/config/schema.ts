// The config file's schema: the user's contract (see DESIGN.md, "The config file").
// zod is the single source: validation, TypeScript types and the published JSON Schema all come from here.
// Cross-field rules (names that must exist, cycles) live in rules.ts; this file checks shapes only.
import { z } from "zod";
import { durationSchema } from "./duration.js";
import { probeKinds } from "../probes/registry.js";
import { notifierKinds } from "../notify/registry.js";
import { notifierFilterKeys, notifyPolicySchema } from "../notify/policy.js";
import { backupTargetsSchema, serviceBackupShape } from "../backup/config.js";
import { dashboardSchema } from "../api/config.js";
import { statusPagesSchema } from "../status-page/config.js";
import { failoverSchema } from "../failover/config.js";
import { drillSchema } from "../drill/config.js";
import { guardSchema } from "./guard-schema.js";
import { heartbeatSchema } from "./heartbeat.js";
import { secretRef } from "./secret.js";

/** Host and service names: what users type on the command line and what appears in DNS-ish places. */
export const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const name = (what: string) =>
  z.string().regex(NAME, { message: `a ${what} name: letters, digits, "_", "." and "-", starting with a letter or digit` });

const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item)]).transform((value) => (Array.isArray(value) ? value : [value]) as z.output<T>[]);

export const CRITICALITIES = ["critical", "high", "normal", "low"] as const;
export const criticalitySchema = z.enum(CRITICALITIES);
export type Criticality = z.output<typeof criticalitySchema>;

export const RECOVERY_STRATEGIES = ["automatic-failover", "manual-failover", "restore-from-backup", "rebuild"] as const;

const sshSchema = z
  .strictObject({
    user: z.string().default("root").describe("Login user for fencing, promotion and ssh checks."),
    port: z.number().int().min(1).max(65535).default(22),
    private_key: secretRef.optional().describe('Secret reference to the private key: "file:/run/secrets/understudy-ssh".'),
    host_key: z.string().optional().describe('The host key fingerprint to pin, as `ssh-keygen -lf` prints it: "SHA256:…".'),
    connect_timeout: durationSchema
      .optional()
      .describe("How long a TCP connection to this host's sshd may take before the host counts as unreachable: a fence of a cut-off host then fails this fast and is retried in the background. Default 1.5s (one lost SYN is resent after 1 s); raise it for a slow link."),
  })
  .describe("How Understudy reaches this host over SSH.");

export const hostSchema = z
  .strictObject({
    address: z.string().min(1).describe("IP address or DNS name the agents use to reach the host (a tailnet address is fine)."),
    site: z.string().optional().describe('Where it runs ("home", "linode", "oracle"): failures of a whole site are analysed too.'),
    public: z.boolean().default(false).describe("Reachable from the internet."),
    description: z.string().optional(),
    ssh: sshSchema.optional(),
  })
  .describe("A machine: a VPS, a home server, a NAS, a router.");

const dependencySchema = z.union([
  name("service"),
  z.strictObject({
    service: name("service"),
    mode: z
      .enum(["requires", "degrades"])
      .default("requires")
      .describe("requires: down when the dependency is down; degrades: keeps working for a while, then degrades."),
    after: durationSchema.optional().describe('For mode "degrades": how long it keeps working without the dependency ("1h").'),
  }),
]);

const recoverySchema = z
  .strictObject({
    strategy: z.enum(RECOVERY_STRATEGIES).describe("How the service comes back today."),
    rto: durationSchema.describe("Today's honest estimate of the time to recover."),
  })
  .describe("Today's way back after a failure.");

const targetSchema = z
  .strictObject({
    rto: durationSchema.optional().describe("Recovery time objective: the longest acceptable outage."),
    rpo: durationSchema.optional().describe("Recovery point objective: the most data (as time) acceptable to lose."),
  })
  .describe("What we want.");

const dataSchema = z.union([
  z.strictObject({ sqlite: z.string().min(1).describe("A SQLite database, copied consistently while the service writes.") }),
  z.strictObject({ path: z.string().min(1).describe("A directory or file, copied with mode, owner, mtime and symlinks.") }),
  z.strictObject({ command: z.array(z.string()).min(1).describe("A dump command as argv (never a shell string), e.g. [pg_dump, app].") }),
]);

/** A check: the common scheduling keys plus exactly one probe kind key (http, dns, tcp…). */
const probeKeys = Object.fromEntries(probeKinds.map((kind) => [kind.kind, kind.schema.optional()]));
export const checkSchema = z
  .strictObject({
    name: z.string().optional().describe("A name for the check; defaults to the service, kind and target."),
    on: name("host").optional().describe("The host whose instance this check watches; defaults to the service's first host."),
    interval: durationSchema.prefault("30s").describe("Time between runs."),
    timeout: durationSchema.prefault("10s").describe("A run taking longer fails with reason timeout."),
    jitter: durationSchema.prefault("0s").describe("Random delay added to each run to spread load."),
    failure_threshold: z.number().int().min(1).default(2).describe("Consecutive failures before the instance counts as down."),
    success_threshold: z.number().int().min(1).default(1).describe("Consecutive successes before it counts as up again."),
    ...probeKeys,
  })
  .describe(`A check: scheduling keys plus exactly one of ${probeKinds.map((kind) => kind.kind).join(", ")}.`);

export const serviceSchema = z
  .strictObject({
    description: z.string().optional(),
    role: z.string().optional().describe("What the service is for; known roles carry recommendations in `understudy plan`."),
    criticality: criticalitySchema.default("normal").describe("How much its loss hurts: critical, high, normal, low."),
    runs_on: oneOrMany(name("host")).optional().describe("Active-active replicas: any one of these hosts suffices."),
    primary: name("host").optional().describe("Active-passive: the host that serves normally."),
    standby: oneOrMany(name("host")).optional().describe("Active-passive: hosts that can take over, in order. Empty: a SPOF."),
    depends_on: z.array(dependencySchema).default([]).describe("Services this one needs: a name, or { service, mode: degrades, after }."),
    exposed_via: oneOrMany(name("service")).optional().describe("Reachable only through one of these (a reverse proxy, a tunnel)."),
    recovery: recoverySchema.optional(),
    target: targetSchema.optional(),
    checks: z.array(checkSchema).default([]),
    data: z.array(dataSchema).default([]).describe("What must travel with the service to a standby or a backup."),
    failover: failoverSchema.optional(),
    drill: drillSchema.optional(),
    public: z.boolean().default(false).describe("Shown on the public status page (its name and health only)."),
    ...serviceBackupShape,
  })
  .describe("A service: runs_on (replicas) or primary + standby, or neither for a logical service (a mesh, a LAN).");

const etcdSchema = z.strictObject({
  endpoints: z.array(z.string().url()).min(1).describe('Client URLs of the members ("https://10.0.0.1:2379").'),
  ca_file: z.string().optional().describe("CA certificate (PEM) the members' certificates chain to."),
  cert_file: z.string().optional().describe("Client certificate (PEM) for mutual TLS."),
  key_file: z.string().optional().describe("Client key (PEM) for mutual TLS."),
  username: z.string().optional().describe("etcd user (with password) when etcd auth is on."),
  password: secretRef.optional().describe('Secret reference: "env:NAME" or "file:/path"; a password written in the config is refused.'),
  prefix: z.string().default("/understudy").describe("Key prefix: several Understudy clusters can share one etcd."),
  ttl: durationSchema.prefault("10s").describe("Lease TTL: an agent that stops renewing is gone after this long; the leader demotes itself well before."),
}).describe("An etcd cluster (3 or 5 members) holding leadership, shared observations, active hosts and the failover journal.");

const agentsSchema = z.strictObject({
  coordination: z
    .union([z.literal("local"), z.strictObject({ etcd: etcdSchema })])
    .default("local")
    .describe('"local" (embedded, one agent) or { etcd: { endpoints: [...] } } for several agents.'),
  quorum: z.number().int().min(1).default(1).describe("Vantage points that must agree before a failure counts."),
  listen: z.string().default("127.0.0.1:8470").describe("Address of the agent's HTTP API, dashboard and /metrics."),
  host_names: z.array(z.string().min(1)).default([]).describe("Other names the HTTP API is reached by (a reverse proxy's public name, the name Prometheus scrapes). Requests naming any other host are refused (DNS rebinding); the listen host, localhost and IP addresses are always accepted."),
  data_dir: z.string().optional().describe("Where the agent keeps its SQLite state (relative to the config file; ~/ is your home); defaults to $STATE_DIRECTORY, else .understudy beside the config."),
  concurrency: z.number().int().min(1).default(256).describe("Most checks running at once; a check kept waiting is counted as schedule lag, never silently skipped."),
  grace: durationSchema.prefault("30s").describe("After the agent starts, failures are recorded but open no incident for this long."),
  retention: z
    .strictObject({
      raw: durationSchema.prefault("2d").describe("Keep every result this long."),
      minute: durationSchema.prefault("14d").describe("Keep per-minute rollups this long."),
      hour: durationSchema.prefault("400d").describe("Keep per-hour rollups this long."),
    })
    .prefault({})
    .describe("How long results are kept; older ones live on only as rollups, so the state stays bounded."),
  name: z.string().optional().describe("This agent's name (its vantage point); defaults to the machine's hostname."),
  heartbeat: heartbeatSchema.optional(),
});

const maintenanceSchema = z
  .strictObject({
    name: z.string().min(1),
    hosts: z.array(name("host")).default([]).describe("Hosts covered; with services also empty, everything is covered."),
    services: z.array(name("service")).default([]).describe("Services covered."),
    start: z.string().optional().describe('A one-off window\'s start as local date and time "YYYY-MM-DDTHH:MM" in timezone ("2026-12-01T02:00").'),
    end: z.string().optional().describe("A one-off window's end (or give duration)."),
    cron: z.string().optional().describe('A recurring window\'s start as cron ("0 2 * * 0": Sundays at 02:00, in timezone).'),
    duration: durationSchema.optional().describe("How long each window lasts."),
    timezone: z.string().default("UTC").describe('IANA time zone of start, end and cron ("Europe/Berlin").'),
  })
  .describe("A maintenance window: failures inside it are recorded but alert nobody.");

const notifierKeys = Object.fromEntries(notifierKinds.map((kind) => [kind.kind, kind.schema.optional()]));
export const notifyItemSchema = z
  .strictObject({
    min_severity: criticalitySchema.default("low").describe("Only send for incidents at least this severe."),
    ...notifierFilterKeys,
    ...notifierKeys,
  })
  .describe(`A notifier: exactly one of ${notifierKinds.map((kind) => kind.kind).join(", ")}.`);

// Guarded: a kind's refinement or transform that throws gives a diagnostic, never an exception (guard-schema.ts).
export const configSchema = guardSchema(z
  .strictObject({
    version: z.literal(1).describe("Config format version; always 1 for now."),
    hosts: z.record(name("host"), hostSchema).describe("The machines, by name."),
    services: z.record(name("service"), serviceSchema).describe("The services, by name."),
    agents: agentsSchema.prefault({}),
    notify: z.array(notifyItemSchema).default([]),
    notify_policy: notifyPolicySchema.prefault({}),
    maintenance: z.array(maintenanceSchema).default([]),
    backup_targets: backupTargetsSchema,
    dashboard: dashboardSchema.optional(),
    status_pages: statusPagesSchema,
  })
  .describe("Understudy configuration: hosts, services, what depends on what and what stands in for what."));

export type ConfigInput = z.input<typeof configSchema>;
export type ConfigDocument = z.output<typeof configSchema>;
export type ServiceDocument = z.output<typeof serviceSchema>;
export type HostDocument = z.output<typeof hostSchema>;
export type CheckDocument = z.output<typeof checkSchema>;
