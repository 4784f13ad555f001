// The agent's original routes: /healthz (public), /push/:token (public: the token is the credential; also
// under Uptime Kuma's path /api/push/:token, so jobs moved from Kuma keep their URL),
// /metrics and /api/status (authenticated when the dashboard is on; open when it is off, as before).
import type { CoreDeps } from "../deps.js";
import type { Access, Router } from "../router.js";
import { sendJson, sendText } from "../respond.js";
import { statusResponse } from "../schemas.js";

export function coreRoutes(router: Router, deps: CoreDeps, readAccess: Access): void {
  router.add({ method: "get", path: "/healthz", access: "public", summary: "Liveness: ok, the version and the uptime", produces: "text/plain" }, (c) => {
    const body = { status: "ok", version: deps.version, uptime_s: Math.round(deps.uptime()) };
    if ((c.req.header("accept") ?? "").includes("application/json")) return sendJson(c, body);
    return sendText(c, `ok\n${JSON.stringify(body)}\n`);
  });

  const push = (c: Parameters<Parameters<Router["add"]>[1]>[0]) => {
    let token: string;
    try {
      token = decodeURIComponent(c.req.path.replace(/^\/(api\/)?push\//, ""));
    } catch {
      token = "";
    }
    // Kuma's ?status=down reports a failed run: it is no heartbeat, so the check fails when the period lapses.
    if (c.req.path.startsWith("/api/push/") && (c.req.query("status") ?? "up") !== "up") return sendText(c, "not counted: status is not up\n");
    // Unknown and malformed tokens get the same answer as any unknown path: nothing to learn from it.
    if (token === "" || token.includes("/") || !deps.push(token)) return sendText(c, "not found\n", 404);
    return sendText(c, "ok\n");
  };
  router.add({ method: "get", path: "/push/:token", access: "public", summary: "A push check's heartbeat", produces: "text/plain", errors: { 404: "no push check uses this token" } }, push);
  router.add({ method: "post", path: "/push/:token", access: "public", summary: "A push check's heartbeat (the body is ignored)", produces: "text/plain", errors: { 404: "no push check uses this token" } }, push);
  router.add({ method: "get", path: "/api/push/:token", access: "public", summary: "A push check's heartbeat at Uptime Kuma's path (?status=down is not counted)", produces: "text/plain", errors: { 404: "no push check uses this token" } }, push);
  router.add({ method: "post", path: "/api/push/:token", access: "public", summary: "A push check's heartbeat at Uptime Kuma's path (?status=down is not counted)", produces: "text/plain", errors: { 404: "no push check uses this token" } }, push);

  router.add({ method: "get", path: "/metrics", access: readAccess, summary: "Prometheus metrics", produces: "text/plain; version=0.0.4" }, async (c) => {
    const { contentType, body } = await deps.metrics();
    return sendText(c, body, 200, contentType);
  });
  router.add({ method: "get", path: "/api/status", access: readAccess, summary: "Services, instances, checks' last results and open incidents", response: statusResponse }, (c) => sendJson(c, deps.status()));
}
