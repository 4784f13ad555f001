// Edits of a validated config, shared by the remedies: each helper reads the config as it stands and
// returns the edits (change.ts) that make the fix, written as a user would write them in the file.
import type { hostSchema, serviceSchema, ConfigDocument, ServiceDocument } from "../config/schema.js";
import type { z } from "zod";
import type { RecoveryStrategy } from "../model/topology.js";
import type { ConfigEdit } from "./change.js";

export type ServiceInput = z.input<typeof serviceSchema>;
export type HostInput = z.input<typeof hostSchema>;

export function service(doc: ConfigDocument, name: string): ServiceDocument {
  const found = doc.services[name];
  if (!found) throw new Error(`bug: a remedy asked for service "${name}", which the config does not have`);
  return found;
}

export const setKey = (name: string, key: string, value: unknown): ConfigEdit => ({ op: "set", path: ["services", name, key], value });
export const appendTo = (name: string, key: string, value: unknown): ConfigEdit => ({ op: "append", path: ["services", name, key], value });
export const addService = (name: string, input: ServiceInput): ConfigEdit => ({ op: "set", path: ["services", name], value: input });
export const addHost = (name: string, input: HostInput): ConfigEdit => ({ op: "set", path: ["hosts", name], value: input });

/** A recovery entry as the file holds it ("rto: 1m"). */
export function recovery(strategy: RecoveryStrategy, rto: string): { strategy: RecoveryStrategy; rto: string } {
  return { strategy, rto };
}

/** The hosts a service is placed on: its replicas, or its primary then standbys. */
export function placed(service: ServiceDocument): string[] {
  return service.runs_on ?? [...(service.primary === undefined ? [] : [service.primary]), ...(service.standby ?? [])];
}

/** True when one host's loss leaves the service nowhere to run (a logical service has no host to lose). */
export function singleHosted(service: ServiceDocument): boolean {
  return placed(service).length === 1;
}

/** Another host for the service, in the shape it already has: one more replica, or one more standby. */
export function withSecondHost(doc: ConfigDocument, name: string, host: string): ConfigEdit[] {
  const s = service(doc, name);
  if (s.runs_on) return [appendTo(name, "runs_on", host)];
  if (s.primary !== undefined) return [appendTo(name, "standby", host)];
  return [];
}

/** Active-passive: the first host serves, `standby` can take over. */
export function asFailover(doc: ConfigDocument, name: string, standby: readonly string[]): ConfigEdit[] {
  const s = service(doc, name);
  const primary = s.primary ?? s.runs_on?.[0];
  if (primary === undefined) throw new Error("bug: a logical service cannot get a standby");
  const more = standby.filter((host) => host !== primary && !(s.standby ?? []).includes(host));
  const edits: ConfigEdit[] = s.runs_on ? [{ op: "rename", path: ["services", name, "runs_on"], to: "primary", value: primary }] : [];
  if (s.standby === undefined || s.runs_on) return [...edits, setKey(name, "standby", [...(s.standby ?? []), ...more])];
  return [...edits, ...more.map((host) => appendTo(name, "standby", host))];
}

/** The services that depend on this one (an NFS server's clients). */
export function clientsOf(doc: ConfigDocument, name: string): string[] {
  return Object.entries(doc.services)
    .filter(([, s]) => s.depends_on.some((dep) => (typeof dep === "string" ? dep : dep.service) === name))
    .map(([client]) => client);
}

export function servicesExposedVia(doc: ConfigDocument, proxy: string): string[] {
  return Object.entries(doc.services).filter(([, s]) => s.exposed_via?.includes(proxy)).map(([name]) => name);
}

/** A name for a service the fix adds, avoiding one the user already has for something else. */
export function freeServiceName(doc: ConfigDocument, wanted: string, role: string): string {
  const existing = doc.services[wanted];
  if (!existing || existing.role === role) return wanted;
  for (let n = 2; ; n++) if (!doc.services[`${wanted}-${n}`]) return `${wanted}-${n}`;
}
