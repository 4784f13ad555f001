// Collects an imported config piece by piece: hosts derived from target hostnames, services with unique
// names, checks and notifiers each validated against their kind's own schema (so a value the source
// accepted but Understudy would refuse is reported, not written), and secrets turned into variables.
import { NAME } from "../config/schema.js";
import { findNotifierKind } from "../notify/registry.js";
import { findProbeKind } from "../probes/registry.js";
import type { ImportReport, SecretToSet, Unmapped } from "./report.js";

export type Json = Record<string, unknown>;

export interface ImportedConfig {
  version: 1;
  hosts: Record<string, { address: string }>;
  services: Record<string, Json>;
  notify: Json[];
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

export class ConfigBuilder {
  readonly unmapped: Unmapped[] = [];
  readonly notes: string[] = [];
  readonly #secrets: SecretToSet[] = [];
  readonly #hosts = new Map<string, string>();
  readonly #services: Record<string, Json> = {};
  readonly #notify: Json[] = [];
  #checks = 0;

  constructor(readonly source: string) {}

  skip(item: string, reason: string): void {
    this.unmapped.push({ item, reason });
  }

  /** The host for a target hostname or address, named after it. */
  host(hostname: string): string {
    const name = hostname.replace(/^\[|\]$/g, "").replace(/[^A-Za-z0-9_.-]/g, "-").replace(/^[-_.]+/, "") || "host";
    this.#hosts.set(name, hostname.replace(/^\[|\]$/g, ""));
    return name;
  }

  /** An "env:NAME" reference for a secret, with a unique variable name and a line in the report. */
  secret(hint: string, what: string, existing?: string): string {
    let variable = existing ?? hint.toUpperCase().replace(/[^A-Z0-9]+/g, "_").replace(/^_+|_+$/g, "");
    if (!/^[A-Z_]/.test(variable)) variable = `_${variable}`;
    if (existing === undefined) {
      const base = variable;
      for (let n = 2; this.#secrets.some((secret) => secret.variable === variable); n++) variable = `${base}_${n}`;
    }
    if (!this.#secrets.some((secret) => secret.variable === variable)) this.#secrets.push({ variable, what });
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

  notifier(item: string, kind: string, spec: Json): void {
    const notifier = findNotifierKind(kind);
    const parsed = notifier?.schema.safeParse(spec);
    if (!parsed?.success) {
      this.skip(item, notifier ? `the ${kind} notifier would be invalid (${firstIssue(parsed!.error)})` : `Understudy has no ${kind} notifier`);
      return;
    }
    this.#notify.push({ [kind]: spec });
  }

  /** Adds a service under a unique name; returns the name used. */
  service(wanted: string, hosts: string[], checks: Json[], extra: Json = {}): string {
    let name = slug(wanted);
    for (let n = 2; Object.hasOwn(this.#services, name); n++) name = `${slug(wanted)}-${n}`;
    const unique = [...new Set(hosts)];
    this.#services[name] = { ...(unique.length > 0 ? { runs_on: unique } : {}), ...extra, checks };
    this.#checks += checks.length;
    return name;
  }

  build(): { config: ImportedConfig; report: ImportReport } {
    const hosts = Object.fromEntries([...this.#hosts].sort(([a], [b]) => a.localeCompare(b)).map(([name, address]) => [name, { address }]));
    if (this.#hosts.size > 0) {
      this.notes.push(`${this.#hosts.size} host${this.#hosts.size === 1 ? " was" : "s were"} derived, one per distinct hostname in the targets and named after it (${[...this.#hosts.keys()].join(", ")}). ` +
        "Several names may be one machine: merge them and rename them to your hosts, so the analysis sees what fails together.");
    }
    if (Object.keys(this.#services).length > 0) this.notes.push("Every service is imported with criticality normal: mark the critical and high ones, then run `understudy analyze`.");
    return {
      config: { version: 1, hosts, services: this.#services, notify: this.#notify },
      report: {
        source: this.source,
        imported: { services: Object.keys(this.#services).length, checks: this.#checks, notifiers: this.#notify.length },
        unmapped: this.unmapped,
        secrets: this.#secrets,
        notes: this.notes,
      },
    };
  }
}
