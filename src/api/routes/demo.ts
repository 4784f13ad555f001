// The demo's controls (only registered by `understudy demo`): kill a service's serving instance and
// bring it back, so a person can watch detection, the incident and the failover happen.
import type { DemoControl } from "../deps.js";
import type { Router } from "../router.js";
import { sendError, sendJson } from "../respond.js";
import { demoKillResponse, demoResponse, demoRestoreResponse } from "../schemas.js";

export function demoRoutes(router: Router, demo: DemoControl): void {
  router.add({ method: "get", path: "/api/demo", access: "viewer", summary: "Demo mode: the services that can be killed", response: demoResponse }, (c) =>
    sendJson(c, { demo: true, services: demo.services() }));

  const known = (name: string) => demo.services().includes(name);
  router.add({ method: "post", path: "/api/demo/kill/:service", access: "operator", summary: "Demo: stop the process serving a service (its primary), or its instance on ?host=", response: demoKillResponse, errors: { 404: "no such demo service or host" } }, async (c) => {
    const service = c.req.param("service") ?? "";
    if (!known(service)) return sendError(c, 404, `no demo service named "${service}"`);
    const host = c.req.query("host");
    if (host !== undefined && !demo.hosts(service).includes(host)) return sendError(c, 404, `${service} does not run on "${host}" in the demo (it runs on ${demo.hosts(service).join(", ")})`);
    return sendJson(c, await demo.kill(service, host));
  });
  router.add({ method: "post", path: "/api/demo/restore/:service", access: "operator", summary: "Demo: start a killed service's process again", response: demoRestoreResponse, errors: { 404: "no such demo service" } }, async (c) => {
    const service = c.req.param("service") ?? "";
    if (!known(service)) return sendError(c, 404, `no demo service named "${service}"`);
    return sendJson(c, await demo.restore(service));
  });
}
