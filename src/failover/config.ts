// The `failover:` block of a service: how Understudy moves it from its primary to a standby and back.
// The config schema (src/config/schema.ts) takes `failoverSchema` from here; the cross-field rules
// (hosts that must exist and be reachable over SSH, exactly one kind per action) are in ./rules.ts.
//
// A word on fencing, as Pacemaker warns: fencing over SSH (or any command run *on* the old primary)
// cannot fence a host that is dead or cut off: the command never arrives. Only an out-of-band fence
// (a PDU, the hypervisor's or the cloud's API, via `command` or `webhook`) can. With `required: true`
// and an SSH fence, a dead primary blocks the failover; that is the price of never having two primaries.
import { z } from "zod";
import { durationSchema } from "../config/duration.js";
import { dnsProviderKinds } from "../dns/registry.js";
import { RECORD_TYPES } from "../dns/provider.js";
import { argvSchema } from "../probes/command-expect.js";
import { secretValueSchema } from "../probes/secret-value.js";

export const ACTION_KINDS = ["ssh", "command", "webhook"] as const;

const actionShape = {
  ssh: z
    .strictObject({
      host: z.string().optional().describe("The host to run it on (its `ssh:` block is used); default: the old active host for fence, the standby for promote."),
      command: argvSchema,
    })
    .optional()
    .describe("A command run over SSH with the host's pinned key. Cannot reach a dead host."),
  command: argvSchema.optional().describe("A local command (on the agent's machine) as argv; UNDERSTUDY_SERVICE, UNDERSTUDY_FROM and UNDERSTUDY_TO are set."),
  webhook: z
    .strictObject({
      url: z.string().url(),
      method: z.enum(["POST", "PUT", "PATCH", "GET", "DELETE"]).default("POST"),
      headers: z.record(z.string(), secretValueSchema).default({}).describe('Headers; a value may be { secret: "env:NAME", prefix: "Bearer " }.'),
    })
    .optional()
    .describe("An HTTP request; any 2xx answer is success. The body is JSON { service, from, to, step }."),
  timeout: durationSchema.optional().describe("How long one attempt may take (default: the step's own, 30s)."),
};

export const actionSchema = z
  .strictObject(actionShape)
  .describe("An action: exactly one of ssh: { host, command }, command: [argv], webhook: { url, method, headers }.");

export const fenceSchema = z
  .strictObject({
    ...actionShape,
    required: z
      .boolean()
      .default(false)
      .describe("true: no promote unless the fence succeeded. SSH fencing cannot fence a dead host (Pacemaker's warning): a required SSH fence blocks failover from a dead primary; use an out-of-band fence (PDU, hypervisor, cloud API) for that."),
  })
  .describe("Fence the old active host before the standby is promoted (stop its unit, cut it off). Best effort unless required.");

const dnsKindKeys = Object.fromEntries(dnsProviderKinds.map((kind) => [kind.kind, kind.schema.optional()]));
export const dnsSwitchSchema = z
  .strictObject({
    ...dnsKindKeys,
    name: z.string().min(1).describe("The record to point at the active host, e.g. hs.example.org."),
    type: z.enum(RECORD_TYPES).default("A").describe("A (default), AAAA, CNAME or TXT; the value written is the active host's address."),
    ttl: z.number().int().min(0).default(60).describe("Seconds. Resolvers keep the old answer this long: keep it well under the target RTO."),
  })
  .describe(`Switch traffic through DNS: exactly one provider (${dnsProviderKinds.map((kind) => kind.kind).join(", ")}) plus name, type and ttl.`);

export const failoverSchema = z
  .strictObject({
    mode: z
      .enum(["manual", "automatic"])
      .default("manual")
      .describe("manual: alert with the exact command to run; automatic: the agent fails over on a verdict."),
    fence: fenceSchema.optional(),
    promote: actionSchema.optional().describe("Make the standby serve (e.g. systemctl start headscale); default: nothing to do (a hot standby)."),
    restore: actionSchema
      .optional()
      .describe("Make a fenced host serve again when a run is rolled back (undo the fence); default: the promote action, run on that host."),
    dns: z
      .union([dnsSwitchSchema, z.array(dnsSwitchSchema).min(1)])
      .transform((value) => (Array.isArray(value) ? value : [value]))
      .optional()
      .describe("The record to point at the active host, or a list of records (each with its provider, name, type, ttl) switched together, each read back, and rolled back together when one fails: every name a proxy in front of the service answers for."),
    min_interval: durationSchema.optional().describe("Anti-flap: no failover sooner than this after the previous one. Default 10m."),
    max_per_hour: z.number().int().min(1).optional().describe("Anti-flap: at most this many failovers in any hour. Default 3."),
    self_fence_after: durationSchema
      .optional()
      .describe("The old primary's agent demotes itself after this long alone; a promote never happens before it has passed since the primary was last seen up (pg_auto_failover: 20 s demote, 30 s promote wait). Default 0s: no agent runs on the primary."),
    failback: z
      .strictObject({ after: durationSchema.describe("How long the primary must be up without a break before moving back.") })
      .optional()
      .describe("Automatic failback to the primary once it has been stable this long; without it the service stays on the standby."),
    verify_timeout: durationSchema
      .optional()
      .describe("How long the verify step keeps running the standby's checks before it gives up and the run rolls back: the promoted service's start-up time, with margin. Default 60s."),
    force_stale_replica: z.boolean().optional().describe("Promote even a standby whose replica is older than the RPO (or unknown). Default false: such a promote is refused."),
  })
  .describe("How the service fails over: mode, fence, promote, dns, anti-flap guards, self-fence wait, failback.");

export type FailoverDocument = z.output<typeof failoverSchema>;
export type ActionConfig = z.output<typeof actionSchema>;
export type FenceConfig = z.output<typeof fenceSchema>;
export type DnsSwitchConfig = z.output<typeof dnsSwitchSchema>;


/** A failover block with every default filled in: what the plan, guards and agent read. */
export interface FailoverConfig extends Omit<FailoverDocument, "min_interval" | "max_per_hour" | "self_fence_after" | "force_stale_replica" | "verify_timeout"> {
  min_interval: number;
  verify_timeout: number;
  max_per_hour: number;
  self_fence_after: number;
  force_stale_replica: boolean;
}

/** Long enough for a service that needs a few seconds to open its database and listen. */
export const DEFAULT_VERIFY_TIMEOUT_MS = 60_000;

// Defaults are applied here rather than in the schema so that code building config documents (the
// plan's remedies) can write `failover: { mode: "automatic" }` and nothing more.
export function failoverSettings(block: FailoverDocument | undefined): FailoverConfig {
  const doc = block ?? { mode: "manual" as const };
  return {
    ...doc,
    min_interval: doc.min_interval ?? 10 * 60_000,
    max_per_hour: doc.max_per_hour ?? 3,
    verify_timeout: doc.verify_timeout ?? DEFAULT_VERIFY_TIMEOUT_MS,
    self_fence_after: doc.self_fence_after ?? 0,
    force_stale_replica: doc.force_stale_replica ?? false,
  };
}

/** The DNS records a failover switches, in the order written (none without a `dns:` block). */
export const dnsRecordsOf = (config: Pick<FailoverDocument, "dns">): DnsSwitchConfig[] => config.dns ?? [];

/** The one kind key an action or dns block has (after the rules checked there is exactly one). */
export function kindsOf(block: object, kinds: readonly string[]): string[] {
  return kinds.filter((kind) => (block as Record<string, unknown>)[kind] !== undefined);
}
