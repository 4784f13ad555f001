// The API's request and response shapes as zod schemas: the handlers validate input with them and
// /api/openapi.json is generated from them. CONTRACT.md describes the same shapes for people.
import { z } from "zod";
import { ROLES } from "./config.js";

const iso = z.string().describe("ISO 8601 time");
const component = z.object({ kind: z.string(), name: z.string() });

export const loginBody = z.strictObject({ name: z.string().min(1).max(200), password: z.string().min(1).max(1024) });
export const sessionResponse = z.object({ name: z.string(), role: z.enum(ROLES), csrf: z.string().describe("Send as x-csrf-token on every write.") });
export const secondFactorResponse = z.object({ second_factor: z.literal("totp"), challenge: z.string().describe("Send with the code to POST /api/login/code within 5 minutes.") });
export const loginResponse = z.union([sessionResponse, secondFactorResponse]).describe("A session, or (two-factor sign-in) a challenge for the code.");
export const loginCodeBody = z.strictObject({ challenge: z.string().min(1).max(200), code: z.string().min(1).max(64).describe("6 digits from the authenticator app, or a recovery code (abcde-fghij).") });

export const statusResponse = z.object({
  source: z.enum(["agent", "store"]),
  agent: z.object({ name: z.string(), version: z.string(), started_at: iso.nullable(), uptime_s: z.number().nullable() }),
  services: z.array(z.object({
    name: z.string(),
    criticality: z.string(),
    health: z.string(),
    instances: z.array(z.object({
      host: z.string(), state: z.string(),
      replica: z.object({ age_s: z.number(), data_time: iso, shipped_at: iso, source: z.string().nullable() }).optional().describe("The replica this host holds: its data's age (what a promotion here would lose) and the host it was taken on."),
    })),
    checks: z.array(z.object({
      name: z.string(),
      kind: z.string(),
      host: z.string().nullable(),
      interval_s: z.number(),
      last: z.object({ at: iso, ok: z.boolean(), reason: z.string().nullable(), message: z.string(), latency_ms: z.number() }).nullable(),
    })),
  })),
  incidents: z.array(z.object({ id: z.number(), title: z.string(), severity: z.string(), root: component, children: z.array(component), opened_at: iso, silenced: z.boolean(), notified: z.array(z.string()).optional().describe("Its notifications' deliveries, one line per notice") })),
  /** The running agent's coordination: who leads, and with etcd the shared (quorum) verdicts. */
  coordination: z.object({
    coordination: z.enum(["local", "etcd"]),
    leader: z.string().optional(),
    isLeader: z.boolean(),
    token: z.number(),
    quorum: z.number().optional(),
    vantages: z.number().optional(),
    verdicts: z.enum(["current", "frozen"]).optional(),
    reason: z.string().optional(),
    since: iso.optional(),
    alerting: z.enum(["quorum", "local"]).optional(),
  }).optional(),
});

export const topologyResponse = z.object({
  hosts: z.array(z.object({ name: z.string(), site: z.string().nullable(), public: z.boolean() })),
  services: z.array(z.object({
    name: z.string(),
    role: z.string().nullable(),
    criticality: z.string(),
    placement: z.object({ kind: z.enum(["replicas", "failover", "logical"]), hosts: z.array(z.string()).optional(), primary: z.string().optional(), standby: z.array(z.string()).optional() }),
    needs: z.array(z.object({ any_of: z.array(z.string()), mode: z.enum(["requires", "degrades"]), after_s: z.number().nullable(), via: z.enum(["depends_on", "exposed_via"]) })),
    active_host: z.string().nullable(),
    health: z.string(),
    roles: z.array(z.object({ host: z.string(), state: z.enum(["serving", "warm", "catching-up", "pending-fence", "down"]), since: iso, reason: z.string() })).nullable()
      .describe("A primary/standby service's instances as the failover engine holds them (null for other services): serving, warm (a ready standby), catching-up (back and fenced, receiving data), pending-fence, down."),
  })),
  spofs: z.array(z.string()),
});

export const analysisResponse = z.looseObject({ failures: z.array(z.unknown()), spofs: z.array(z.unknown()), score: z.unknown() });
export const planResponse = z.looseObject({ phases: z.array(z.unknown()), alternatives: z.array(z.unknown()), score: z.unknown(), spofs: z.array(z.unknown()) });

const flag = z.enum(["true", "false"]).transform((value) => value === "true");
export const incidentsQuery = z.object({
  open: flag.optional().describe("true: only open; false: only resolved"),
  since: z.string().optional().describe('Incidents open at or after this time: ISO 8601, or a duration back from now ("24h").'),
});
export const incidentView = z.object({
  id: z.number(),
  title: z.string(),
  severity: z.string(),
  root: component,
  children: z.array(component),
  opened_at: iso,
  updated_at: iso,
  resolved_at: iso.nullable(),
  duration_s: z.number().describe("To now while open."),
  silenced: z.boolean(),
  deliveries: z.array(z.object({
    at: iso,
    notice: z.string().describe("opened, updated:<why>, reminder:<n> or resolved"),
    notifier: z.string(),
    outcome: z.enum(["sent", "retried", "failed", "dropped"]).describe("retried: sent after more than one attempt"),
    attempts: z.number(),
    reason: z.string().optional(),
    sent_by: z.string().describe("The agent that sent it"),
    alone: z.boolean().describe("Sent by an agent cut off from etcd, from its own checks alone"),
  })).describe("Each notifier's answer to each of the incident's notifications, oldest first"),
});
export const incidentsResponse = z.object({ incidents: z.array(incidentView) });

export const WINDOWS = ["1h", "6h", "24h", "7d", "30d"] as const;
export const uptimeQuery = z.object({ window: z.enum(WINDOWS).default("24h") });
export const uptimeResponse = z.object({
  service: z.string(),
  window: z.enum(WINDOWS),
  uptime: z.number().nullable().describe("0..1; null when nothing was recorded"),
  latency: z.object({ p50_ms: z.number().nullable(), p99_ms: z.number().nullable() }),
  series: z.array(z.object({ t: iso, uptime: z.number().nullable(), p50_ms: z.number().nullable() })),
  resolution: z.enum(["raw", "minute", "hour"]).describe("What each of `points` is: a result (1h, 6h), a minute's mean (24h) or an hour's mean (7d, 30d)"),
  points: z.array(z.object({ t: iso, ms: z.number() })).describe("The response-time line, oldest first: mean latency of the successful results at `resolution`"),
});

export const heartbeatsQuery = z.object({
  service: z.string().optional().describe("Only this service (default every service)"),
  limit: z.coerce.number().int().min(1).max(100).default(30).describe("Beats per check and per service, 1..100"),
});
const checkBeat = z.object({ at: iso, ok: z.boolean(), latency_ms: z.number(), reason: z.string().nullable() });
export const agentsResponse = z.object({
  coordination: z.enum(["local", "etcd"]),
  leader: z.string().nullable(),
  quorum: z.number().nullable(),
  agents: z.array(z.object({
    name: z.string(), version: z.string(), leader: z.boolean(), started_at: iso.nullable(), lease_age_s: z.number().nullable(),
    last_observation_at: iso.nullable(), down: z.array(z.string()).describe("Instances (service@host) this agent sees down"),
  })),
  gone: z.array(z.string()).describe("Agents that joined and have no lease now: died or cut off from etcd"),
  error: z.string().optional().describe("etcd did not answer: the list is this agent only"),
});

export const heartbeatsResponse = z.object({
  services: z.array(z.object({
    name: z.string(),
    slot_s: z.number().nullable().describe("Seconds between service beats: the shortest check interval (null: no checks)"),
    beats: z.array(z.object({ at: iso, state: z.enum(["up", "degraded", "down", "none"]), checks: z.number(), failed: z.number(), latency_ms: z.number().nullable(), reason: z.string().nullable() })),
    checks: z.array(z.object({ name: z.string(), host: z.string().nullable(), beats: z.array(checkBeat) })),
  })),
});

export const failoverBody = z.strictObject({
  to: z.string().optional().describe("The standby to promote; default the first eligible."),
  kind: z.enum(["failover", "failback"]).default("failover").describe("failback: back to the primary (it must have caught up; `to` is ignored)"),
  dry_run: z.boolean().default(false),
});
export const failoversResponse = z.object({ failovers: z.array(z.unknown()) });
export const failoverResponse = z.object({ dry_run: z.boolean(), plan: z.unknown().optional(), failover: z.unknown().optional() });

export const backupsResponse = z.object({
  snapshots: z.array(z.object({ id: z.string(), service: z.string(), host: z.string(), created_at: iso, bytes: z.number(), target: z.string() })),
  replicas: z.array(z.object({ service: z.string(), host: z.string(), snapshot_id: z.string(), data_time: iso, shipped_at: iso, age_ms: z.number(), rpo_ms: z.number().nullable() })),
  note: z.string().optional(),
});
export const drillsResponse = z.object({ drills: z.array(z.unknown()) });

export const publicStatusResponse = z.object({
  services: z.array(z.object({ name: z.string(), health: z.string() })),
  incidents: z.array(z.object({ title: z.string(), opened_at: iso, resolved_at: iso.nullable() })),
});

export const demoResponse = z.object({ demo: z.literal(true), services: z.array(z.string()) });
export const demoKillResponse = z.object({ killed: z.string(), host: z.string() });
export const demoRestoreResponse = z.object({ started: z.string(), host: z.string() });
