// The questions `understudy init` asks on a terminal. It talks through `ask` and `say` only, so the
// same flow runs on a TTY and in tests from a scripted stream; an invalid answer is explained and the
// question asked again, never silently taken.
import { CRITICALITIES } from "../config/schema.js";
import { AnswerError, isCriticality, NOTIFIER_CHOICES, parseHostFlag, parseServiceFlag, type HostAnswer, type InitAnswers, type NotifierAnswer, type ServiceAnswer } from "./answers.js";

export interface Conversation {
  /** Asks one question; resolves with the answer line, trimmed. */
  ask(question: string): Promise<string>;
  say(text: string): void;
}

/** Asks until `accept` takes the answer (returns a value) or throws AnswerError, whose message is said. */
async function until<T>(talk: Conversation, question: string, accept: (answer: string) => T): Promise<T> {
  for (;;) {
    const answer = await talk.ask(question);
    try {
      return accept(answer);
    } catch (error) {
      if (!(error instanceof AnswerError)) throw error;
      talk.say(`  ${error.message}`);
    }
  }
}

async function askHosts(talk: Conversation): Promise<HostAnswer[]> {
  talk.say("Hosts: the machines (a VPS, a home server, a NAS, a router). An empty name ends the list.");
  const hosts: HostAnswer[] = [];
  for (;;) {
    const name = await until(talk, `Host name${hosts.length === 0 ? " (e.g. H001)" : ""}: `, (answer) => {
      if (answer === "" && hosts.length === 0) throw new AnswerError("at least one host is needed");
      if (hosts.some((host) => host.name === answer)) throw new AnswerError(`${answer} is already listed`);
      return answer === "" ? "" : parseHostFlag(`${answer}=x`).name;
    });
    if (name === "") return hosts;
    hosts.push(await until(talk, `Address of ${name} (IP or DNS name): `, (answer) => parseHostFlag(`${name}=${answer}`)));
  }
}

async function askServices(talk: Conversation, hosts: HostAnswer[]): Promise<ServiceAnswer[]> {
  talk.say("Services: what runs where. An empty name ends the list.");
  const services: ServiceAnswer[] = [];
  const names = new Set(hosts.map((host) => host.name));
  for (;;) {
    const name = await until(talk, "Service name (e.g. headscale): ", (answer) => {
      if (services.some((service) => service.name === answer)) throw new AnswerError(`${answer} is already listed`);
      return answer === "" ? "" : parseServiceFlag(`${answer}@${hosts[0]!.name}`).name;
    });
    if (name === "") return services;
    const first = hosts[0]!.name;
    const on = await until(talk, `Runs on which hosts (comma-separated) [${first}]: `, (answer) => {
      const parsed = parseServiceFlag(`${name}@${answer || first}`).hosts;
      const unknown = parsed.filter((host) => !names.has(host));
      if (unknown.length > 0) throw new AnswerError(`not a host: ${unknown.join(", ")} (hosts: ${[...names].join(", ")})`);
      return parsed;
    });
    const role = await talk.ask("Role (control-plane, reverse-proxy, dns, router, nfs, database, app…; empty for none): ");
    const criticality = await until(talk, `Criticality (${CRITICALITIES.join(", ")}) [normal]: `, (answer) => {
      const value = answer || "normal";
      if (!isCriticality(value)) throw new AnswerError(`one of ${CRITICALITIES.join(", ")}`);
      return value;
    });
    services.push({ name, hosts: on, criticality, ...(role ? { role } : {}) });
  }
}

async function askNotifier(talk: Conversation): Promise<NotifierAnswer | undefined> {
  const kind = await until(talk, `Send alerts with (${NOTIFIER_CHOICES.join(", ")}) [none]: `, (answer) => {
    const value = answer || "none";
    if (!(NOTIFIER_CHOICES as readonly string[]).includes(value)) throw new AnswerError(`one of ${NOTIFIER_CHOICES.join(", ")}`);
    return value as (typeof NOTIFIER_CHOICES)[number];
  });
  const url = (example: string) => until(talk, `URL (e.g. ${example}): `, (answer) => {
    if (!URL.canParse(answer) || !/^https?:$/.test(new URL(answer).protocol)) throw new AnswerError("an http:// or https:// URL");
    return answer;
  });
  switch (kind) {
    case "none":
      return undefined;
    case "ntfy":
      return { kind, url: await url("https://ntfy.sh/my-homelab") };
    case "gotify":
      return { kind, url: await url("https://gotify.example.org") };
    case "discord":
    case "slack":
      talk.say(`  The webhook URL is a secret: the config names the variable ${kind === "discord" ? "DISCORD_WEBHOOK_URL" : "SLACK_WEBHOOK_URL"}; export it for the agent.`);
      return { kind };
  }
}

export async function interview(talk: Conversation): Promise<InitAnswers> {
  const hosts = await askHosts(talk);
  const services = await askServices(talk, hosts);
  const notifier = await askNotifier(talk);
  return { hosts, services, ...(notifier ? { notifier } : {}) };
}
