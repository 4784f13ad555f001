// Incidents as the agent records them: one per root cause (a host, a service…), with the components it
// takes down as child rows, opened, updated while it lasts, resolved once. Kept for good: they are few.
import type { Store } from "./db.js";

export interface Component {
  /** "host", "service", "site", "check"…: the vocabulary is the incident engine's. */
  kind: string;
  name: string;
}

export interface Incident {
  id: number;
  root: Component;
  title: string;
  severity: string;
  openedAt: number;
  updatedAt: number;
  resolvedAt: number | undefined;
  silenced: boolean;
  /** The components affected through the root, sorted by kind then name. */
  children: Component[];
}

export interface NewIncident {
  root: Component;
  title: string;
  severity: string;
  at: number;
  children?: readonly Component[];
  silenced?: boolean;
}

export interface IncidentChange {
  at: number;
  title?: string;
  severity?: string;
  silenced?: boolean;
  /** Replaces the set of children. */
  children?: readonly Component[];
}

interface IncidentRow {
  id: number;
  root_kind: string;
  root_name: string;
  title: string;
  severity: string;
  opened_at: number;
  updated_at: number;
  resolved_at: number | null;
  silenced: number;
}

function setChildren(store: Store, id: number, children: readonly Component[]): void {
  store.statement("DELETE FROM incident_children WHERE incident_id = ?").run(id);
  const insert = store.statement("INSERT INTO incident_children (incident_id, kind, name) VALUES (?, ?, ?) ON CONFLICT DO NOTHING");
  for (const child of children) insert.run(id, child.kind, child.name);
}

function toIncident(store: Store, row: IncidentRow): Incident {
  const children = store.statement("SELECT kind, name FROM incident_children WHERE incident_id = ? ORDER BY kind, name").all(row.id) as Component[];
  return {
    id: row.id,
    root: { kind: row.root_kind, name: row.root_name },
    title: row.title,
    severity: row.severity,
    openedAt: row.opened_at,
    updatedAt: row.updated_at,
    resolvedAt: row.resolved_at ?? undefined,
    silenced: row.silenced === 1,
    children,
  };
}

export function getIncident(store: Store, id: number): Incident | undefined {
  const row = store.statement("SELECT * FROM incidents WHERE id = ?").get(id) as IncidentRow | undefined;
  return row ? toIncident(store, row) : undefined;
}

function mustGet(store: Store, id: number): Incident {
  const incident = getIncident(store, id);
  if (!incident) throw new Error(`bug: incident ${id} does not exist`);
  return incident;
}

export function openIncident(store: Store, incident: NewIncident): Incident {
  return store.db.transaction(() => {
    const id = Number(store.statement(`
      INSERT INTO incidents (root_kind, root_name, title, severity, opened_at, updated_at, silenced)
      VALUES (?, ?, ?, ?, ?, ?, ?)`).run(incident.root.kind, incident.root.name, incident.title, incident.severity, incident.at, incident.at, incident.silenced ? 1 : 0).lastInsertRowid);
    setChildren(store, id, incident.children ?? []);
    return mustGet(store, id);
  })();
}

/** Changes an open or resolved incident (silencing a resolved one is harmless); unknown ids are a bug. */
export function updateIncident(store: Store, id: number, change: IncidentChange): Incident {
  return store.db.transaction(() => {
    const current = mustGet(store, id);
    store.statement("UPDATE incidents SET title = ?, severity = ?, silenced = ?, updated_at = ? WHERE id = ?").run(
      change.title ?? current.title,
      change.severity ?? current.severity,
      (change.silenced ?? current.silenced) ? 1 : 0,
      Math.max(current.updatedAt, change.at),
      id,
    );
    if (change.children) setChildren(store, id, change.children);
    return mustGet(store, id);
  })();
}

/** Resolves an incident; resolving it again keeps the first time. */
export function resolveIncident(store: Store, id: number, at: number): Incident {
  return store.db.transaction(() => {
    const current = mustGet(store, id);
    if (current.resolvedAt !== undefined) return current;
    store.statement("UPDATE incidents SET resolved_at = ?, updated_at = max(updated_at, ?) WHERE id = ?").run(at, at, id);
    return mustGet(store, id);
  })();
}

export interface IncidentFilter {
  /** true: only unresolved; false: only resolved; absent: both. */
  open?: boolean;
  /** Only incidents still open at or after this time (unresolved, or resolved since). */
  since?: number;
}

/** Incidents, newest first. */
export function listIncidents(store: Store, filter: IncidentFilter = {}): Incident[] {
  const where: string[] = [];
  const params: number[] = [];
  if (filter.open === true) where.push("resolved_at IS NULL");
  if (filter.open === false) where.push("resolved_at IS NOT NULL");
  if (filter.since !== undefined) {
    where.push("(resolved_at IS NULL OR resolved_at >= ?)");
    params.push(filter.since);
  }
  const sql = `SELECT * FROM incidents${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY opened_at DESC, id DESC`;
  const rows = store.statement(sql).all(...params) as IncidentRow[];
  return rows.map((row) => toIncident(store, row));
}
