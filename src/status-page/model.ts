// What one public status page shows, built field by field from an allowlist (the page's services by
// name, their state, uptime, day bars and, when the page allows it, response times; public outages with
// titles rebuilt from public names; posts; maintenance), so no host, address, check or reason can slip in.
// The same model is served as JSON (/api/public/pages/:slug) and rendered as HTML (./html.ts).
import type { Incident } from "../store/incidents.js";
import { latencyPercentiles } from "../store/history.js";
import type { Store } from "../store/db.js";
import type { StatusPost } from "../store/status-posts.js";
import { hostsOf, type Service, type Topology } from "../model/topology.js";
import { activeStretches } from "../failover/served.js";
import { MaintenanceSchedule } from "../engine/maintenance.js";
import { availability } from "../api/uptime-view.js";
import { publicOutages, type OutageSource } from "../api/public-status.js";
import { DAY_MS, dayBar, type Day } from "./day-bar.js";
import type { PageSpec } from "./pages.js";

/** How far back incidents and resolved posts are listed; the bars go back BAR_DAYS. */
export const LIST_MS = 7 * DAY_MS;
export const BAR_DAYS = 90;
/** How far ahead maintenance is announced. */
export const AHEAD_MS = 14 * DAY_MS;

export type ServiceState = "up" | "degraded" | "down" | "maintenance" | "unknown";

export interface PageModel {
  slug: string;
  path: string;
  title: string;
  description: string | null;
  logo: string | null;
  footer: string | null;
  generated_at: string;
  overall: ServiceState;
  services: Array<{ name: string; state: ServiceState; uptime_90d: number | null; uptime_24h: number | null; p50_ms?: number | null; days: Day[] }>;
  incidents: Array<{ title: string; services: string[]; opened_at: string; resolved_at: string | null }>;
  posts: Array<{ id: number; title: string; services: string[]; state: string; created_at: string; resolved_at: string | null; updates: Array<{ at: string; state: string; message: string }> }>;
  maintenance: Array<{ services: string[]; start: string; end: string; now: boolean }>;
  pages: Array<{ title: string; path: string }>;
}

export interface ModelInput {
  page: PageSpec;
  pages: readonly PageSpec[];
  topology: Topology;
  store: Store;
  health: (service: string) => string;
  /** Incidents open at some point in the last BAR_DAYS days. */
  incidents: readonly Incident[];
  /** Posts open at some point in the last LIST_MS. */
  posts: readonly StatusPost[];
  outage: OutageSource;
  now: number;
}

const iso = (at: number) => new Date(at).toISOString();
const rounded = (ratio: number | undefined) => (ratio === undefined ? null : Number(ratio.toFixed(6)));

/** The hosts whose maintenance users of a service notice: the active one of a failover service, else all. */
export function servingHosts(store: Store, service: Service, now: number): readonly string[] {
  const placement = service.placement;
  if (placement.kind === "failover") return [activeStretches(store, service.name, placement.primary, now, now + 1)[0]!.host];
  return hostsOf(placement);
}

function maintenanceOf(input: ModelInput, names: readonly string[]): PageModel["maintenance"] {
  const schedule = new MaintenanceSchedule(input.topology.maintenance);
  const spans = new Map<string, { start: number; end: number; services: Set<string> }>();
  for (const name of names) {
    const service = input.topology.services.get(name);
    const scopes = [{ service: name }, ...(service ? servingHosts(input.store, service, input.now) : []).map((host) => ({ host }))];
    for (const scope of scopes) {
      // Keyed by the window and its start: the window's name is the owner's note and may name hosts, so it is never shown.
      for (const span of schedule.spansBetween(input.now, input.now + AHEAD_MS, scope, 5)) {
        const key = `${span.name}\u0000${span.start}`;
        const entry = spans.get(key) ?? { start: span.start, end: span.end, services: new Set<string>() };
        entry.services.add(name);
        spans.set(key, entry);
      }
    }
  }
  return [...spans.values()].sort((a, b) => a.start - b.start).slice(0, 10)
    .map((span) => ({ services: [...span.services].sort(), start: iso(span.start), end: iso(span.end), now: span.start <= input.now }));
}

function stateOf(health: string, inMaintenance: boolean): ServiceState {
  if (inMaintenance && health !== "up") return "maintenance";
  return health === "up" || health === "degraded" || health === "down" ? health : "unknown";
}

export function pageModel(input: ModelInput): PageModel {
  const { page, topology, store, now } = input;
  const names = page.services.filter((name) => topology.services.has(name));
  const shown = new Set(names);
  const outages = publicOutages(shown, input.health, input.incidents, input.outage, now);
  const maintenance = maintenanceOf(input, names);
  const services = names.map((name) => {
    const placement = topology.services.get(name)?.placement;
    const spans = outages.filter((entry) => entry.names.includes(name)).map((entry) => ({ from: entry.openedAt, to: entry.endedAt ?? now }));
    const days = dayBar({ store, service: name, placement, outages: spans, now, days: BAR_DAYS, latency: page.showResponseTime });
    const inMaintenance = maintenance.some((window) => window.now && window.services.includes(name));
    const entry: PageModel["services"][number] = {
      name, state: stateOf(input.health(name), inMaintenance),
      uptime_90d: rounded(availability(store, name, placement, now - BAR_DAYS * DAY_MS, now).ratio),
      uptime_24h: rounded(availability(store, name, placement, now - DAY_MS, now).ratio),
      days,
    };
    if (page.showResponseTime) {
      const [median] = latencyPercentiles(store, { service: name }, now - DAY_MS, now, [0.5])?.values ?? [];
      entry.p50_ms = median === undefined ? null : Number(median.toFixed(1));
    }
    return entry;
  });
  const states = services.map((service) => service.state);
  const overall: ServiceState = states.includes("down") ? "down" : states.includes("degraded") ? "degraded" : states.includes("maintenance") ? "maintenance"
    : states.length > 0 && states.every((state) => state === "up") ? "up" : "unknown";
  return {
    slug: page.slug, path: page.path, title: page.title, description: page.description ?? null, logo: page.logo ?? null, footer: page.footer ?? null,
    generated_at: iso(now), overall, services,
    incidents: outages.filter((entry) => entry.endedAt === undefined || entry.endedAt >= now - LIST_MS).map((entry) => ({
      title: entry.title, services: [...entry.names], opened_at: iso(entry.openedAt), resolved_at: entry.endedAt === undefined ? null : iso(entry.endedAt),
    })),
    posts: input.posts.flatMap((post) => {
      const on = post.services.filter((name) => shown.has(name));
      if (post.services.length > 0 && on.length === 0) return [];
      return [{
        id: post.id, title: post.title, services: on, state: post.updates.at(-1)?.state ?? "investigating", created_at: iso(post.createdAt),
        resolved_at: post.resolvedAt === undefined ? null : iso(post.resolvedAt),
        updates: post.updates.map((update) => ({ at: iso(update.at), state: update.state, message: update.message })).reverse(),
      }];
    }),
    maintenance,
    pages: input.pages.filter((other) => other.path !== page.path).map((other) => ({ title: other.title, path: other.path })),
  };
}
