// Keeps the store's incidents in step with the engine's and decides what is announced.
//
// The engine numbers incidents per watcher; the store numbers them for good. A watcher lives until the
// next reload (or restart), so the journal maps engine ids to store ids for the current watcher only.
// Incidents still open when a watcher ends (a reload) or found open in the store at start (a restart)
// are *carried*: the next watcher knows nothing of them, so
//   - an incident it opens that shares a part with a carried one continues it (same id, no new
//     "opened" message: the person was told already);
//   - a carried incident whose root it sees up again is resolved (with the recovery message);
//   - one it never sees again within the adoption window is resolved by `resolveCarried`.
// Announced = a message went out for the opening; silenced incidents are recorded but not announced
// until their maintenance window ends while they are still open. A recovery goes out only for an
// announced incident.
import type { AgentEmitter } from "../engine/events.js";
import type { Incident as EngineIncident } from "../engine/incidents.js";
import type { Store } from "../store/db.js";
import type { Component, Incident } from "../store/incidents.js";
import { getIncident, listIncidents, openIncident, resolveIncident, updateIncident } from "../store/incidents.js";
import type { IncidentSink } from "./incident-notifier.js";
import type { Logger } from "./log.js";

const RANK: Record<string, number> = { low: 0, normal: 1, high: 2, critical: 3 };
const partKey = (part: Component) => `${part.kind}:${part.name}`;
const partsOf = (incident: Incident) => new Set([incident.root, ...incident.children].map(partKey));

function componentsOf(incident: EngineIncident): { root: Component; children: Component[] } {
  return {
    root: { kind: incident.root.kind, name: incident.root.name },
    children: incident.children.filter((child) => child.down).map((child) => ({ kind: child.kind, name: child.name })),
  };
}

export class IncidentJournal {
  /** Engine id → store id, for the current watcher. */
  private byEngineId = new Map<number, number>();
  /** Store id → incident, open but owned by no watcher. */
  private readonly carried = new Map<number, Incident>();
  /** Store id → the title people were told, which the recovery repeats (the live title drifts as parts recover). */
  private readonly announced = new Map<number, string>();

  constructor(private readonly store: Store, private readonly sink: IncidentSink, private readonly log: Logger) {
    for (const incident of listIncidents(store, { open: true })) {
      this.carried.set(incident.id, incident);
      // Sent by the previous run unless it was silenced; its recovery is owed.
      if (!incident.silenced) this.announced.set(incident.id, incident.title);
    }
  }

  /** Follows one watcher's incident events; the returned function detaches and carries what is still open. */
  attach(events: AgentEmitter): () => void {
    const offs = [
      events.on("incident.opened", ({ incident }) => this.opened(incident)),
      events.on("incident.updated", ({ incident }) => this.updated(incident)),
      events.on("incident.resolved", ({ incident }) => this.resolved(incident)),
    ];
    return () => {
      for (const off of offs.reverse()) off();
      for (const storeId of this.byEngineId.values()) {
        const incident = this.get(storeId);
        if (incident && incident.resolvedAt === undefined) this.carried.set(storeId, incident);
      }
      this.byEngineId = new Map();
    };
  }

  /** Open incidents, newest first (from the store: it is the record). */
  open(): Incident[] {
    return listIncidents(this.store, { open: true });
  }

  carriedCount(): number {
    return this.carried.size;
  }

  /** Resolves the carried incidents whose root `isUp` says is serving again. */
  settleCarried(isUp: (root: Component) => boolean, at: number): void {
    for (const incident of [...this.carried.values()]) {
      if (isUp(incident.root)) this.finish(incident.id, at, "It was seen up again after a reload or restart.");
    }
  }

  /** Resolves every carried incident: the adoption window passed and none was seen failing again. */
  resolveCarried(at: number): void {
    for (const id of [...this.carried.keys()]) this.finish(id, at, "It was not seen failing again after a reload or restart.");
  }

  private opened(incident: EngineIncident): void {
    const { root, children } = componentsOf(incident);
    const parts = new Set([root, ...children].map(partKey));
    const continued = [...this.carried.values()].find((carried) => [...partsOf(carried)].some((key) => parts.has(key)));
    if (continued) {
      this.carried.delete(continued.id);
      this.byEngineId.set(incident.id, continued.id);
      this.updated(incident);
      return;
    }
    const stored = openIncident(this.store, { root, children, title: incident.title, severity: incident.severity, at: incident.openedAt, silenced: incident.silenced });
    this.byEngineId.set(incident.id, stored.id);
    this.log.warn({ event: "incident.opened", incident: stored.id, root: partKey(root), title: stored.title, severity: stored.severity, silenced: stored.silenced, children: children.map(partKey) }, `incident #${stored.id} opened: ${stored.title}`);
    this.announce(stored);
  }

  private updated(incident: EngineIncident): void {
    const id = this.byEngineId.get(incident.id);
    if (id === undefined) return;
    const before = this.get(id);
    if (!before) return;
    const { root, children } = componentsOf(incident);
    // A re-rooted incident keeps its row; the new root becomes one of its parts.
    const allChildren = partKey(root) === partKey(before.root) ? children : [root, ...children].filter((part) => partKey(part) !== partKey(before.root));
    const after = updateIncident(this.store, id, { at: Math.max(incident.openedAt, before.updatedAt), title: incident.title, severity: incident.severity, silenced: incident.silenced, children: allChildren });
    this.log.info({ event: "incident.updated", incident: id, title: after.title, severity: after.severity, silenced: after.silenced, children: after.children.map(partKey) }, `incident #${id} updated: ${after.title}`);
    if (!this.announced.has(id)) {
      this.announce(after);
      return;
    }
    const why = (RANK[after.severity] ?? 0) > (RANK[before.severity] ?? 0) ? `Severity rose to ${after.severity}.`
      : after.title !== before.title && partKey(root) !== partKey(before.root) ? `Now explained by ${root.kind} ${root.name}.` : undefined;
    if (why === undefined) return;
    this.announced.set(id, after.title);
    this.sink.updated(after, why);
  }

  private resolved(incident: EngineIncident): void {
    const id = this.byEngineId.get(incident.id);
    if (id === undefined) return;
    this.byEngineId.delete(incident.id);
    const note = incident.status === "merged" && incident.mergedInto !== undefined ? `Merged into another incident.` : undefined;
    this.finish(id, incident.resolvedAt ?? incident.openedAt, note);
  }

  private announce(incident: Incident): void {
    if (incident.silenced || this.announced.has(incident.id)) return;
    this.announced.set(incident.id, incident.title);
    this.sink.opened(incident);
  }

  private finish(id: number, at: number, note?: string): void {
    this.carried.delete(id);
    const incident = resolveIncident(this.store, id, at);
    this.log.info({ event: "incident.resolved", incident: id, title: incident.title, open_for_ms: at - incident.openedAt }, `incident #${id} resolved: ${incident.title}`);
    const told = this.announced.get(id);
    if (told === undefined) return;
    this.announced.delete(id);
    this.sink.resolved({ ...incident, title: told }, at, note);
  }

  private get(id: number): Incident | undefined {
    return getIncident(this.store, id);
  }
}
