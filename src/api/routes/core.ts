// The agent's original routes: /healthz (public), /push/:token (public: the token is the credential; also
// under Uptime Kuma's path /api/push/:token, so jobs moved from Kuma keep their URL; and healthchecks.io's
// /push/:token/fail, /push/:token/start and /push/:token/<exit code> (0 ok, 1–255 a failure whose reason
// names the code), the body kept as the reason), /metrics and /api/status
// (authenticated when the dashboard is on; open when it is off, as before).
import type { Context } from "hono";
import { bodyExcerpt, type PushSignalKind } from "../../probes/push-ping.js";
import type { CoreDeps } from "../deps.js";
import { DEFAULT_BODY_LIMIT, readBodyPrefix } from "../body.js";
import type { ApiEnv } from "../env.js";
import type { Access, Router } from "../router.js";
import { sendJson, sendText } from "../respond.js";
import { statusResponse } from "../schemas.js";

export function coreRoutes(router: Router, deps: CoreDeps, readAccess: Access): void {
  router.add({ method: "get", path: "/healthz", access: "public", summary: "Liveness: ok, the version and the uptime", produces: "text/plain" }, (c) => {
    const body = { status: "ok", version: deps.version, uptime_s: Math.round(deps.uptime()) };
    if ((c.req.header("accept") ?? "").includes("application/json")) return sendJson(c, body);
    return sendText(c, `ok\n${JSON.stringify(body)}\n`);
  });

  const push = async (c: Context<ApiEnv>) => {
    const rest = c.req.path.replace(/^\/(api\/)?push\//, "");
    const kuma = c.req.path.startsWith("/api/push/");
    const signal = kuma ? undefined : /^(.*)\/(fail|start|[0-9]{1,3})$/.exec(rest);
    const exit = signal && /^[0-9]+$/.test(signal[2]!) ? Number(signal[2]) : undefined;
    if (exit !== undefined && exit > 255) return sendText(c, "not found\n", 404);
    const kind: PushSignalKind = signal?.[2] === "fail" || (exit ?? 0) > 0 ? "fail" : signal?.[2] === "start" ? "start" : "ok";
    let token: string;
    try {
      token = decodeURIComponent(signal?.[1] ?? rest);
    } catch {
      token = "";
    }
    // Kuma's ?status=down reports a failed run: it is no heartbeat, so the check fails when the period lapses.
    if (kuma && (c.req.query("status") ?? "up") !== "up") return sendText(c, "not counted: status is not up\n");
    // Unknown and malformed tokens get the same answer as any unknown path: nothing to learn from it.
    if (token === "" || token.includes("/")) return sendText(c, "not found\n", 404);
    // The first PUSH_BODY_READ bytes: a body declared longer is refused before (app.ts, for every path);
    // one sent without a length (chunked, `curl -T -`) is cut rather than refused, as healthchecks.io
    // cuts, so its signal still counts.
    const read = await readBodyPrefix(c, PUSH_BODY_READ);
    // healthchecks.io's /<exit status>: the code goes on the body's last line, which is the check's reason.
    const body = exit === undefined || exit === 0 ? read : `${read}${read === "" || read.endsWith("\n") ? "" : "\n"}exit code ${exit}${bodyExcerpt(read) ? `: ${bodyExcerpt(read)}` : ""}`;
    if (!deps.push(token, { kind, body })) return sendText(c, "not found\n", 404);
    return sendText(c, "ok\n");
  };
  const pushDoc = { access: "public", produces: "text/plain", errors: { 404: "no push check uses this token", 413: "a declared Content-Length over 64 KiB (send the log's tail)" } } as const;
  router.add({ ...pushDoc, method: "get", path: "/push/:token", summary: "A push check's heartbeat: the job succeeded" }, push);
  router.add({ ...pushDoc, method: "post", path: "/push/:token", summary: "A push check's heartbeat: the job succeeded (the body, a log, is kept)" }, push);
  router.add({ ...pushDoc, method: "get", path: "/push/:token/fail", summary: "A push check's job failed: the check is down at once" }, push);
  router.add({ ...pushDoc, method: "post", path: "/push/:token/fail", summary: "A push check's job failed: the check is down at once, the body (its last line) as the reason" }, push);
  router.add({ ...pushDoc, method: "get", path: "/push/:token/start", summary: "A push check's job started: the end measures its duration; no end within grace fails" }, push);
  router.add({ ...pushDoc, method: "post", path: "/push/:token/start", summary: "A push check's job started: the end measures its duration; no end within grace fails" }, push);
  router.add({ ...pushDoc, method: "get", path: "/push/:token/:exit", summary: "A push check's job ended with this exit code (healthchecks.io): 0 is a success, 1–255 a failure naming the code" }, push);
  router.add({ ...pushDoc, method: "post", path: "/push/:token/:exit", summary: "A push check's job ended with this exit code (healthchecks.io): 0 is a success, 1–255 a failure naming the code, the body's last line with it" }, push);
  router.add({ ...pushDoc, method: "get", path: "/api/push/:token", summary: "A push check's heartbeat at Uptime Kuma's path (?status=down is not counted)" }, push);
  router.add({ ...pushDoc, method: "post", path: "/api/push/:token", summary: "A push check's heartbeat at Uptime Kuma's path (?status=down is not counted)" }, push);

  router.add({ method: "get", path: "/metrics", access: readAccess, summary: "Prometheus metrics", produces: "text/plain; version=0.0.4" }, async (c) => {
    const { contentType, body } = await deps.metrics();
    return sendText(c, body, 200, contentType);
  });
  router.add({ method: "get", path: "/api/status", access: readAccess, summary: "Services, instances, checks' last results and open incidents", response: statusResponse }, (c) => sendJson(c, deps.status()));
}

/** What is read of a push's body: a job's log can be long, and the URL needs no login. */
const PUSH_BODY_READ = DEFAULT_BODY_LIMIT;
