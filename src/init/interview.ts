// The questions `understudy init` asks on a terminal: the hosts, then each service (where it runs, its
// standbys, role, criticality and checks), then how services lean on each other (depends on, reached
// through), which are public, and where alerts go (every notifier kind). It talks through `ask` and
// `say` only, so the same flow runs on a TTY and in tests from a scripted stream. An answer that does
// not fit is explained in words fit for a prompt ("Please type a name, or press Ctrl-C to stop") and
// the question asked again, never silently taken.
import { parse as parseYaml } from "yaml";
import { checkSchema, CRITICALITIES } from "../config/schema.js";
import { probeKinds } from "../probes/registry.js";
import { AnswerError, checkName, isCriticality, type HostAnswer, type InitAnswers, type NotifierAnswer, type ServiceAnswer } from "./answers.js";
import { askNotifierOf, NOTIFIER_KINDS } from "./notifier-questions.js";
import { listOf, until, type Conversation } from "./until.js";

export type { Conversation } from "./until.js";

const PROBE_KINDS: readonly string[] = probeKinds.map((kind) => kind.kind);

async function askHosts(talk: Conversation): Promise<HostAnswer[]> {
  talk.say("Hosts: the machines (a VPS, a home server, a NAS, a router). Press Enter on an empty name when done.");
  const hosts: HostAnswer[] = [];
  for (;;) {
    const name = await until(talk, `Host name${hosts.length === 0 ? " (e.g. H001)" : ""}: `, (answer) => {
      if (answer === "" && hosts.length === 0) throw new AnswerError("Please type a name for your first host (e.g. nas), or press Ctrl-C to stop.");
      if (hosts.some((host) => host.name === answer)) throw new AnswerError(`${answer} is already listed; type another name, or press Enter when done.`);
      return answer === "" ? "" : checkName(answer, "host");
    });
    if (name === "") return hosts;
    const address = await until(talk, `Address of ${name} (IP or DNS name): `, (answer) => {
      if (answer === "") throw new AnswerError(`Please type the address of ${name} (e.g. 192.168.1.10 or nas.lan), or press Ctrl-C to stop.`);
      if (/\s/.test(answer)) throw new AnswerError("An address has no spaces; type e.g. 192.168.1.10 or nas.lan.");
      return answer;
    });
    hosts.push({ name, address });
  }
}

function hostList(answer: string, names: ReadonlySet<string>): string[] {
  const parsed = listOf(answer);
  const unknown = parsed.filter((host) => !names.has(host));
  if (unknown.length > 0) throw new AnswerError(`${unknown.join(", ")} is not a host you listed (${[...names].join(", ")}); type one of those.`);
  return parsed;
}

/** "http https://x/" → { http: "https://x/" }; "dns { name: x, server: y }" → { dns: { … } }; checked against the check schema. */
export function parseCheck(answer: string): Record<string, unknown> {
  const match = /^(\S+)\s+(.+)$/.exec(answer);
  const example = "Type it as KIND TARGET, e.g. http https://nas.lan/ or tcp 10.0.0.2:22, or press Enter to go on.";
  if (!match) throw new AnswerError(`A check is a kind and its target. ${example}`);
  const [, kind = "", target = ""] = match;
  if (!PROBE_KINDS.includes(kind)) throw new AnswerError(`"${kind}" is not a kind of check; the kinds are ${PROBE_KINDS.join(", ")}. ${example}`);
  let value: unknown = target;
  if (target.startsWith("{")) {
    try {
      value = parseYaml(target);
    } catch {
      throw new AnswerError(`{ … } after the kind is YAML, and this is not: ${target}. ${example}`);
    }
  }
  const check = { [kind]: value };
  const parsed = checkSchema.safeParse(check);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 1 ? `${issue.path.slice(1).join(".")}: ` : "";
    throw new AnswerError(`That ${kind} check does not fit: ${where}${issue?.message ?? "not accepted"}. ${kind === "dns" || kind === "ssh" ? `Write it as ${kind} { … }, e.g. ${kind === "dns" ? "dns { name: nas.lan, server: 10.0.0.1 }" : "ssh { host: nas }"}` : example}`);
  }
  return check;
}

async function askChecks(talk: Conversation, service: string): Promise<Array<Record<string, unknown>>> {
  const checks: Array<Record<string, unknown>> = [];
  for (;;) {
    const check = await until(talk, checks.length === 0 ? `A check that ${service} is up (e.g. http https://${service}.example.org/; Enter for none): ` : `Another check for ${service} (Enter when done): `, (answer) => (answer === "" ? undefined : parseCheck(answer)));
    if (check === undefined) return checks;
    checks.push(check);
  }
}

async function askServices(talk: Conversation, hosts: HostAnswer[]): Promise<ServiceAnswer[]> {
  talk.say("Services: what runs where. Press Enter on an empty name when done.");
  talk.say(`A check is KIND TARGET, kinds: ${PROBE_KINDS.join(", ")}. For more keys: KIND { yaml }.`);
  const services: ServiceAnswer[] = [];
  const names = new Set(hosts.map((host) => host.name));
  const first = hosts[0]!.name;
  for (;;) {
    const name = await until(talk, "Service name (e.g. headscale): ", (answer) => {
      if (services.some((service) => service.name === answer)) throw new AnswerError(`${answer} is already listed; type another name, or press Enter when done.`);
      return answer === "" ? "" : checkName(answer, "service");
    });
    if (name === "") return services;
    const on = await until(talk, `Runs on which hosts (comma-separated) [${first}]: `, (answer) => hostList(answer || first, names));
    const service: ServiceAnswer = { name, hosts: on };
    if (on.length === 1 && names.size > 1) {
      const standby = await until(talk, `Standby hosts that can take over from ${on[0]} (comma-separated; Enter for none): `, (answer) => {
        const list = hostList(answer, names);
        if (list.includes(on[0]!)) throw new AnswerError(`${on[0]} is where ${name} runs; a standby is another host.`);
        return list;
      });
      if (standby.length > 0) service.standby = standby;
    }
    const role = await talk.ask("Role (control-plane, reverse-proxy, dns, router, nfs, database, app…; Enter for none): ");
    if (role) service.role = role;
    service.criticality = await until(talk, `Criticality (${CRITICALITIES.join(", ")}) [normal]: `, (answer) => {
      const value = answer || "normal";
      if (!isCriticality(value)) throw new AnswerError(`Please type one of ${CRITICALITIES.join(", ")}, or press Enter for normal.`);
      return value;
    });
    const checks = await askChecks(talk, name);
    if (checks.length > 0) service.checks = checks;
    services.push(service);
  }
}

function serviceList(answer: string, services: readonly ServiceAnswer[], self?: string): string[] {
  const list = listOf(answer);
  const known = services.map((service) => service.name).filter((name) => name !== self);
  const unknown = list.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new AnswerError(`${unknown.join(", ")} is not ${self === undefined ? "a service you listed" : `another service`} (${known.join(", ")}); type those names, or press Enter for none.`);
  return list;
}

async function askLinks(talk: Conversation, services: ServiceAnswer[]): Promise<void> {
  if (services.length === 0) return;
  if (services.length > 1) {
    talk.say("How the services lean on each other: what each needs, and what it is reached through.");
    for (const service of services) {
      const others = services.filter((other) => other.name !== service.name).map((other) => other.name).join(", ");
      const needs = await until(talk, `${service.name} depends on (of ${others}; Enter for none): `, (answer) => serviceList(answer, services, service.name));
      if (needs.length > 0) service.depends_on = needs;
      const via = await until(talk, `${service.name} is reached only through (a proxy or tunnel, of ${others}; Enter for directly): `, (answer) => serviceList(answer, services, service.name));
      if (via.length > 0) service.exposed_via = via;
    }
  }
  const open = await until(talk, "Which services are public, shown on the status page? (comma-separated, all, or Enter for none): ", (answer) =>
    (answer === "all" ? services.map((service) => service.name) : serviceList(answer, services)));
  for (const service of services) if (open.includes(service.name)) service.public = true;
}

async function askNotifiers(talk: Conversation): Promise<NotifierAnswer[]> {
  talk.say(`Notifiers: where alerts go. Kinds: ${NOTIFIER_KINDS.join(", ")}.`);
  const notifiers: NotifierAnswer[] = [];
  for (;;) {
    const kind = await until(talk, notifiers.length === 0 ? "Send alerts with (a kind; Enter for none): " : "Another notifier (a kind; Enter when done): ", (answer) => {
      if (answer !== "" && !NOTIFIER_KINDS.includes(answer)) throw new AnswerError(`"${answer}" is not a notifier kind; type one of ${NOTIFIER_KINDS.join(", ")}, or press Enter for none.`);
      return answer;
    });
    if (kind === "") return notifiers;
    try {
      notifiers.push(await askNotifierOf(talk, kind));
    } catch (error) {
      if (!(error instanceof AnswerError)) throw error;
      talk.say(`  ${error.message}`);
    }
  }
}

export async function interview(talk: Conversation): Promise<InitAnswers> {
  const hosts = await askHosts(talk);
  const services = await askServices(talk, hosts);
  await askLinks(talk, services);
  const notifiers = await askNotifiers(talk);
  return { hosts, services, ...(notifiers.length > 0 ? { notifiers } : {}) };
}
