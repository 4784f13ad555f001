// What `understudy init` learns from the user, and the parsing of its flags into it. Pure.
// `--host H001=100.64.0.13`, `--service forgejo@H001`, `--service adguard@H003,H002:dns:high`.
import { CRITICALITIES, NAME, type Criticality } from "../config/schema.js";

export interface HostAnswer {
  name: string;
  address: string;
}

export interface ServiceAnswer {
  name: string;
  /** Where it runs: replicas, or with `standby` the primary alone. */
  hosts: string[];
  role?: string;
  criticality?: Criticality;
  /** Hosts that can take over (active-passive; `hosts` then holds the primary). */
  standby?: string[];
  /** Checks as config entries, e.g. { http: "https://…" }, each valid against the check schema. */
  checks?: Array<Record<string, unknown>>;
  depends_on?: string[];
  exposed_via?: string[];
  public?: boolean;
}

/** A notifier: its kind, its keys as written in the config, and the variables its secrets are read from. */
export interface NotifierAnswer {
  kind: string;
  spec: Record<string, unknown>;
  secrets: string[];
}

export interface InitAnswers {
  hosts: HostAnswer[];
  services: ServiceAnswer[];
  notifiers?: NotifierAnswer[];
}

/** A flag or answer that does not parse: the message says what was expected. */
export class AnswerError extends Error {
  override name = "AnswerError";
}

export function checkName(name: string, what: string): string {
  if (!NAME.test(name)) throw new AnswerError(`"${name}" is not a ${what} name: letters, digits, "_", "." and "-", starting with a letter or digit`);
  return name;
}

export function isCriticality(text: string): text is Criticality {
  return (CRITICALITIES as readonly string[]).includes(text);
}

/** "H001=100.64.0.13" */
export function parseHostFlag(text: string): HostAnswer {
  const at = text.indexOf("=");
  if (at <= 0 || at === text.length - 1) throw new AnswerError(`--host ${text}: expected NAME=ADDRESS, e.g. H001=100.64.0.13`);
  const address = text.slice(at + 1).trim();
  if (/\s/.test(address)) throw new AnswerError(`--host ${text}: the address must not contain spaces`);
  return { name: checkName(text.slice(0, at).trim(), "host"), address };
}

/** "NAME@HOST[,HOST][:role[:criticality]]" */
export function parseServiceFlag(text: string): ServiceAnswer {
  const match = /^([^@]+)@([^:]+)(?::([^:]*))?(?::([^:]*))?$/.exec(text);
  if (!match) throw new AnswerError(`--service ${text}: expected NAME@HOST[,HOST][:role[:criticality]], e.g. adguard@H003:dns:high`);
  const [, name = "", hostList = "", role, criticality] = match;
  const hosts = hostList.split(",").map((host) => checkName(host.trim(), "host"));
  const answer: ServiceAnswer = { name: checkName(name.trim(), "service"), hosts };
  if (role) answer.role = role.trim();
  if (criticality) {
    if (!isCriticality(criticality)) throw new AnswerError(`--service ${text}: criticality must be one of ${CRITICALITIES.join(", ")}`);
    answer.criticality = criticality;
  }
  return answer;
}

/** Cross-checks: no duplicate names, every service on declared hosts. */
export function checkAnswers(answers: InitAnswers): void {
  if (answers.hosts.length === 0) throw new AnswerError("no hosts: give at least one --host NAME=ADDRESS");
  const hosts = new Set<string>();
  for (const host of answers.hosts) {
    if (hosts.has(host.name)) throw new AnswerError(`host ${host.name} is given twice`);
    hosts.add(host.name);
  }
  const services = new Set<string>();
  for (const service of answers.services) {
    if (services.has(service.name)) throw new AnswerError(`service ${service.name} is given twice`);
    services.add(service.name);
    const unknown = [...service.hosts, ...(service.standby ?? [])].filter((host) => !hosts.has(host));
    if (unknown.length > 0) throw new AnswerError(`service ${service.name} runs on ${unknown.join(", ")}, which is not a host; add --host ${unknown[0]}=ADDRESS`);
  }
  for (const service of answers.services) {
    const missing = [...(service.depends_on ?? []), ...(service.exposed_via ?? [])].filter((name) => !services.has(name));
    if (missing.length > 0) throw new AnswerError(`service ${service.name} names ${missing.join(", ")}, which is not a service`);
  }
}
