// Collects an imported config piece by piece: hosts derived from target hostnames, services with unique
// names, checks and notifiers each validated against their kind's own schema (so a value the source
// accepted but Understudy would refuse is reported, not written), and secrets turned into variables.
// Every item lands in the report as mapped, approximated or dropped; checks that must not run (a paused
// or negated monitor) are kept beside their service as a commented-out block, not in its checks.
import { NAME } from "../config/schema.js";
import { findNotifierKind } from "../notify/registry.js";
import { findProbeKind } from "../probes/registry.js";
import type { ImportReport, Outcome, ReportRow, SecretToSet } from "./report.js";

export type Json = Record<string, unknown>;

export interface ImportedConfig {
  version: 1;
  hosts: Record<string, { address: string }>;
  services: Record<string, Json>;
  notify: Json[];
  maintenance?: Json[];
}

/** "Home Assistant (LAN)" → "home-assistant-lan"; "" → "service". */
export function slug(text: string): string {
  const cleaned = text.toLowerCase().replace(/[^a-z0-9_.-]+/g, "-").replace(/^[-_.]+|[-_.]+$/g, "");
  return NAME.test(cleaned) ? cleaned : "service";
}

/** A zod error's first issue, as a sentence. */
function firstIssue(error: { issues: readonly { message: string; path: readonly PropertyKey[] }[] }): string {
  const issue = error.issues[0];
  if (issue === undefined) return "invalid";
  return issue.path.length > 0 ? `${issue.path.map(String).join(".")}: ${issue.message}` : issue.message;
}

/** A service's checks that are imported but must not run yet, and why. */
export interface HeldChecks {
  reason: string;
  checks: Json[];
  /** The line before the checks; default "To run it, move it into checks:". */
  hint?: string;
}

export class ConfigBuilder {
  readonly rows: ReportRow[] = [];
  readonly notes: string[] = [];
  readonly maintenance: Json[] = [];
  readonly #secrets: SecretToSet[] = [];
  readonly #hosts = new Map<string, string>();
  readonly #services: Record<string, Json> = {};
  readonly #notify: Json[] = [];
  readonly #held = new Map<string, HeldChecks>();
  #checks = 0;

  constructor(readonly source: string) {}

  row(item: string, outcome: Outcome, detail: string): void {
    this.rows.push({ item, outcome, detail });
  }

  /** Dropped: not in the config; the reason says why and what to do. */
  skip(item: string, reason: string): void {
    this.row(item, "dropped", reason);
  }

  /** Approximated: in the config, but not exactly as it was; the detail says how it differs. */
  approx(item: string, how: string): void {
    this.row(item, "approximated", how);
  }

  mapped(item: string, where: string): void {
    this.row(item, "mapped", where);
  }

  /** The host for a target hostname or address, named after it. */
  host(hostname: string): string {
    const name = hostname.replace(/^\[|\]$/g, "").replace(/[^A-Za-z0-9_.-]/g, "-").replace(/^[-_.]+/, "") || "host";
    this.#hosts.set(name, hostname.replace(/^\[|\]$/g, ""));
    return name;
  }

  /** An "env:NAME" reference for a secret, with a unique variable name and a line in the report. */
  secret(hint: string, what: string, existing?: string, value?: string): string {
    let variable = existing ?? hint.toUpperCase().replace(/[^A-Z0-9]+/g, "_").replace(/^_+|_+$/g, "");
    if (!/^[A-Z_]/.test(variable)) variable = `_${variable}`;
    if (existing === undefined) {
      const base = variable;
      for (let n = 2; this.#secrets.some((secret) => secret.variable === variable); n++) variable = `${base}_${n}`;
    }
    if (!this.#secrets.some((secret) => secret.variable === variable)) this.#secrets.push({ variable, what, ...(value ? { value } : {}) });
    return `env:${variable}`;
  }

  /** A check validated by its kind's schema; undefined (and reported) when Understudy would refuse it. */
  check(item: string, kind: string, spec: unknown, scheduling: Json = {}): Json | undefined {
    const probe = findProbeKind(kind);
    const parsed = probe?.schema.safeParse(spec);
    if (!parsed?.success) {
      this.skip(item, probe ? `the ${kind} check would be invalid (${firstIssue(parsed!.error)})` : `Understudy has no ${kind} check`);
      return undefined;
    }
    return { [kind]: spec, ...scheduling };
  }

  /** A notifier validated by its kind's schema, named (so that the report can point at it); false when refused. */
  notifier(item: string, kind: string, spec: Json, name?: string): boolean {
    const notifier = findNotifierKind(kind);
    const parsed = notifier?.schema.safeParse(spec);
    if (!parsed?.success) {
      this.skip(item, notifier ? `the ${kind} notifier would be invalid (${firstIssue(parsed!.error)})` : `Understudy has no ${kind} notifier`);
      return false;
    }
    let named = name === undefined ? undefined : slug(name);
    for (let n = 2; named !== undefined && this.#notify.some((entry) => entry.name === named); n++) named = `${slug(name!)}-${n}`;
    this.#notify.push({ ...(named ? { name: named } : {}), [kind]: spec });
    this.mapped(item, `notifier ${named ?? kind}`);
    return true;
  }

  /** Adds a service under a unique name; returns the name used. */
  service(wanted: string, hosts: string[], checks: Json[], extra: Json = {}, held?: HeldChecks): string {
    let name = slug(wanted);
    for (let n = 2; Object.hasOwn(this.#services, name); n++) name = `${slug(wanted)}-${n}`;
    const unique = [...new Set(hosts)];
    this.#services[name] = { ...(unique.length > 0 ? { runs_on: unique } : {}), ...extra, checks };
    this.#checks += checks.length;
    if (held && held.checks.length > 0) this.#held.set(name, held);
    return name;
  }

  /** Adds keys to a service made earlier (depends_on of a group, public: true). */
  amend(name: string, keys: Json): void {
    const service = this.#services[name];
    if (service) Object.assign(service, keys);
  }

  build(): { config: ImportedConfig; report: ImportReport; held: Map<string, HeldChecks> } {
    const hosts = Object.fromEntries([...this.#hosts].sort(([a], [b]) => a.localeCompare(b)).map(([name, address]) => [name, { address }]));
    if (this.#hosts.size > 0) {
      this.notes.push(`${this.#hosts.size} host${this.#hosts.size === 1 ? " was" : "s were"} derived, one per distinct hostname in the targets and named after it (${[...this.#hosts.keys()].join(", ")}). ` +
        "Several names may be one machine: merge them and rename them to your hosts, so the analysis sees what fails together.");
    }
    if (Object.keys(this.#services).length > 0) this.notes.push("Every service is imported with criticality normal: mark the critical and high ones, then run `understudy analyze`.");
    return {
      config: { version: 1, hosts, services: this.#services, notify: this.#notify, ...(this.maintenance.length > 0 ? { maintenance: this.maintenance } : {}) },
      held: this.#held,
      report: {
        source: this.source,
        imported: { services: Object.keys(this.#services).length, checks: this.#checks, notifiers: this.#notify.length },
        rows: this.rows,
        secrets: this.#secrets,
        notes: this.notes,
      },
    };
  }
}
