// Every route of the dashboard app, enumerated from Hono itself (not from our own list, so a route
// added without the guard is caught): each write refuses anonymous and viewer callers, each
// non-public read refuses anonymous callers, and the OpenAPI document lists every route.
import { afterEach, describe, expect, it } from "vitest";
import type { DemoControl } from "./deps.js";
import { fixtureApp, login, TOKENS, type Fixture } from "./app-fixture.js";
import { openApiPath } from "./openapi.js";

let fixture: Fixture;
afterEach(() => fixture?.close());

/** Routes anyone may call; everything else needs a login. */
const PUBLIC = new Set(["GET /healthz", "GET /push/:token", "POST /push/:token", "GET /push/:token/fail", "POST /push/:token/fail", "GET /push/:token/start", "POST /push/:token/start", "GET /push/:token/:exit", "POST /push/:token/:exit", "GET /api/push/:token", "POST /api/push/:token", "POST /api/login", "POST /api/login/code", "GET /api/public/status", "GET /api/public/pages/:slug", "GET /status", "GET /status/:slug", "GET /badge/:service/:file"]);
/** Writes any logged-in user may make (a viewer must be able to log out). */
const ANY_USER_WRITES = new Set(["POST /api/logout"]);

const demo: DemoControl = { services: () => ["nginx"], hosts: () => ["O001"], kill: async () => ({ killed: "nginx", host: "O001" }), restore: async () => ({ started: "nginx", host: "O001" }) };

/** The app's real routes: method and path as registered on Hono, without the catch-alls and 405s. */
function routesOf(f: Fixture): Array<{ method: string; path: string }> {
  const seen = new Set<string>();
  return f.app.routes
    .filter((route) => route.method !== "ALL" && route.path !== "*" && route.path !== "/*")
    .filter((route) => !seen.has(`${route.method} ${route.path}`) && seen.add(`${route.method} ${route.path}`))
    .map(({ method, path }) => ({ method, path }));
}

const concrete = (path: string) => path.replace(/:service|:name/g, "headscale").replace(/:token/g, "some-token");

describe("every route", () => {
  it("is guarded: writes refuse anonymous and viewer callers, reads refuse anonymous callers", async () => {
    fixture = await fixtureApp({ demo });
    const viewer = await login(fixture.app, "victor");
    const routes = routesOf(fixture);
    expect(routes.length).toBeGreaterThan(15);
    const checked: string[] = [];
    for (const { method, path } of routes) {
      const key = `${method} ${path}`;
      if (PUBLIC.has(key)) continue;
      const url = concrete(path);
      const body = method === "GET" ? undefined : "{}";
      const anonymous = await fixture.app.request(url, { method, body });
      expect(anonymous.status, `${key} anonymous`).toBe(401);
      if (method !== "GET" && !ANY_USER_WRITES.has(key)) {
        const bySession = await fixture.app.request(url, { method, body, headers: { cookie: viewer.cookie, "x-csrf-token": viewer.csrf } });
        expect(bySession.status, `${key} viewer session`).toBe(403);
        const byToken = await fixture.app.request(url, { method, body, headers: { authorization: `Bearer ${TOKENS.viewer}` } });
        expect(byToken.status, `${key} viewer token`).toBe(403);
      }
      if (method !== "GET") {
        const noCsrf = await fixture.app.request(url, { method, body, headers: { cookie: viewer.cookie } });
        expect(noCsrf.status, `${key} without CSRF`).toBe(403);
      }
      checked.push(key);
    }
    expect(checked).toEqual(expect.arrayContaining(["POST /api/failover/:service", "POST /api/demo/kill/:service", "GET /api/events", "GET /metrics", "GET /api/status", "GET /api/openapi.json"]));
  });

  it("public routes answer without a login", async () => {
    fixture = await fixtureApp();
    expect((await fixture.app.request("/healthz")).status).toBe(200);
    expect((await fixture.app.request("/api/public/status")).status).toBe(200);
    expect((await fixture.app.request("/push/unknown")).status).toBe(404);
    expect((await fixture.app.request("/")).status).toBe(200);
  });

  it("the demo routes do not exist outside the demo", async () => {
    fixture = await fixtureApp();
    const { cookie, csrf } = await login(fixture.app, "alice");
    expect(routesOf(fixture).some((route) => route.path.startsWith("/api/demo"))).toBe(false);
    expect((await fixture.app.request("/api/demo/kill/nginx", { method: "POST", headers: { cookie, "x-csrf-token": csrf } })).status).toBe(404);
  });
});

describe("GET /api/openapi.json", () => {
  it("is OpenAPI 3.1 and lists every route with its method", async () => {
    fixture = await fixtureApp({ demo });
    const { cookie } = await login(fixture.app, "victor");
    const document = (await (await fixture.app.request("/api/openapi.json", { headers: { cookie } })).json()) as { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown>; parameters?: Array<{ name: string; in: string }> }>> };
    expect(document.openapi).toBe("3.1.0");
    for (const { method, path } of routesOf(fixture)) {
      expect(document.paths[openApiPath(path)]?.[method.toLowerCase()], `${method} ${path}`).toBeDefined();
    }
    const uptime = document.paths["/api/services/{name}/uptime"]!.get!;
    expect(uptime.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: "name", in: "path" }), expect.objectContaining({ name: "window", in: "query" })]));
    expect(document.paths["/api/failover/{service}"]!.post!.responses).toHaveProperty("403");
  });
});
