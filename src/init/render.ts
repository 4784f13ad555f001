// Renders `understudy init`'s answers as a commented YAML config: the keys the user gave (checks,
// dependencies, standbys, public services and notifiers written as real keys), and commented examples
// of the ones they will want next (recovery, target, a check when none was given). Pure; the text is validated by
// the caller with the real loader, so a mistake here is caught before it reaches the user's disk.
import { stringify } from "yaml";
import { configJsonSchema } from "../config/json-schema.js";
import { KNOWN_ROLES } from "../config/roles.js";
import type { InitAnswers, NotifierAnswer, ServiceAnswer } from "./answers.js";
import { NOTIFIER_KINDS } from "./notifier-questions.js";

/** A scalar as YAML writes it: plain when safe, quoted when not (":" or "#" in a URL, a leading "*"…). */
function scalar(value: string): string {
  return stringify(value, { lineWidth: 0 }).trimEnd();
}

function list(values: readonly string[]): string {
  return `[${values.map(scalar).join(", ")}]`;
}

/** A mapping on one line: { http: "https://x/" } → "{ http: https://x/ }". */
function flow(value: Record<string, unknown>): string {
  return stringify(value, { lineWidth: 0, collectionStyle: "flow" }).trimEnd();
}

const HEADER = (schemaId: string, file: string) => `# yaml-language-server: $schema=${schemaId}
#
# Written by \`understudy init\`. Next steps:
#   understudy analyze --config ${file}     single points of failure, blast radius, resilience score
#   add checks (see the commented examples) and notifiers, then run \`understudy agent\`.
# The full format: examples/homelab.yaml and \`understudy schema\`.
version: 1
`;

const HOSTS_COMMENT = `# The machines. Add site: (hosts that fail together: "home", "linode") and public: true for those
# reachable from the internet; both sharpen the analysis.`;

const SERVICES_COMMENT = `# The services. runs_on lists replicas (any one suffices); for active-passive write primary: and
# standby: [...] instead. criticality: critical | high | normal | low. depends_on: [other, services].
# recovery.strategy: automatic-failover | manual-failover | restore-from-backup | rebuild.`;

function renderService(service: ServiceAnswer): string[] {
  const lines = [`  ${service.name}:`];
  if (service.role) {
    const known = (KNOWN_ROLES as Record<string, string>)[service.role];
    lines.push(`    role: ${scalar(service.role)}${known ? `   # ${known}` : ""}`);
  }
  lines.push(`    criticality: ${service.criticality ?? "normal"}`);
  if (service.standby !== undefined && service.standby.length > 0) lines.push(`    primary: ${scalar(service.hosts[0]!)}`, `    standby: ${list(service.standby)}`);
  else lines.push(`    runs_on: ${list(service.hosts)}`);
  lines.push(service.depends_on?.length ? `    depends_on: ${list(service.depends_on)}` : `    # depends_on: []`);
  if (service.exposed_via?.length) lines.push(`    exposed_via: ${list(service.exposed_via)}`);
  if (service.public) lines.push(`    public: true   # on the status page`);
  lines.push(
    `    # recovery: { strategy: rebuild, rto: 1h }   # today's way back`,
    `    # target: { rto: 5m, rpo: 1h }               # what you want`,
  );
  if (service.checks?.length) lines.push(`    checks:`, ...service.checks.map((check) => `      - ${flow(check)}`));
  else lines.push(`    # checks:`, `    #   - http: https://${service.name}.example.org/`);
  return lines;
}

function renderNotifiers(notifiers: readonly NotifierAnswer[]): string[] {
  const head = `# Where alerts go: ${NOTIFIER_KINDS.join(", ")}.\n# Secrets are references: "env:NAME" (a variable) or "file:/path" (systemd credentials, agenix).`;
  if (notifiers.length === 0) return [head, "notify: []", "#  - ntfy: { url: https://ntfy.sh/your-topic }"];
  return [head, "notify:", ...notifiers.map((notifier) =>
    `  - ${notifier.kind}: ${flow(notifier.spec)}${notifier.secrets.length > 0 ? `   # export ${notifier.secrets.map((name) => `${name}=…`).join(" ")}` : ""}`)];
}

export function renderInitConfig(answers: InitAnswers, file = "understudy.yaml"): string {
  const schemaId = String(configJsonSchema().$id);
  const lines = [HEADER(schemaId, file), HOSTS_COMMENT, "hosts:"];
  for (const host of answers.hosts) lines.push(`  ${host.name}: { address: ${scalar(host.address)} }`);
  lines.push("", SERVICES_COMMENT);
  if (answers.services.length === 0) lines.push("services: {}", "#  web: { runs_on: [HOST], criticality: high }");
  else lines.push("services:", ...answers.services.flatMap((service) => [...renderService(service), ""]));
  if (answers.services.length === 0) lines.push("");
  lines.push(...renderNotifiers(answers.notifiers ?? []), "");
  return lines.join("\n");
}
