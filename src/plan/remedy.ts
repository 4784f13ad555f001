// The contract every remedy in the catalogue meets: what the seed says about one way to remove a single
// point of failure (phase, effort, recovery, trade-offs) and the same fix as a pure change of the config,
// so that the plan can prove its effect by re-running the analysis instead of quoting numbers.
import type { ConfigDocument } from "../config/schema.js";
import type { ConfigEdit } from "./change.js";

/** A fix as edits of the config (see change.ts). Pure: reads the config as it stands before the fix. */
export type ConfigChange = (doc: ConfigDocument) => ConfigEdit[];

/** What a step did, for the NixOS snippet that carries it out on the hosts. */
export interface NixContext {
  service: string;
  before: ConfigDocument;
  after: ConfigDocument;
}

/** The seed's implementation order: quick wins this week, core resilience this month, the rest next quarter. */
export type Phase = 1 | 2 | 3;

export interface Effort {
  /** A rough estimate of the hands-on time. */
  hours: number;
  complexity: "low" | "medium" | "high";
}

export interface Remedy {
  /** Stable identifier, used in JSON and tests. */
  id: string;
  name: string;
  phase: Phase;
  /** Applied by the plan; otherwise listed as an alternative with its trade-offs. */
  recommended: boolean;
  /**
   * "service": offered for each service that makes a SPOF; "plan": offered once for the whole plan
   * (drills, runbooks), after the fixes it exercises.
   */
  scope: "service" | "plan";
  /** Recovery after the fix, as the seed states it; the transform writes the same value into the config. */
  recovery: { rto_s: number | null; note: string };
  effort: Effort;
  pros: readonly string[];
  cons: readonly string[];
  /**
   * The services the fix would add or change for `service` (the one causing the SPOF); empty when the
   * remedy does not fit this service or is already in place, so re-running a plan is a no-op.
   */
  appliesTo(doc: ConfigDocument, service: string): string[];
  change(service: string): ConfigChange;
  /**
   * What Understudy itself carries out of this remedy once the change is in the config (e.g. a
   * health-checked DNS failover), as a sentence; absent when the work is all on the hosts.
   */
  understudy?: string;
  /** The NixOS configuration that carries the fix out, per host, in the seed's style; absent for practices. */
  nix?(context: NixContext): NixSnippet[];
}

export interface NixSnippet {
  /** The host the configuration goes on, or null for one that belongs on every host concerned. */
  host: string | null;
  /** A Nix attribute set's body (`services.x = { … };` lines), parsable inside `{ … }`. */
  body: string;
}

/** The remedies for a family of roles, in the order the plan applies them within a phase. */
export interface RemedyFamily {
  name: string;
  /** Roles this family answers for; `undefined` marks the fallback for any other role. */
  roles: readonly string[] | undefined;
  remedies: readonly Remedy[];
}
