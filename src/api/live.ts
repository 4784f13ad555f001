// The live feed behind GET /api/events: turns the agent's events into what the dashboard redraws.
//   status   — the whole status JSON after any instance, service or incident change, at most one per
//              500 ms (the last change in a burst is always sent: trailing edge);
//   incident — opened/updated/resolved, as /api/incidents shows it (read back from the store once the
//              incident journal has written it);
//   failover — the failover engine's step progress, passed through.
// One feed per app, whatever the number of open streams; listeners that throw are the emitter's problem.
import type { AgentEmitter } from "../engine/events.js";
import type { Incident as EngineIncident } from "../engine/incidents.js";
import type { Store } from "../store/db.js";
import { listIncidents } from "../store/incidents.js";
import type { ApiDeps } from "./deps.js";
import { viewIncident } from "./incident-view.js";

export interface LiveMessage {
  event: "status" | "incident" | "failover";
  data: unknown;
}

export const STATUS_MIN_INTERVAL_MS = 500;

type Subscriber = (message: LiveMessage) => void;

export class LiveFeed {
  private readonly subscribers = new Set<Subscriber>();
  private offs: Array<() => void> = [];
  private timer: unknown;
  private lastStatusAt = -Infinity;
  private followingFailovers = false;

  constructor(private readonly deps: Pick<ApiDeps, "clock" | "status" | "store" | "failover">, events: AgentEmitter) {
    const changed = () => this.statusChanged();
    this.offs = [
      events.on("instance.changed", changed),
      events.on("service.changed", changed),
      events.on("incident.opened", ({ incident }) => this.incident("opened", incident)),
      events.on("incident.updated", ({ incident }) => this.incident("updated", incident)),
      events.on("incident.resolved", ({ incident }) => this.incident("resolved", incident)),
    ];
  }

  subscribe(subscriber: Subscriber): () => void {
    // Failover progress is followed from the first stream on: the engine starts after the server.
    if (!this.followingFailovers && this.deps.failover) {
      this.followingFailovers = true;
      this.offs.push(this.deps.failover.onProgress((data) => this.send({ event: "failover", data })));
    }
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  get size(): number {
    return this.subscribers.size;
  }

  close(): void {
    for (const off of this.offs.splice(0)) off();
    this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.subscribers.clear();
  }

  private send(message: LiveMessage): void {
    for (const subscriber of [...this.subscribers]) {
      try {
        subscriber(message);
      } catch {
        // A stream that cannot take a message is closing; its own abort handler unsubscribes it.
      }
    }
  }

  private statusChanged(): void {
    if (this.timer !== undefined || this.subscribers.size === 0) return;
    const wait = Math.max(0, this.lastStatusAt + STATUS_MIN_INTERVAL_MS - this.deps.clock.now());
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined;
      this.lastStatusAt = this.deps.clock.now();
      this.send({ event: "status", data: this.deps.status() });
    }, wait);
  }

  private incident(kind: "opened" | "updated" | "resolved", incident: EngineIncident): void {
    this.statusChanged();
    if (this.subscribers.size === 0) return;
    // The journal writes the store row in its own listener; read it after every listener has run.
    setImmediate(() => this.send({ event: "incident", data: { kind, incident: this.stored(incident) } }));
  }

  private stored(incident: EngineIncident) {
    const now = this.deps.clock.now();
    const store: Store = this.deps.store;
    if (!store.closed) {
      const match = listIncidents(store, { since: incident.openedAt - 1 }).find((row) => row.root.kind === incident.root.kind && row.root.name === incident.root.name);
      if (match) return viewIncident(match, now);
    }
    return viewIncident({
      id: incident.id, root: { kind: incident.root.kind, name: incident.root.name }, title: incident.title, severity: incident.severity,
      openedAt: incident.openedAt, updatedAt: now, resolvedAt: incident.resolvedAt, silenced: incident.silenced,
      children: incident.children.filter((child) => child.down).map((child) => ({ kind: child.kind, name: child.name })),
    }, now);
  }
}
