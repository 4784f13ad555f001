// The public status page's data: no authentication, nothing but public services' names and health.
import { listIncidents } from "../../store/incidents.js";
import type { ApiDeps } from "../deps.js";
import { publicStatus } from "../public-status.js";
import type { Router } from "../router.js";
import { sendJson } from "../respond.js";
import { publicStatusResponse } from "../schemas.js";

/** How far back the status page lists incidents. */
const HISTORY_MS = 7 * 86_400_000;

export function publicRoutes(router: Router, deps: ApiDeps): void {
  router.add({ method: "get", path: "/api/public/status", access: "public", summary: "Public services' health and incidents (no hosts, no addresses)", response: publicStatusResponse }, (c) => {
    const incidents = listIncidents(deps.store, { since: deps.clock.now() - HISTORY_MS });
    return sendJson(c, publicStatus(deps.topology(), deps.health, incidents));
  });
}
