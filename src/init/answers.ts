// What `understudy init` learns from the user, and the parsing of its flags into it. Pure.
// `--host H001=100.64.0.13`, `--service forgejo@H001`, `--service adguard@H003,H002:dns:high`.
import { CRITICALITIES, NAME, type Criticality } from "../config/schema.js";

export interface HostAnswer {
  name: string;
  address: string;
}

export interface ServiceAnswer {
  name: string;
  hosts: string[];
  role?: string;
  criticality?: Criticality;
}

/** A notifier chosen at init: a URL that holds no secret, or a secret the user exports. */
export type NotifierAnswer =
  | { kind: "ntfy"; url: string }
  | { kind: "gotify"; url: string }
  | { kind: "discord" }
  | { kind: "slack" };

export const NOTIFIER_CHOICES = ["ntfy", "gotify", "discord", "slack", "none"] as const;

export interface InitAnswers {
  hosts: HostAnswer[];
  services: ServiceAnswer[];
  notifier?: NotifierAnswer;
}

/** A flag or answer that does not parse: the message says what was expected. */
export class AnswerError extends Error {
  override name = "AnswerError";
}

function checkName(name: string, what: string): string {
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
    const unknown = service.hosts.filter((host) => !hosts.has(host));
    if (unknown.length > 0) throw new AnswerError(`service ${service.name} runs on ${unknown.join(", ")}, which is not a host; add --host ${unknown[0]}=ADDRESS`);
  }
}
