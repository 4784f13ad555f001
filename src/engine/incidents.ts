// Incidents grouped by root cause. When a router dies, the thirty checks behind it fail too; people
// need one incident, "H003 down: lan, adguard and 8 services behind it", not thirty alerts.
//
// On every verdict change the failing parts are regrouped (root-cause.ts) and compared with the open
// incidents:
//   - a group that shares no part with an open incident opens a new one (`incident.opened`);
//   - a group that does extends it (`incident.updated`); when the group's root explains the incident's
//     root (lan failed first, then the whole of H003), the incident is re-rooted, not duplicated;
//     two open incidents found to be one are merged into the older (the other resolves as "merged");
//   - a part stays in its incident while it is failing, so an incident resolves only when its root and
//     all its children are up again (`incident.resolved`, with its duration); a partial recovery updates it.
// Announcing waits `settleMs` (0: the end of the current burst), so the opening message already names the
// root when several verdicts arrive together; given per failing part (the agent uses settle-time.ts), an
// incident waits the longest of its members' times, counted from its opening.
// Incidents whose root is in a maintenance window are recorded with `silenced: true`.
import type { Criticality, Topology } from "../model/topology.js";
import { hostsOf } from "../model/topology.js";
import { CRITICALITIES } from "../config/schema.js";
import type { Clock, TimerHandle } from "./clock.js";
import type { EventSink } from "./emitter.js";
import type { MaintenanceSchedule } from "./maintenance.js";
import type { InstanceChange, VerdictSource } from "./verdict.js";
import { blastRadius, findFailing, groupByRoot, serves, type Failing, type PartRef } from "./root-cause.js";

export type { PartRef } from "./root-cause.js";

export interface IncidentPart extends PartRef {
  readonly down: boolean;
  /** Hosts where a failing service's instances are down. */
  readonly hosts: readonly string[];
  readonly since: number;
  readonly recoveredAt: number | undefined;
}

export interface Incident {
  readonly id: number;
  readonly status: "open" | "resolved" | "merged";
  readonly root: IncidentPart;
  readonly children: readonly IncidentPart[];
  readonly title: string;
  readonly severity: Criticality;
  /** Services the root's failure takes down or degrades according to the topology, observed or not. */
  readonly affected: readonly string[];
  readonly silenced: boolean;
  readonly openedAt: number;
  readonly resolvedAt: number | undefined;
  readonly durationMs: number | undefined;
  readonly mergedInto: number | undefined;
}

export interface IncidentEvents {
  "incident.opened": { incident: Incident };
  "incident.updated": { incident: Incident };
  "incident.resolved": { incident: Incident };
}

interface Part { ref: PartRef; down: boolean; hosts: string[]; since: number; recoveredAt: number | undefined }

interface OpenIncident {
  readonly id: number;
  root: string;
  readonly parts: Map<string, Part>;
  readonly openedAt: number;
  /** How long after `openedAt` it is announced; grows with the members that join before. */
  settleMs: number;
  announced: string | undefined;
}

/** How long an incident with this failing part waits before it is announced. */
export type SettlePolicy = (part: PartRef, hosts: readonly string[]) => number;

const SEVERITY = (c: Criticality) => CRITICALITIES.length - CRITICALITIES.indexOf(c);

export interface IncidentTrackerOptions {
  topology: Topology;
  source: VerdictSource;
  events: EventSink<IncidentEvents>;
  clock: Clock;
  maintenance?: MaintenanceSchedule;
  /** One time for every incident, or one per failing part (default 0). */
  settleMs?: number | SettlePolicy;
  firstId?: number;
}

export class IncidentTracker {
  private readonly open = new Map<number, OpenIncident>();
  private nextId: number;
  private timer: TimerHandle | undefined;
  private timerDue = Infinity;

  constructor(private readonly options: IncidentTrackerOptions) {
    this.nextId = options.firstId ?? 1;
  }

  /** The open incidents as the last announcement described them (unannounced ones included). */
  current(): Incident[] {
    return [...this.open.values()].map((incident) => this.snapshot(incident, "open", this.options.clock.now()));
  }

  /**
   * Whether an instance change can alter what is failing (findFailing), and so needs a regrouping: one to or
   * from down, or one that makes a host with a down instance start or stop having a serving one. The others
   * (unknown → up for every instance as the agent starts, up ⇄ suspect blips) would regroup the whole
   * topology for nothing: at 1,000 instances starting up, that was most of the agent's work.
   */
  concerns(change: InstanceChange): boolean {
    if (change.from === "down" || change.to === "down") return true;
    if (serves(change.from) === serves(change.to)) return false;
    const { topology, source } = this.options;
    return (topology.onHost.get(change.host) ?? []).some((service) => source.instanceState(service, change.host) === "down");
  }

  /** Regroups after a verdict change; `at` is the change's time. */
  evaluate(at: number): void {
    const { topology, source } = this.options;
    const failing = findFailing(topology, source);
    for (const [root, members] of groupByRoot(topology, failing)) this.place(root, members, failing, at);
    for (const incident of [...this.open.values()]) this.refresh(incident, failing, at);
    this.schedule();
  }

  stop(): void {
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDue = Infinity;
  }

  private settleOf(members: readonly string[], failing: Failing): number {
    const policy = this.options.settleMs ?? 0;
    if (typeof policy === "number") return policy;
    return Math.max(0, ...members.map((key) => policy(failing.get(key)!.ref, failing.get(key)!.hosts)));
  }

  private place(root: string, members: readonly string[], failing: Failing, at: number): void {
    const matched = [...this.open.values()].filter((incident) => members.some((key) => incident.parts.has(key)));
    const part = (key: string): Part => ({ ref: failing.get(key)!.ref, down: true, hosts: [...failing.get(key)!.hosts], since: at, recoveredAt: undefined });
    if (matched.length === 0) {
      const incident: OpenIncident = { id: this.nextId++, root, parts: new Map(members.map((key) => [key, part(key)])), openedAt: at, settleMs: this.settleOf(members, failing), announced: undefined };
      this.open.set(incident.id, incident);
      return;
    }
    const [survivor, ...others] = matched as [OpenIncident, ...OpenIncident[]];
    for (const other of others) {
      for (const [key, value] of other.parts) if (!survivor.parts.has(key)) survivor.parts.set(key, value);
      survivor.settleMs = Math.max(survivor.settleMs, other.settleMs);
      this.open.delete(other.id);
      if (other.announced !== undefined) this.emit("incident.resolved", this.snapshot(other, "merged", at, survivor.id));
    }
    if (members.includes(survivor.root) && survivor.root !== root) survivor.root = root;
    const joining = members.filter((key) => !survivor.parts.has(key));
    for (const key of joining) survivor.parts.set(key, part(key));
    if (survivor.announced === undefined && joining.length > 0) survivor.settleMs = Math.max(survivor.settleMs, this.settleOf(joining, failing));
  }

  private refresh(incident: OpenIncident, failing: Failing, at: number): void {
    for (const [key, value] of incident.parts) {
      const now = failing.get(key);
      if (now && !value.down) incident.parts.set(key, { ...value, down: true, hosts: [...now.hosts], recoveredAt: undefined });
      else if (now) value.hosts = [...now.hosts];
      else if (value.down) incident.parts.set(key, { ...value, down: false, recoveredAt: at });
    }
    if ([...incident.parts.values()].some((part) => part.down)) {
      if (incident.announced === undefined) return;
      const snapshot = this.snapshot(incident, "open", at);
      const signature = JSON.stringify({ ...snapshot, durationMs: undefined });
      if (signature !== incident.announced) {
        incident.announced = signature;
        this.emit("incident.updated", snapshot);
      }
      return;
    }
    this.open.delete(incident.id);
    if (incident.announced === undefined) this.emit("incident.opened", this.snapshot(incident, "open", incident.openedAt));
    this.emit("incident.resolved", this.snapshot(incident, "resolved", at));
  }

  /** Announces incidents whose settle time has passed; re-arms itself for the rest. */
  private schedule(): void {
    const waiting = [...this.open.values()].filter((incident) => incident.announced === undefined);
    if (waiting.length === 0) return;
    const due = Math.min(...waiting.map((incident) => incident.openedAt + incident.settleMs));
    // An incident with a shorter wait than the one armed for must not wait for the other's.
    if (this.timer !== undefined && this.timerDue <= due) return;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerDue = Infinity;
      const now = this.options.clock.now();
      for (const incident of this.open.values()) {
        if (incident.announced !== undefined || incident.openedAt + incident.settleMs > now) continue;
        const snapshot = this.snapshot(incident, "open", now);
        incident.announced = JSON.stringify({ ...snapshot, durationMs: undefined });
        this.emit("incident.opened", snapshot);
      }
      this.schedule();
    }, Math.max(0, due - this.options.clock.now()));
  }

  private emit(name: keyof IncidentEvents, incident: Incident): void {
    this.options.events.emit(name, { incident });
  }

  private snapshot(incident: OpenIncident, status: Incident["status"], at: number, mergedInto?: number): Incident {
    const { topology, maintenance } = this.options;
    const toPart = (part: Part): IncidentPart => Object.freeze({ ...part.ref, down: part.down, hosts: [...part.hosts], since: part.since, recoveredAt: part.recoveredAt });
    const rootPart = incident.parts.get(incident.root)!;
    const children = [...incident.parts.entries()].filter(([key]) => key !== incident.root).map(([, part]) => toPart(part));
    const affected = new Set([...blastRadius(topology, rootPart.ref).keys()]);
    for (const part of incident.parts.values()) if (part.ref.kind === "service") affected.add(part.ref.name);
    let severity: Criticality = "low";
    for (const name of affected) {
      const criticality = topology.services.get(name)?.criticality ?? "low";
      if (SEVERITY(criticality) > SEVERITY(severity)) severity = criticality;
    }
    const rootScope = rootPart.ref.kind === "host" ? [{ host: rootPart.ref.name }] : [{ service: rootPart.ref.name }, ...rootPart.hosts.map((host) => ({ host }))];
    const resolved = status !== "open";
    return Object.freeze({
      id: incident.id,
      status,
      root: toPart(rootPart),
      children: Object.freeze(children),
      title: titleOf(topology, rootPart, [...incident.parts.values()]),
      severity,
      affected: Object.freeze([...affected].sort()),
      silenced: maintenance !== undefined && rootScope.some((scope) => maintenance.isInMaintenance(at, scope)),
      openedAt: incident.openedAt,
      resolvedAt: resolved ? at : undefined,
      durationMs: resolved ? at - incident.openedAt : undefined,
      mergedInto,
    });
  }
}

function listed(names: readonly string[]): string {
  return names.length <= 3 ? names.join(", ") : `${names.slice(0, 3).join(", ")} (+${names.length - 3})`;
}

/**
 * "H003 down: lan, adguard, dhcp and 8 services behind it"; "forgejo down on H001"; "H003 recovered; still
 * down: nfs". Once nothing is down (resolved, or over before it was announced) the title says what the
 * incident was, every part as it was at its worst: "still down:" with nobody after it would say nothing.
 */
function titleOf(topology: Topology, root: Part, parts: readonly Part[]): string {
  if (!parts.some((part) => part.down)) {
    const worstRoot: Part = { ...root, down: true };
    return titleOf(topology, worstRoot, parts.map((part) => (part === root ? worstRoot : { ...part, down: true })));
  }
  const downServices = parts.filter((part) => part.down && part.ref.kind === "service" && part !== root);
  if (!root.down) {
    const still = parts.filter((part) => part.down).map((part) => part.ref.name);
    return `${root.ref.name} recovered; still down: ${listed(still)}`;
  }
  const plural = (n: number) => `${n} service${n === 1 ? "" : "s"} behind it`;
  if (root.ref.kind === "host") {
    const onHost = new Set(topology.onHost.get(root.ref.name) ?? []);
    // Most critical first, so the title leads with what matters; by name among equals, so it is stable.
    const weight = (name: string) => SEVERITY(topology.services.get(name)?.criticality ?? "low");
    const own = downServices.filter((part) => onHost.has(part.ref.name)).map((part) => part.ref.name)
      .sort((a, b) => weight(b) - weight(a) || a.localeCompare(b));
    const behind = downServices.length - own.length;
    const head = `${root.ref.name} down${own.length > 0 ? `: ${listed(own)}` : ""}`;
    return behind > 0 ? `${head}${own.length > 0 ? " and" : ":"} ${plural(behind)}` : head;
  }
  // A replicated service down on some of its hosts only says where.
  const placed = hostsOf(topology.services.get(root.ref.name)?.placement ?? { kind: "logical" });
  const where = root.hosts.length > 0 && root.hosts.length < placed.length ? ` on ${root.hosts.join(", ")}` : "";
  return `${root.ref.name} down${where}${downServices.length > 0 ? `: ${plural(downServices.length)}` : ""}`;
}
