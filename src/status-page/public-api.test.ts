// Status posts through the API (created, updated, resolved; operators only; shown on the pages that show
// their services), SVG badges, the caching headers (ETag, 304, max-age) and no internals in any public answer.
import { afterEach, describe, expect, it } from "vitest";
import { openIncident } from "../store/incidents.js";
import { seriesId } from "../store/series.js";
import { fixtureApp, fixtureConfig, TOKENS, type Fixture } from "../api/app-fixture.js";

let fixture: Fixture | undefined;
afterEach(() => {
  fixture?.close();
  fixture = undefined;
});

const as = (token: string, body?: unknown) => ({
  method: body === undefined ? "GET" : "POST",
  headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

function goodResults(f: Fixture, service: string, host: string, hours: number, latencyUs: number): void {
  const id = seriesId(f.store, { check: `${service}/${host}`, service, host, agent: "test" });
  const insert = f.store.db.prepare("INSERT INTO results (check_id, at, ok, latency_us) VALUES (?, ?, ?, ?)");
  const now = f.clock.now();
  for (let at = now - hours * 3_600_000; at < now; at += 10_000) insert.run(id, at, 1, latencyUs);
}

/** Well-formed enough for an image: one <svg> root in the SVG namespace, every tag closed in order. */
function expectSvg(text: string): void {
  expect(text).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="20"/);
  const stack: string[] = [];
  for (const match of text.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (match[3] === "/") continue;
    if (match[1] === "/") expect(stack.pop()).toBe(match[2]);
    else stack.push(match[2]!);
  }
  expect(stack).toEqual([]);
  expect(text.trim().endsWith("</svg>")).toBe(true);
}

describe("status posts", () => {
  it("are created, updated and resolved by operators and shown on the pages that show their services", async () => {
    fixture = await fixtureApp({}, await fixtureConfig("status_pages:\n  - { slug: web, title: Web, services: [nginx] }\n"));
    const created = await fixture.app.request("/api/status-posts", as(TOKENS.operator, { title: "Sign-in is slow", message: "We are looking into it.", services: ["headscale"] }));
    expect(created.status).toBe(200);
    const { post } = (await created.json()) as { post: { id: number; created_by: string; updates: unknown[] } };
    expect(post).toMatchObject({ id: 1, created_by: "ci", resolved_at: null, updates: [expect.objectContaining({ state: "investigating", message: "We are looking into it." })] });
    // Shown at once (the cache is cleared by the write) on the page with headscale, not on the one without.
    const main = await (await fixture.app.request("/status")).text();
    expect(main).toContain("Sign-in is slow");
    expect(main).toContain("We are looking into it.");
    expect(await (await fixture.app.request("/status/web")).text()).not.toContain("Sign-in is slow");

    expect((await fixture.app.request(`/api/status-posts/${post.id}/updates`, as(TOKENS.operator, { state: "identified", message: "A full disk on the server." }))).status).toBe(200);
    const resolved = await fixture.app.request(`/api/status-posts/${post.id}/resolve`, as(TOKENS.operator, { message: "Space freed; all good." }));
    expect(((await resolved.json()) as { post: { resolved_at: string } }).post.resolved_at).toBe(new Date(fixture.clock.now()).toISOString());
    const page = await (await fixture.app.request("/api/public/pages/default")).json() as { posts: Array<{ title: string; state: string; updates: Array<{ state: string }> }> };
    expect(page.posts).toEqual([expect.objectContaining({ title: "Sign-in is slow", state: "resolved", services: ["headscale"] })]);
    expect(page.posts[0]!.updates.map((update) => update.state)).toEqual(["resolved", "identified", "investigating"]);
    // Who wrote it is for the operators.
    expect(page.posts[0]).not.toHaveProperty("created_by");
    expect(page.posts[0]!.updates[0]).not.toHaveProperty("by");

    const again = await fixture.app.request(`/api/status-posts/${post.id}/updates`, as(TOKENS.operator, { message: "more" }));
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({ error: expect.stringContaining("create a new post instead") });
    expect((await fixture.app.request("/api/status-posts/99/resolve", as(TOKENS.operator, {}))).status).toBe(404);
    const listed = await (await fixture.app.request("/api/status-posts", as(TOKENS.viewer))).json() as { posts: unknown[] };
    expect(listed.posts).toHaveLength(1);
  });

  it("refuse viewers, an unknown service and an empty title, with what to do", async () => {
    fixture = await fixtureApp();
    expect((await fixture.app.request("/api/status-posts", as(TOKENS.viewer, { title: "x", message: "y" }))).status).toBe(403);
    const unknown = await fixture.app.request("/api/status-posts", as(TOKENS.operator, { title: "x", message: "y", services: ["ngnix"] }));
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({ error: 'unknown service "ngnix"; services are: adguard, headscale, lan, mesh, nginx, vaultwarden' });
    const empty = await fixture.app.request("/api/status-posts", as(TOKENS.operator, { title: " ", message: "y" }));
    expect(await empty.json()).toEqual({ error: "bad body", issues: [{ path: "title", message: "give a title" }] });
  });

  it("naming only a private service shows on no public page", async () => {
    fixture = await fixtureApp();
    await fixture.app.request("/api/status-posts", as(TOKENS.operator, { title: "Vault maintenance", message: "Upgrading.", services: ["vaultwarden"] }));
    expect(await (await fixture.app.request("/status")).text()).not.toContain("Vault");
  });
});

describe("badges", () => {
  it("give status, uptime and (where a page shows it) response time as SVG; a private service and a hidden badge are 404", async () => {
    fixture = await fixtureApp({}, await fixtureConfig("status_pages:\n  - { slug: lab, services: [headscale], show_response_time: true }\n"));
    goodResults(fixture, "headscale", "L001", 2, 42_000);
    goodResults(fixture, "nginx", "O001", 2, 5_000);
    fixture.health.set("nginx", "down");
    const status = await fixture.app.request("/badge/nginx/status.svg");
    expect(status.headers.get("content-type")).toBe("image/svg+xml");
    const svg = await status.text();
    expectSvg(svg);
    expect(svg).toContain('aria-label="nginx: down"');
    expect(svg).toContain("#cf222e");
    const uptime = await (await fixture.app.request("/badge/headscale/uptime.svg?window=24h")).text();
    expectSvg(uptime);
    expect(uptime).toContain('aria-label="headscale uptime 24h: 100%"');
    const latency = await (await fixture.app.request("/badge/headscale/response-time.svg")).text();
    expectSvg(latency);
    expect(latency).toContain('aria-label="headscale response: 42 ms"');
    // nginx is public, but no page shows its response time; vaultwarden is private; nobody is unknown.
    for (const path of ["/badge/nginx/response-time.svg", "/badge/vaultwarden/status.svg", "/badge/nobody/status.svg", "/badge/nginx/other.svg"]) {
      const response = await fixture.app.request(path);
      expect(response.status, path).toBe(404);
      expect(await response.text()).toBe("not found\n");
    }
  });
});

describe("caching", () => {
  it("answers with public max-age and an ETag, 304 to a matching If-None-Match, and a fresh answer after 30 s", async () => {
    fixture = await fixtureApp();
    for (const path of ["/status", "/api/public/status", "/api/public/pages/default", "/badge/nginx/status.svg"]) {
      const first = await fixture.app.request(path);
      expect(first.status, path).toBe(200);
      expect(first.headers.get("cache-control"), path).toBe("public, max-age=30, stale-while-revalidate=60");
      const etag = first.headers.get("etag")!;
      expect(etag, path).toMatch(/^"[A-Za-z0-9_-]+"$/);
      const again = await fixture.app.request(path, { headers: { "if-none-match": etag } });
      expect(again.status, path).toBe(304);
      expect(await again.text(), path).toBe("");
    }
    const etag = (await fixture.app.request("/status")).headers.get("etag")!;
    await fixture.clock.advance(10_000);
    const later = await fixture.app.request("/status", { headers: { "if-none-match": etag } });
    expect(later.status).toBe(304);
    expect(later.headers.get("cache-control")).toBe("public, max-age=20, stale-while-revalidate=60");
    fixture.health.set("nginx", "down");
    await fixture.clock.advance(20_000);
    const fresh = await fixture.app.request("/status", { headers: { "if-none-match": etag } });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get("etag")).not.toBe(etag);
    const html = await fresh.text();
    expect(html).toContain("Some systems are down");
    expect(html).toContain("Last updated <time datetime=\"2026-03-01T12:00:30.000Z\">");
  });
});

describe("no internals", () => {
  it("no host, address, private service, check reason or maintenance note reaches any public answer", async () => {
    fixture = await fixtureApp({}, await fixtureConfig(`status_pages:
  - { slug: lab, services: [headscale, nginx], show_response_time: true }
maintenance:
  - { name: "reboot H003 and O001", hosts: [O001], start: "2026-03-01T11:00", duration: 4h }
`));
    const now = fixture.clock.now();
    const id = seriesId(fixture.store, { check: "nginx/https://o001.internal:8443", service: "nginx", host: "O001", agent: "agent-h003" });
    fixture.store.db.prepare("INSERT INTO results (check_id, at, ok, latency_us, message) VALUES (?, ?, 0, 0, ?)").run(id, now - 60_000, "connect ECONNREFUSED 100.64.0.1:8443");
    openIncident(fixture.store, { root: { kind: "host", name: "O001" }, title: "O001 (100.64.0.1) down: nginx, vaultwarden", severity: "high", at: now - 60_000, children: [{ kind: "service", name: "nginx" }, { kind: "service", name: "vaultwarden" }] });
    fixture.health.set("nginx", "down");
    const answers = await Promise.all(["/status", "/status/lab", "/api/public/status", "/api/public/pages/lab", "/api/public/pages/default", "/badge/nginx/status.svg", "/badge/nginx/uptime.svg", "/badge/nginx/response-time.svg"]
      .map(async (path) => `${path}\n${await (await fixture!.app.request(path)).text()}`));
    const all = answers.join("\n");
    expect(all).toContain("nginx unavailable");
    for (const secret of ["O001", "L001", "H003", "100.64", "10.12.14.1", "vaultwarden", "adguard", "ECONNREFUSED", "8443", "o001.internal", "agent-h003", "reboot", "linode", "oracle"]) {
      expect(all, secret).not.toContain(secret);
    }
  });
});
