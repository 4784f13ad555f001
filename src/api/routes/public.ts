// The public status page's data: no authentication, nothing but public services' names and health.
import { activeStretches, servedAgainAt } from "../../failover/served.js";
import { firstFailureBefore } from "../../store/history.js";
import { listIncidents } from "../../store/incidents.js";
import type { ApiDeps } from "../deps.js";
import { publicStatus, type OutageSource } from "../public-status.js";
import type { Router } from "../router.js";
import { sendJson } from "../respond.js";
import { publicStatusResponse } from "../schemas.js";

/** How far back the status page lists incidents. */
const HISTORY_MS = 7 * 86_400_000;
/** How far before an incident's opening its first failed check is looked for. */
const FIRST_FAILURE_MS = 10 * 60_000;

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

export function publicRoutes(router: Router, deps: ApiDeps): void {
  router.add({ method: "get", path: "/api/public/status", access: "public", summary: "Public services' health and incidents (no hosts, no addresses)", response: publicStatusResponse }, (c) => {
    const incidents = listIncidents(deps.store, { since: deps.clock.now() - HISTORY_MS });
    return sendJson(c, publicStatus(deps.topology(), deps.health, incidents, outageSource(deps), deps.clock.now()));
  });
}
