// Names on the command line (--fail A,B) to a failure scenario: a host, a service (its serving
// instance), "service@host" (that instance) or "service@*" (the service everywhere).
import type { Topology } from "../model/topology.js";
import { hostsOf } from "../model/topology.js";
import type { Scenario } from "./outcome.js";
import { didYouMean } from "../config/suggest.js";

export class UnknownComponentError extends Error {
  override name = "UnknownComponentError";
}

export function resolveComponents(topology: Topology, names: readonly string[]): Scenario {
  const hosts = new Set<string>();
  const instances = new Set<string>();
  const services = new Set<string>();
  const everything = [...topology.hosts.keys(), ...topology.services.keys()];
  const problems: string[] = [];
  if (names.length === 0) problems.push("--fail needs at least one host or service name");
  for (const name of names) {
    const [serviceName, host] = name.includes("@") ? name.split("@", 2) as [string, string] : [name, undefined];
    if (host === undefined && topology.hosts.has(name)) {
      hosts.add(name);
      continue;
    }
    const service = topology.services.get(serviceName);
    if (!service) {
      problems.push(`"${serviceName}" is neither a host nor a service${didYouMean(serviceName, everything)}`);
      continue;
    }
    const placed = hostsOf(service.placement);
    if (host === "*" || placed.length === 0) services.add(serviceName);
    else if (host === undefined) instances.add(`${serviceName}@${placed[0]}`);
    else if (placed.includes(host)) instances.add(`${serviceName}@${host}`);
    else problems.push(`${serviceName} does not run on "${host}"${didYouMean(host, placed)}; it runs on ${placed.join(", ")}`);
  }
  if (problems.length > 0) throw new UnknownComponentError(problems.join("\n"));
  return { hosts, instances, services };
}
