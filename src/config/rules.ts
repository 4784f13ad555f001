// Cross-field rules the schema cannot express: every host and service named must exist, shapes of
// redundancy must make sense, the dependency graph must have no cycle. Every problem is collected.
// Coordination (checkCoordinationRules): etcd needs 3 members to lose one; a quorum needs agents to form
// it. Agents are not declared in the config, so the quorum rules speak of what the quorum requires.
import { isKnownRole, KNOWN_ROLES } from "./roles.js";
import { didYouMean } from "./suggest.js";
import type { PathSegment } from "./diagnostics.js";
import type { ConfigDocument } from "./schema.js";
import { probeKinds } from "../probes/registry.js";
import { notifierKinds } from "../notify/registry.js";
import { checkBackupRules } from "../backup/rules.js";
import { checkFailoverRules } from "../failover/rules.js";
import { checkStatusPageRules } from "../status-page/rules.js";

export interface RuleProblem {
  severity: "error" | "warning";
  path: PathSegment[];
  message: string;
}

const PROBE_KINDS = probeKinds.map((kind) => kind.kind);
const NOTIFIER_KINDS = notifierKinds.map((kind) => kind.kind);

function listed(names: readonly string[]): string {
  return names.length <= 12 ? names.join(", ") : `${names.slice(0, 12).join(", ")}, …`;
}

export function checkRules(doc: ConfigDocument): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const error = (path: PathSegment[], message: string) => problems.push({ severity: "error", path, message });
  const warn = (path: PathSegment[], message: string) => problems.push({ severity: "warning", path, message });
  const hostNames = Object.keys(doc.hosts);
  const serviceNames = Object.keys(doc.services);

  const mustBeHost = (path: PathSegment[], name: string) => {
    if (!Object.hasOwn(doc.hosts, name)) error(path, `unknown host "${name}"${didYouMean(name, hostNames)}; hosts are: ${listed(hostNames) || "(none)"}`);
  };
  const mustBeService = (path: PathSegment[], name: string) => {
    if (!Object.hasOwn(doc.services, name)) error(path, `unknown service "${name}"${didYouMean(name, serviceNames)}; services are: ${listed(serviceNames) || "(none)"}`);
  };

  for (const [name, service] of Object.entries(doc.services)) {
    const at = (...rest: PathSegment[]): PathSegment[] => ["services", name, ...rest];
    service.runs_on?.forEach((host, index) => mustBeHost(at("runs_on", index), host));
    if (service.primary !== undefined) mustBeHost(at("primary"), service.primary);
    service.standby?.forEach((host, index) => mustBeHost(at("standby", index), host));

    if (service.runs_on && (service.primary !== undefined || service.standby)) {
      error(at("runs_on"), "use either runs_on (replicas, any one serves) or primary + standby (one serves, Understudy moves it), not both");
    }
    if (service.standby && service.primary === undefined) error(at("standby"), "standby needs a primary: add primary: HOST (the host that serves normally)");
    if (service.runs_on && new Set(service.runs_on).size !== service.runs_on.length) error(at("runs_on"), "a host is listed twice");
    if (service.primary !== undefined && service.standby?.includes(service.primary)) {
      error(at("standby", service.standby.indexOf(service.primary)), `the primary "${service.primary}" cannot also be its own standby`);
    }

    service.depends_on.forEach((dependency, index) => {
      const target = typeof dependency === "string" ? dependency : dependency.service;
      const path = typeof dependency === "string" ? at("depends_on", index) : at("depends_on", index, "service");
      mustBeService(path, target);
      if (target === name) error(path, "a service cannot depend on itself");
      if (typeof dependency !== "string" && dependency.after !== undefined && dependency.mode !== "degrades") {
        error(at("depends_on", index, "after"), 'after applies to mode: degrades (how long it keeps working); remove it or set mode: degrades');
      }
    });
    service.exposed_via?.forEach((proxy, index) => {
      mustBeService(at("exposed_via", index), proxy);
      if (proxy === name) error(at("exposed_via", index), "a service cannot be exposed via itself");
    });

    const hostsOfService = service.runs_on ?? [...(service.primary === undefined ? [] : [service.primary]), ...(service.standby ?? [])];
    service.checks.forEach((check, index) => {
      const kinds = PROBE_KINDS.filter((kind) => (check as Record<string, unknown>)[kind] !== undefined);
      if (kinds.length !== 1) {
        error(at("checks", index), kinds.length === 0
          ? `a check needs exactly one probe kind: one of ${PROBE_KINDS.join(", ")}`
          : `a check has exactly one probe kind, this one has ${kinds.join(" and ")}; split it into ${kinds.length} checks`);
      }
      if (check.on !== undefined) {
        mustBeHost(at("checks", index, "on"), check.on);
        if (Object.hasOwn(doc.hosts, check.on) && hostsOfService.length > 0 && !hostsOfService.includes(check.on)) {
          error(at("checks", index, "on"), `host "${check.on}" does not run ${name}; it runs on ${hostsOfService.join(", ")}`);
        }
      }
    });

    if (service.role !== undefined && !isKnownRole(service.role)) {
      warn(at("role"), `unknown role "${service.role}"${didYouMean(service.role, Object.keys(KNOWN_ROLES))}; known roles get recommendations in \`understudy plan\`: ${Object.keys(KNOWN_ROLES).join(", ")}`);
    }
    if (service.recovery?.strategy === "automatic-failover" || service.recovery?.strategy === "manual-failover") {
      if (!service.standby || service.standby.length === 0) {
        if (!service.runs_on) error(at("recovery", "strategy"), `${service.recovery.strategy} needs somewhere to fail over to: add standby: [HOST]`);
      }
    }
    if (service.failover?.mode === "automatic" && (!service.standby || service.standby.length === 0)) {
      error(at("failover", "mode"), "automatic failover needs a standby: add standby: [HOST] (and primary)");
    }
  }

  doc.notify.forEach((item, index) => {
    const kinds = NOTIFIER_KINDS.filter((kind) => (item as Record<string, unknown>)[kind] !== undefined);
    if (kinds.length !== 1) {
      error(["notify", index], kinds.length === 0 ? `a notifier needs exactly one kind: one of ${NOTIFIER_KINDS.join(", ")}` : `one notifier per item; this one has ${kinds.join(" and ")}`);
    }
  });

  doc.maintenance.forEach((window, index) => {
    const at = (...rest: PathSegment[]): PathSegment[] => ["maintenance", index, ...rest];
    window.hosts.forEach((host, i) => mustBeHost(at("hosts", i), host));
    window.services.forEach((service, i) => mustBeService(at("services", i), service));
    for (const problem of windowShapeProblems(window)) error(at(problem.key), problem.message);
  });

  checkBackupRules(doc, error);
  checkFailoverRules(doc, error, warn);
  checkCoordinationRules(doc, error, warn);
  checkStatusPageRules(doc, error);
  const cycle = findCycle(doc);
  if (cycle) error(["services", cycle[0]!, "depends_on"], `dependency cycle: ${cycle.join(" → ")}; a service cannot need itself, even through others`);
  return problems;
}

type Report = (path: PathSegment[], message: string) => void;

/**
 * quorum > 1 with coordination local is an error: one agent can never be two vantage points, and the
 * setting would silently do nothing. quorum 1 and 2 with etcd are warnings: both run, but quorum 1 lets
 * one agent's broken link fail a service over, and quorum 2 needs 3 agents to survive losing one.
 */
export function checkCoordinationRules(doc: ConfigDocument, error: Report, warn: Report): void {
  const { coordination, quorum } = doc.agents;
  if (coordination === "local") {
    if (quorum > 1) error(["agents", "quorum"], `quorum ${quorum} needs ${quorum} agents agreeing, but coordination: local runs one agent; set quorum: 1, or coordination: { etcd: { endpoints: [...] } } and run ${quorum + 1} or more agents`);
    return;
  }
  const endpoints = coordination.etcd.endpoints.length;
  if (endpoints < 3) {
    warn(["agents", "coordination", "etcd", "endpoints"], `etcd with ${endpoints} member${endpoints === 1 ? "" : "s"} cannot survive losing one (a majority must stay up): run 3 members (or 5) and list every member's client URL here`);
  }
  if (quorum === 1) {
    warn(["agents", "quorum"], "quorum 1 with several agents: one agent's broken link can fail a service over; use quorum: 2 with 3 agents");
  } else if (quorum === 2) {
    warn(["agents", "quorum"], "quorum 2 needs 3 agents: with only 2, either one failing blocks every verdict (Redis Sentinel's docs warn against 2 sentinels for the same reason); run a third agent, even a small one");
  }
}

type Window = ConfigDocument["maintenance"][number];

/** A window is one-off (start + end or duration) or recurring (cron + duration), in a real time zone. */
function windowShapeProblems(window: Window): Array<{ key: string; message: string }> {
  const problems: Array<{ key: string; message: string }> = [];
  try {
    new Intl.DateTimeFormat("en", { timeZone: window.timezone });
  } catch {
    problems.push({ key: "timezone", message: `unknown time zone "${window.timezone}"; expected an IANA name such as "Europe/Berlin" or "UTC"` });
  }
  const localTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;
  for (const key of ["start", "end"] as const) {
    const value = window[key];
    if (value !== undefined && !localTime.test(value)) problems.push({ key, message: `"${value}" is not a local date and time; expected "YYYY-MM-DDTHH:MM" (in the window's timezone)` });
  }
  if (window.cron !== undefined) {
    if (window.start !== undefined || window.end !== undefined) problems.push({ key: "cron", message: "a window is either recurring (cron + duration) or one-off (start + end or duration), not both" });
    if (window.duration === undefined) problems.push({ key: "cron", message: 'a recurring window needs a duration: how long each window lasts ("1h")' });
    if (!/^(\S+\s+){4}\S+$/.test(window.cron.trim())) problems.push({ key: "cron", message: `"${window.cron}" is not a cron expression; expected five fields: minute hour day-of-month month day-of-week ("0 2 * * 0")` });
  } else if (window.start === undefined) {
    problems.push({ key: "start", message: "a window needs start (one-off) or cron (recurring)" });
  } else if (window.end === undefined && window.duration === undefined) {
    problems.push({ key: "start", message: "a one-off window needs end or duration" });
  }
  return problems;
}

/** Edges of "needs": depends_on (hard or soft) and exposed_via. */
export function needs(service: ConfigDocument["services"][string]): string[] {
  return [
    ...service.depends_on.map((dependency) => (typeof dependency === "string" ? dependency : dependency.service)),
    ...(service.exposed_via ?? []),
  ];
}

/** The first cycle found, as [a, b, c, a], or undefined. Iterative DFS: configs can be large. */
export function findCycle(doc: ConfigDocument): string[] | undefined {
  const state = new Map<string, "visiting" | "done">();
  for (const start of Object.keys(doc.services)) {
    if (state.has(start)) continue;
    const stack: Array<{ name: string; next: string[] }> = [{ name: start, next: needs(doc.services[start]!) }];
    state.set(start, "visiting");
    while (stack.length > 0) {
      const top = stack.at(-1)!;
      const child = top.next.pop();
      if (child === undefined) {
        state.set(top.name, "done");
        stack.pop();
        continue;
      }
      if (!Object.hasOwn(doc.services, child)) continue;
      const seen = state.get(child);
      if (seen === "visiting") {
        const from = stack.findIndex((frame) => frame.name === child);
        return [...stack.slice(from).map((frame) => frame.name), child];
      }
      if (seen === undefined) {
        state.set(child, "visiting");
        stack.push({ name: child, next: needs(doc.services[child]!) });
      }
    }
  }
  return undefined;
}
