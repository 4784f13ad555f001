// Failover history and the "Fail over" action, backups and drills. What this build cannot do yet
// answers 501 with a sentence, never a fake success.
import type { ApiDeps } from "../deps.js";
import { DrillJournal } from "../../drill/journal.js";
import { drillJson } from "../../drill/report.js";
import type { Router } from "../router.js";
import { sendError, sendJson } from "../respond.js";
import { backupsResponse, drillsResponse, failoverBody, failoverResponse, failoversResponse } from "../schemas.js";

function refusalOf(result: unknown): string | undefined {
  if (typeof result !== "object" || result === null) return undefined;
  const { error, refused } = result as { error?: unknown; refused?: unknown };
  if (typeof error === "string") return error;
  if (Array.isArray(refused) && refused.length > 0) return `refused: ${refused.map((r) => (typeof r === "string" ? r : JSON.stringify(r))).join("; ")}`;
  return undefined;
}

const NO_FAILOVER = "this build of the agent has no failover engine yet; use `understudy failover` when it lands";

export function actionRoutes(router: Router, deps: ApiDeps): void {
  router.add({ method: "get", path: "/api/failovers", access: "viewer", summary: "Failover history, newest first", response: failoversResponse }, async (c) =>
    sendJson(c, { failovers: deps.failover ? await deps.failover.history() : [] }));

  router.add({ method: "post", path: "/api/failover/:service", access: "operator", summary: "Fail a service over to a standby or back to its primary (kind: failback), or show the plan (dry_run)", body: failoverBody, response: failoverResponse, errors: { 404: "no such service", 409: "the engine refused (a guard, no eligible standby)", 501: "no failover engine in this build" } }, async (c, { body }) => {
    const service = c.req.param("service") ?? "";
    const found = deps.topology().services.get(service);
    if (!found) return sendError(c, 404, `no service named "${service}"`);
    if (found.placement.kind !== "failover") return sendError(c, 400, `${service} has no primary and standby to fail over between`);
    if (!deps.failover) return sendError(c, 501, NO_FAILOVER);
    const result = body.dry_run ? await deps.failover.plan(service, body.to, body.kind) : await deps.failover.start(service, body.to, c.get("identity")!.name, body.kind);
    // The engine answers a refusal (guards, no eligible standby) as a value: 409 with its reason.
    const refusal = refusalOf(result);
    if (refusal) return sendJson(c, { error: refusal, ...(result as object) }, 409);
    return sendJson(c, body.dry_run ? { dry_run: true, plan: result } : { dry_run: false, failover: result });
  });

  router.add({ method: "get", path: "/api/backups", access: "viewer", summary: "Snapshots on the backup targets and the standbys' replica ages", response: backupsResponse }, async (c) =>
    sendJson(c, deps.backups ? await deps.backups() : { snapshots: [], replicas: [], note: "no backup catalogue in this agent" }));

  router.add({ method: "get", path: "/api/drills", access: "viewer", summary: "Drill results, newest first: measured detection and RTO against the target", response: drillsResponse }, (c) =>
    sendJson(c, { drills: new DrillJournal(deps.store).list({ limit: 200 }).map(drillJson) }));
}
