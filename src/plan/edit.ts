// Pure edits of a validated config document, shared by the remedies' transforms. New services and hosts
// go through the config's own zod schemas, so they carry the same defaults a file would get.
import type { z } from "zod";
import { hostSchema, serviceSchema, type ConfigDocument, type ServiceDocument } from "../config/schema.js";
import { parseDuration } from "../config/duration.js";
import type { RecoveryStrategy } from "../model/topology.js";

export type ServiceInput = z.input<typeof serviceSchema>;
export type HostInput = z.input<typeof hostSchema>;
type Recovery = NonNullable<ServiceDocument["recovery"]>;

export function service(doc: ConfigDocument, name: string): ServiceDocument {
  const found = doc.services[name];
  if (!found) throw new Error(`bug: a remedy asked for service "${name}", which the config does not have`);
  return found;
}

export function updateService(doc: ConfigDocument, name: string, change: (service: ServiceDocument) => ServiceDocument): ConfigDocument {
  return { ...doc, services: { ...doc.services, [name]: change(service(doc, name)) } };
}

export function addService(doc: ConfigDocument, name: string, input: ServiceInput): ConfigDocument {
  return { ...doc, services: { ...doc.services, [name]: serviceSchema.parse(input) } };
}

export function addHost(doc: ConfigDocument, name: string, input: HostInput): ConfigDocument {
  return { ...doc, hosts: { ...doc.hosts, [name]: hostSchema.parse(input) } };
}

/** A recovery entry as the config holds it (the rto in milliseconds). */
export function recovery(strategy: RecoveryStrategy, rto: string): Recovery {
  const ms = parseDuration(rto);
  if (ms === undefined) throw new Error(`bug: "${rto}" is not a duration`);
  return { strategy, rto: ms };
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
export function withSecondHost(service: ServiceDocument, host: string): ServiceDocument {
  if (service.runs_on) return { ...service, runs_on: [...service.runs_on, host] };
  if (service.primary !== undefined) return { ...service, standby: [...(service.standby ?? []), host] };
  return service;
}

/** Active-passive: the first host serves, `standby` can take over. */
export function asFailover(service: ServiceDocument, standby: readonly string[]): ServiceDocument {
  const { runs_on: _replicas, ...rest } = service;
  const primary = service.primary ?? service.runs_on?.[0];
  if (primary === undefined) throw new Error("bug: a logical service cannot get a standby");
  return { ...rest, primary, standby: [...(service.standby ?? []), ...standby.filter((host) => host !== primary)] };
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
