// The public status page in a real browser (Debian's Chromium driven by playwright-core) against the
// agent's own app on loopback, over a store holding 90 days of results: a day with a half-hour outage, a
// day saved by a failover, and a post written through the API. What a visitor checks: every service has
// its 90-day bar with the failover day marked and each day's figures on hover, the posted incident is
// there, the page fits a 390 px phone (no horizontal scroll), and the badges are images Chromium renders.
// Screenshots go to test-output/screenshots/ for a person to look at.
import { createServer, type Server } from "node:http";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { getRequestListener } from "@hono/node-server";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureApp, TOKENS, type Fixture } from "../../src/api/app-fixture.js";
import { openIncident, resolveIncident } from "../../src/store/incidents.js";
import { seriesId } from "../../src/store/series.js";
import { requireBinaries } from "./helpers/binaries.js";

const ROOT = join(import.meta.dirname, "../..");
const SHOTS = join(ROOT, "test-output/screenshots");
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const DAY = 86_400_000;
const HOUR = 3_600_000;

const available = requireBinaries("chromium", "chromium");

/** 90 days of checks every 10 minutes; nginx down for half an hour 3 days ago, headscale's primary dead for a minute 10 days ago. */
function history(fixture: Fixture): void {
  const now = fixture.clock.now();
  const insert = fixture.store.db.prepare("INSERT INTO results (check_id, at, ok, latency_us) VALUES (?, ?, ?, ?)");
  const nginx = seriesId(fixture.store, { check: "nginx/https", service: "nginx", host: "O001", agent: "a" });
  const headscale = seriesId(fixture.store, { check: "headscale/https", service: "headscale", host: "L001", agent: "a" });
  const standby = seriesId(fixture.store, { check: "headscale/https", service: "headscale", host: "O001", agent: "a" });
  const switched = now - 10 * DAY;
  const outage = Math.floor(now / DAY) * DAY - 3 * DAY + 9 * HOUR;
  fixture.store.db.transaction(() => {
    for (let at = now - 90 * DAY; at < now; at += 600_000) {
      insert.run(nginx, at, at >= outage && at < outage + 30 * 60_000 ? 0 : 1, 30_000);
      // The primary serves until it dies a minute before the switch; the standby serves from then on.
      if (at < switched) insert.run(headscale, at, at >= switched - 60_000 ? 0 : 1, 45_000);
      else insert.run(standby, at, 1, 45_000);
    }
  })();
  const incident = openIncident(fixture.store, { root: { kind: "host", name: "O001" }, title: "O001 down: nginx", severity: "high", at: outage, children: [{ kind: "service", name: "nginx" }] });
  resolveIncident(fixture.store, incident.id, outage + 30 * 60_000);
  // A completed failover of headscale 10 days ago (the journal's switch step), as failover/served.ts reads it.
  const run = fixture.store.db.prepare("INSERT INTO failover_runs (service, kind, from_host, to_host, status, reason, forced, token, plan, started_at, finished_at) VALUES ('headscale', 'failover', 'L001', 'O001', 'done', 'L001 down', 0, 1, '[]', ?, ?)").run(switched - 5_000, switched + 1_000);
  fixture.store.db.prepare("INSERT INTO failover_steps (run_id, step, attempt, status, started_at, finished_at) VALUES (?, 'switch', 1, 'done', ?, ?)").run(run.lastInsertRowid, switched - 1_000, switched);
}

describe.skipIf(!available)("the public status page in Chromium", () => {
  let fixture: Fixture;
  let server: Server;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    fixture = await fixtureApp();
    history(fixture);
    server = createServer(getRequestListener(fixture.app.fetch));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    const posted = await fetch(`${url}/api/status-posts`, { method: "POST", headers: { authorization: `Bearer ${TOKENS.operator}`, "content-type": "application/json" }, body: JSON.stringify({ title: "Sign-in slower than usual", message: "We are moving the database to a faster disk.", services: ["headscale"] }) });
    expect(posted.status).toBe(200);
    await mkdir(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    fixture?.close();
  });

  it("shows each service's 90-day bar, the failover day, the outage day and the posted incident, and fits 390 px", async () => {
    for (const viewport of [{ width: 1280, height: 900, name: "desktop" }, { width: 390, height: 844, name: "phone" }]) {
      const context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height } });
      try {
        const page = await context.newPage();
        await page.goto(`${url}/status`);
        await page.getByRole("heading", { name: "Status", level: 1 }).waitFor();
        for (const service of ["headscale", "nginx"]) {
          const days = page.locator(`[data-service="${service}"] .bar .day`);
          await expect(days.count()).resolves.toBe(90);
          // Each day is drawn: at least a pixel wide even on the phone.
          const box = await days.first().boundingBox();
          expect(box!.width, `${service} ${viewport.name}`).toBeGreaterThanOrEqual(1);
        }
        // The failover window: from the switch 10 days ago to today (the standby still serves), each day marked.
        const failoverDays = page.locator('[data-service="headscale"] .day.failover');
        await expect(failoverDays.count()).resolves.toBe(11);
        await expect(failoverDays.first().getAttribute("title")).resolves.toMatch(/served by a standby 12 h \(failover at 12:00 UTC\)/);
        await expect(failoverDays.nth(1).getAttribute("title")).resolves.toMatch(/served by a standby 24 h$/);
        const downDay = page.locator('[data-service="nginx"] .day.down');
        await expect(downDay.count()).resolves.toBe(1);
        await expect(downDay.getAttribute("title")).resolves.toMatch(/unavailable 30 min/);
        await page.getByText("Sign-in slower than usual").waitFor();
        await page.getByText("We are moving the database to a faster disk.").waitFor();
        await page.getByText("nginx was unavailable").waitFor();
        await page.getByText(/Last updated/).waitFor();
        const widths = await page.evaluate("({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })") as { scroll: number; client: number };
        expect(widths.scroll, viewport.name).toBeLessThanOrEqual(viewport.width);
        await page.screenshot({ path: join(SHOTS, `status-page-${viewport.name}.png`), fullPage: true });
      } finally {
        await context.close();
      }
    }
  });

  it("renders the badges as SVG images", async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${url}/status`);
      const sizes = await page.evaluate(`Promise.all(["/badge/nginx/status.svg", "/badge/headscale/uptime.svg?window=90d", "/badge/nginx/uptime.svg"].map((src) => new Promise((resolve) => {
        const image = new Image();
        image.onload = () => resolve(image.naturalWidth);
        image.onerror = () => resolve(-1);
        image.src = src;
      })))`) as number[];
      for (const width of sizes) expect(width).toBeGreaterThan(40);
    } finally {
      await context.close();
    }
  });
});
