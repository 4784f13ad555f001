// The public status pages and what serves them, with no login: the JSON at /api/public/status (the
// services marked public: true) and /api/public/pages/:slug, the HTML pages at /status and each
// `status_pages:` path, and SVG badges at /badge/<service>/<status|uptime|response-time>.svg. Each
// answer is built from an allowlist (no hosts, addresses, checks or reasons) and cached (status-page/cache.ts).
// The status-post routes (status-posts.ts) share the cache, so a post shows at once.
import { activeStretches, servedAgainAt } from "../../failover/served.js";
import { firstFailureBefore, latencyPercentiles } from "../../store/history.js";
import { listIncidents } from "../../store/incidents.js";
import { listPosts } from "../../store/status-posts.js";
import { badgeSvg, COLORS, responseTimeBadge, statusBadge, uptimeBadge } from "../../status-page/badges.js";
import { PublicCache } from "../../status-page/cache.js";
import { renderPage } from "../../status-page/html.js";
import { BAR_DAYS, LIST_MS, pageModel, servingHosts, type PageModel } from "../../status-page/model.js";
import { pageAt, pagesOf, publicServices, type PageSpec } from "../../status-page/pages.js";
import { DAY_MS } from "../../status-page/day-bar.js";
import { pageResponse } from "../../status-page/api-schemas.js";
import { MaintenanceSchedule } from "../../engine/maintenance.js";
import type { ApiDeps } from "../deps.js";
import { publicStatus, type OutageSource } from "../public-status.js";
import type { Router } from "../router.js";
import { publicStatusResponse } from "../schemas.js";
import { availability } from "../uptime-view.js";
import { statusPostRoutes } from "./status-posts.js";

/** How far back /api/public/status lists incidents. */
const HISTORY_MS = 7 * 86_400_000;
/** How far before an incident's opening its first failed check is looked for. */
const FIRST_FAILURE_MS = 10 * 60_000;
const UPTIME_WINDOWS: Record<string, number> = { "24h": DAY_MS, "7d": 7 * DAY_MS, "30d": 30 * DAY_MS, "90d": 90 * DAY_MS };

function outageSource(deps: ApiDeps): OutageSource {
  return {
    servedAgainAt: (service, from, to) => servedAgainAt(deps.store, service, from, to),
    firstFailure: (service, at) => {
      // The checks of the instance that was serving then (the active host for a failover service).
      const placement = deps.topology().services.get(service)?.placement;
      const hosts = placement?.kind === "failover" ? [activeStretches(deps.store, service, placement.primary, at, at + 1)[0]!.host] : undefined;
      return firstFailureBefore(deps.store, { service, ...(hosts ? { hosts } : {}) }, at, FIRST_FAILURE_MS);
    },
  };
}

function modelOf(deps: ApiDeps, page: PageSpec, pages: readonly PageSpec[]): PageModel {
  const now = deps.clock.now();
  return pageModel({
    page, pages, topology: deps.topology(), store: deps.store, health: deps.health, now, outage: outageSource(deps),
    incidents: listIncidents(deps.store, { since: now - BAR_DAYS * DAY_MS }),
    posts: listPosts(deps.store, { since: now - LIST_MS }),
  });
}

/** A service's state for its badge: its health, or maintenance while a window covers it and it is not up. */
function badgeState(deps: ApiDeps, service: string): string {
  const health = deps.health(service);
  if (health === "up") return health;
  const found = deps.topology().services.get(service);
  const schedule = new MaintenanceSchedule(deps.topology().maintenance);
  const now = deps.clock.now();
  const covered = schedule.isInMaintenance(now, { service }) || (found ? servingHosts(deps.store, found, now) : []).some((host) => schedule.isInMaintenance(now, { host }));
  return covered ? "maintenance" : health;
}

function badge(deps: ApiDeps, service: string, file: string, window: string | undefined): string | undefined {
  const pages = pagesOf(deps.config(), deps.topology());
  const shown = publicServices(pages).get(service);
  // A private or unknown service, or a badge the owner does not show: the same 404 for all, so nothing is learnt.
  if (!shown) return undefined;
  const now = deps.clock.now();
  const placement = deps.topology().services.get(service)?.placement;
  if (file === "status.svg") return statusBadge(service, badgeState(deps, service));
  if (file === "uptime.svg") {
    const span = UPTIME_WINDOWS[window ?? "30d"];
    if (span === undefined) return badgeSvg("window", "24h, 7d, 30d or 90d", COLORS.grey);
    return uptimeBadge(service, availability(deps.store, service, placement, now - span, now).ratio, window ?? "30d");
  }
  if (file === "response-time.svg" && shown.showResponseTime) {
    return responseTimeBadge(service, latencyPercentiles(deps.store, { service }, now - DAY_MS, now, [0.5])?.values[0]);
  }
  return undefined;
}

export function publicRoutes(router: Router, deps: ApiDeps): void {
  const cache = new PublicCache(() => deps.clock.now());

  router.add({ method: "get", path: "/api/public/status", access: "public", summary: "Public services' health and incidents (no hosts, no addresses); cached up to 30 s", response: publicStatusResponse }, (c) =>
    cache.serve(c, "json:/api/public/status", "application/json", () => {
      const incidents = listIncidents(deps.store, { since: deps.clock.now() - HISTORY_MS });
      return `${JSON.stringify(publicStatus(deps.topology(), deps.health, incidents, outageSource(deps), deps.clock.now()), null, 2)}\n`;
    }));

  router.add({ method: "get", path: "/api/public/pages/:slug", access: "public", summary: "A status page's data: services with 90-day bars, incidents, posts, maintenance; cached up to 30 s", response: pageResponse, errors: { 404: "no such page" } }, (c) => {
    const slug = c.req.param("slug") ?? "";
    return cache.serve(c, `json:page:${slug}`, "application/json", () => {
      const pages = pagesOf(deps.config(), deps.topology());
      const page = pages.find((found) => found.slug === slug);
      return page ? `${JSON.stringify(modelOf(deps, page, pages), null, 2)}\n` : undefined;
    });
  });

  const html = (c: Parameters<Parameters<Router["add"]>[1]>[0]) => cache.serve(c, `html:${c.req.path}`, "text/html; charset=utf-8", () => {
    const pages = pagesOf(deps.config(), deps.topology());
    const page = pageAt(pages, c.req.path);
    return page ? renderPage(modelOf(deps, page, pages)) : undefined;
  });
  router.add({ method: "get", path: "/status", access: "public", summary: "The public status page (HTML); cached up to 30 s", produces: "text/html" }, html);
  router.add({ method: "get", path: "/status/:slug", access: "public", summary: "A status page from status_pages: (HTML); cached up to 30 s", produces: "text/html", errors: { 404: "no such page" } }, html);

  router.add({ method: "get", path: "/badge/:service/:file", access: "public", summary: "An SVG badge of a public service: status.svg, uptime.svg (?window=24h|7d|30d|90d) or response-time.svg (when a page shows response times)", produces: "image/svg+xml", errors: { 404: "no such public service or badge" } }, (c) => {
    const service = c.req.param("service") ?? "";
    const file = c.req.param("file") ?? "";
    const window = c.req.query("window");
    return cache.serve(c, `badge:${service}/${file}?${window ?? ""}`, "image/svg+xml", () => badge(deps, service, file, window));
  });

  statusPostRoutes(router, deps, () => cache.clear());
}
