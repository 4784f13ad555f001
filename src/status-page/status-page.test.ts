// The public status pages through the API: the 90-day bar (a failover day shows as served by a standby,
// a day with a half-hour outage reads down), several pages with their own services and settings,
// maintenance current and upcoming, badges, caching (ETag/304) and nothing internal in any answer.
import { afterEach, describe, expect, it } from "vitest";
import { harness } from "../failover/test-fixture.js";
import { openIncident, resolveIncident } from "../store/incidents.js";
import { seriesId } from "../store/series.js";
import { fixtureApp, fixtureConfig, type Fixture } from "../api/app-fixture.js";
import type { PageModel } from "./model.js";

const FAILOVER = "{ mode: automatic, fence: { command: [systemctl, stop, hs] }, promote: { command: [systemctl, start, hs] }, min_interval: 1s, max_per_hour: 10 }\n    public: true";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let fixture: Fixture | undefined;
let close: (() => void) | undefined;
afterEach(() => {
  fixture?.close();
  close?.();
  fixture = undefined;
  close = undefined;
});

async function page(app: Fixture["app"], slug = "default"): Promise<PageModel> {
  const response = await app.request(`/api/public/pages/${slug}`);
  expect(response.status).toBe(200);
  return (await response.json()) as PageModel;
}

/** Results for a check of `service` every 10 s in [from, to), good or failing. */
function results(f: Pick<Fixture, "store">, service: string, host: string, from: number, to: number, ok: boolean, latencyUs = 20_000): void {
  const id = seriesId(f.store, { check: `${service}/${host}`, service, host, agent: "test" });
  const insert = f.store.db.prepare("INSERT INTO results (check_id, at, ok, latency_us, message) VALUES (?, ?, ?, ?, ?)");
  for (let at = from; at < to; at += 10_000) insert.run(id, at, ok ? 1 : 0, ok ? latencyUs : 0, ok ? null : `connect ECONNREFUSED 100.64.0.1:443 on ${host}`);
}

describe("the 90-day bar", () => {
  it("shows a day saved by a failover as degraded with the failover marked, not as down", async () => {
    const h = harness(FAILOVER);
    close = () => h.store.close();
    const failovers = h.failovers();
    const topology = failovers["deps"].topology();
    await h.clock.advance(10_000 - (h.clock.now() % 10_000));
    const t0 = h.clock.now();
    results(h, "hs", "vps", t0 - HOUR, t0, true);
    results(h, "hs", "vps", t0, t0 + 10_000, false);
    openIncident(h.store, { root: { kind: "service", name: "hs" }, title: "hs down on vps", severity: "normal", at: t0 + 3_000 });
    await h.clock.advance(5_000);
    const planned = failovers.plan({ service: "hs", kind: "failover", force: false, reason: "hs down on vps" });
    if (!planned.ok) throw new Error(planned.message);
    expect((await failovers.run(planned.plan)).status).toBe("done");
    results(h, "hs", "vps", t0 + 10_000, t0 + HOUR, false);
    results(h, "hs", "spare", t0 + 10_000, t0 + HOUR, true);
    await h.clock.advance(t0 + HOUR - h.clock.now());
    fixture = await fixtureApp({ store: h.store, clock: h.clock, topology: () => topology, health: () => "degraded" });

    const model = await page(fixture.app);
    const hs = model.services.find((service) => service.name === "hs")!;
    expect(hs.days).toHaveLength(90);
    const failoverDays = hs.days.filter((day) => day.failovers > 0);
    expect(failoverDays).toHaveLength(1);
    const day = failoverDays[0]!;
    expect(day).toMatchObject({ state: "degraded", failovers: 1 });
    expect(day.outage_ms).toBeGreaterThanOrEqual(5_000);
    expect(day.outage_ms).toBeLessThan(6_000);
    expect(day.uptime).toBeGreaterThan(0.99);
    const html = await (await fixture.app.request("/status")).text();
    // The standby served from the switch (5 s after t0) to now, an hour after t0.
    const switchedAt = Date.parse(day.failover_at[0]!);
    expect(switchedAt - t0).toBeGreaterThanOrEqual(5_000);
    expect(day.standby_ms).toBe(t0 + HOUR - switchedAt);
    const at = day.failover_at[0]!.slice(11, 16);
    expect(html).toMatch(new RegExp(`<li class="day degraded failover" title="${day.date} · 99\\.[0-9]+ % available · unavailable 5 s · served by a standby 59 min 5[0-9] s \\(failover at ${at} UTC\\)"`));
    for (const secret of ["vps", "spare", "10.0.0", "ECONNREFUSED"]) expect(html).not.toContain(secret);
  });

  it("reads a day with a half-hour outage as down, a good day as up, and a day without results as no data", async () => {
    fixture = await fixtureApp();
    const now = fixture.clock.now();
    const today = Math.floor(now / DAY) * DAY;
    const yesterday = today - DAY;
    results(fixture, "nginx", "O001", yesterday, yesterday + 10 * HOUR, true);
    results(fixture, "nginx", "O001", yesterday + 10 * HOUR, yesterday + 10.5 * HOUR, false);
    results(fixture, "nginx", "O001", yesterday + 10.5 * HOUR, now, true);
    const incident = openIncident(fixture.store, { root: { kind: "host", name: "O001" }, title: "O001 (100.64.0.1) down: nginx, vaultwarden", severity: "high", at: yesterday + 10 * HOUR + 20_000, children: [{ kind: "service", name: "nginx" }] });
    resolveIncident(fixture.store, incident.id, yesterday + 10.5 * HOUR);
    const nginx = (await page(fixture.app)).services.find((service) => service.name === "nginx")!;
    expect(nginx.days.at(-2)).toMatchObject({ date: new Date(yesterday).toISOString().slice(0, 10), state: "down", outage_ms: 30 * 60_000 });
    expect(nginx.days.at(-1)).toMatchObject({ state: "up", uptime: 1, outage_ms: 0, failovers: 0 });
    expect(nginx.days.at(-3)).toMatchObject({ state: "none", uptime: null });
    const html = await (await fixture.app.request("/status")).text();
    expect(html).toContain(`data-date="${new Date(yesterday).toISOString().slice(0, 10)}" data-state="down"`);
    expect(html).toContain("unavailable 30 min");
    expect(html).toContain("nginx was unavailable");
  });
});

const PAGES = `status_pages:
  - slug: lab
    title: Lab status
    description: "The lab's public services. Questions: https://example.org/contact"
    logo: /logo.svg
    footer: Run by Ada <ada@example.org>
    services: [headscale]
    show_response_time: true
  - { slug: web, title: Web, services: [nginx, vaultwarden] }
maintenance:
  - { name: "O001 kernel update", hosts: [O001], start: "2026-03-01T14:00", duration: 2h }
  - { name: "L001 nightly", services: [headscale], cron: "30 11 * * *", duration: 1h }
`;

describe("several pages", () => {
  it("serve each page at its path with its own services, settings and links; the default page stays", async () => {
    fixture = await fixtureApp({}, await fixtureConfig(PAGES));
    results(fixture, "headscale", "L001", fixture.clock.now() - HOUR, fixture.clock.now(), true, 42_000);
    const lab = await (await fixture.app.request("/status/lab")).text();
    expect(lab).toContain("<title>Lab status</title>");
    expect(lab).toContain('<img src="/logo.svg" alt="">');
    expect(lab).toContain('<a href="https://example.org/contact" rel="nofollow noopener">https://example.org/contact</a>');
    expect(lab).toContain("Run by Ada &#60;ada@example.org&#62;");
    expect(lab).toContain('data-service="headscale"');
    expect(lab).not.toContain('data-service="nginx"');
    expect(lab).toContain("100 % over 90 days · 100 % over 24 h · 42 ms median response");
    expect(lab).toMatch(/<nav><a href="\/status">Status<\/a><a href="\/status\/web">Web<\/a><\/nav>/);
    expect(lab).toMatch(/Last updated <time datetime="2026-03-01T12:00:00.000Z">2026-03-01 12:00 UTC<\/time>/);

    const web = await page(fixture.app, "web");
    expect(web.services.map((service) => service.name)).toEqual(["nginx", "vaultwarden"]);
    expect(web.services[0]).not.toHaveProperty("p50_ms");
    const main = await page(fixture.app);
    expect(main.services.map((service) => service.name)).toEqual(["headscale", "nginx"]);
    expect((await fixture.app.request("/status/nope")).status).toBe(404);
    expect((await fixture.app.request("/api/public/pages/nope")).status).toBe(404);
  });

  it("a page at /status replaces the default one", async () => {
    fixture = await fixtureApp({}, await fixtureConfig("status_pages:\n  - { slug: home, path: /status, title: Home, services: [vaultwarden] }\n"));
    const html = await (await fixture.app.request("/status")).text();
    expect(html).toContain("<title>Home</title>");
    expect(html).toContain('data-service="vaultwarden"');
    expect(html).not.toContain('data-service="headscale"');
  });
});

describe("maintenance on the page", () => {
  it("announces the windows covering a page's services, current and upcoming, without their names", async () => {
    fixture = await fixtureApp({}, await fixtureConfig(PAGES));
    fixture.health.set("headscale", "down");
    const lab = await page(fixture.app, "lab");
    // 11:30 daily for an hour: on now (12:00); tomorrow's is upcoming too.
    expect(lab.maintenance).toEqual([
      { services: ["headscale"], start: "2026-03-01T11:30:00.000Z", end: "2026-03-01T12:30:00.000Z", now: true },
      { services: ["headscale"], start: "2026-03-02T11:30:00.000Z", end: "2026-03-02T12:30:00.000Z", now: false },
    ].concat(lab.maintenance.slice(2)));
    expect(lab.services[0]!.state).toBe("maintenance");
    expect(lab.overall).toBe("maintenance");
    const web = await page(fixture.app, "web");
    // The host window covers the services on O001, named by their public names only.
    expect(web.maintenance).toEqual([{ services: ["nginx", "vaultwarden"], start: "2026-03-01T14:00:00.000Z", end: "2026-03-01T16:00:00.000Z", now: false }]);
    const html = await (await fixture.app.request("/status/web")).text();
    expect(html).toContain("Scheduled: nginx, vaultwarden");
    expect(html).not.toContain("kernel");
    expect(html).not.toContain("O001");
  });
});
