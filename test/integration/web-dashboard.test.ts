// The dashboard in a real browser (Debian's Chromium driven by playwright-core) against the fixture API
// (helpers/web-fixture-server.ts): what a user sees on each page, signing in and out, roles, the
// failover dialog with its dry-run plan, the graph changing live when a primary is killed, and the
// public status page. The web sources are built fresh for the test, so it never checks a stale bundle.
// Screenshots of every page go to test-output/screenshots/ for a person to look at.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { build } from "vite";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { requireBinaries } from "./helpers/binaries.js";
import { makeTempDir, type TempDir } from "./helpers/temp-dir.js";
import { startWebFixture, USERS, type WebFixture } from "./helpers/web-fixture-server.js";

const ROOT = join(import.meta.dirname, "../..");
const READABILITY = readFileSync(join(import.meta.dirname, "helpers/readability.js"), "utf8");
const SHOTS = join(ROOT, "test-output/screenshots");
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

const available = requireBinaries("chromium", "chromium");

describe.skipIf(!available)("dashboard in Chromium (fixture API)", () => {
  let dist: TempDir;
  let browser: Browser;
  let fixture: WebFixture;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    dist = await makeTempDir("understudy-web-");
    await build({ root: join(ROOT, "web"), configFile: join(ROOT, "web/vite.config.ts"), logLevel: "warn", build: { outDir: dist.path, emptyOutDir: true } });
    await mkdir(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await dist?.stop();
  });
  beforeEach(async () => {
    fixture = await startWebFixture(dist.path);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
  });
  afterEach(async () => {
    await context?.close();
    await fixture?.stop();
  });

  async function signIn(user: { name: string; password: string }, path = "/") {
    await page.goto(fixture.url + path);
    await page.getByLabel("Name").fill(user.name);
    await page.getByLabel("Password").fill(user.password);
    await page.getByLabel("Password").press("Enter");
    await page.getByRole("button", { name: "Sign out" }).waitFor();
  }
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  it("asks for a sign-in before anything, refuses a wrong password, and signs out", async () => {
    await page.goto(`${fixture.url}/incidents`);
    // waitFor fails the test if the sign-in page never shows (isVisible alone would race the first render).
    await page.getByRole("heading", { name: "Understudy" }).waitFor();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await shot("login");
    await page.getByLabel("Name").fill(USERS.operator.name);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toContain("Wrong name or password");
    await page.getByLabel("Password").fill(USERS.operator.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    // Signing in keeps the user on the page they asked for.
    await page.getByRole("heading", { name: "Incidents", level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/incidents");
    const cookies = await context.cookies();
    expect(cookies.find((cookie) => cookie.name === "understudy_session")?.httpOnly).toBe(true);

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await page.reload();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await expect(page.getByRole("heading", { name: "Incidents", level: 1 }).count()).resolves.toBe(0);
  });

  it("draws the topology: hosts with their services, the mesh outside, SPOFs outlined, active and standby marked", async () => {
    await signIn(USERS.operator);
    const graph = page.getByRole("group", { name: /^Topology/ });
    await graph.waitFor();
    for (const host of ["O001", "L001", "H001", "H002", "H003"]) await expect(graph.locator(`g.host[data-host="${host}"]`).count()).resolves.toBe(1);
    await expect(graph.locator('g.logical[data-service="mesh"]').count()).resolves.toBe(1);
    await expect(graph.locator('g.instance[data-service="headscale"][data-host="L001"]').getAttribute("data-role")).resolves.toBe("active");
    await expect(graph.locator('g.instance[data-service="headscale"][data-host="O001"]').getAttribute("data-role")).resolves.toBe("standby");
    // The seed's router is a SPOF: its box is outlined and the link says so to a screen reader.
    await expect(graph.locator('g.host[data-host="H003"]').getAttribute("class")).resolves.toContain("spof");
    await expect(graph.getByRole("link", { name: /^adguard on H003: Up.*single point of failure/ }).count()).resolves.toBe(1);
    await expect(graph.locator("path.edge").count()).resolves.toBeGreaterThan(5);
    await expect(page.locator('tr[data-service="jellyfin"]').textContent()).resolves.toContain("Degraded");
    await shot("overview");

    // Each instance is a link to its service page, reachable by keyboard.
    await graph.getByRole("link", { name: /^forgejo on H001/ }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "forgejo", level: 2 }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/services/forgejo");
  });

  it("shows a service's uptime over three windows, its latency chart and its checks", async () => {
    await signIn(USERS.viewer, "/services/headscale");
    await page.getByRole("heading", { name: "headscale", level: 2 }).waitFor();
    // Each window's figure loads on its own; wait until all three show a percentage.
    for (const window of ["24h", "7d", "30d"]) await page.locator(`.figure[data-window="${window}"] strong`, { hasText: /\d %$/ }).waitFor();
    await expect(page.getByRole("img", { name: "Median latency of headscale over 24h" }).locator("path.series").getAttribute("d")).resolves.toMatch(/^M/);
    await page.getByRole("radio", { name: "7d" }).click();
    await page.getByRole("img", { name: "Median latency of headscale over 7d" }).waitFor();
    const checks = page.locator("article.detail table tbody tr");
    await expect(checks.count()).resolves.toBe(2);
    await expect(checks.first().textContent()).resolves.toContain("OK");
    await expect(checks.nth(1).textContent()).resolves.toContain("not run yet");
    await shot("services");
  });

  it("lists incidents with their root cause and children, analysis with SPOFs and the plan, backups against the RPO, and no drills yet", async () => {
    await signIn(USERS.viewer, "/incidents");
    const incident = page.locator('[data-incident="1"]');
    await incident.waitFor();
    await expect(incident.textContent()).resolves.toMatch(/Root cause:\s*host\s*H002/);
    await expect(incident.getByRole("listitem").allTextContents()).resolves.toEqual(["service nfs", "service jellyfin"]);
    await shot("incidents");

    await page.getByRole("link", { name: "Analysis" }).click();
    const spofs = page.getByRole("table", { name: "Single points of failure" });
    await spofs.waitFor();
    await expect(spofs.locator('tr[data-component="H003"]').textContent()).resolves.toContain("lan");
    await page.getByRole("heading", { name: /^Phase 1: quick wins/ }).waitFor();
    await shot("analysis");

    await page.getByRole("link", { name: "Backups" }).click();
    const card = page.locator('article[data-service="headscale"]');
    await card.waitFor();
    // The replica is 2 h old against a 5 min RPO: the page says it is too old to promote.
    await expect(card.locator("[data-stale]").textContent()).resolves.toContain("too old to promote");
    await expect(card.getByRole("button", { name: /Run a backup/ }).isDisabled()).resolves.toBe(true);
    await shot("backups");

    await page.getByRole("link", { name: "Drills" }).click();
    await page.getByRole("heading", { name: "No drills yet" }).waitFor();
    await shot("drills");
  });

  it("lets an operator fail over after confirming the dry-run plan, and shows the run's steps", async () => {
    await signIn(USERS.operator, "/failover");
    const row = page.locator('tr[data-service="headscale"]');
    await expect(row.locator(".active-host").textContent()).resolves.toBe("L001");
    await row.getByRole("button", { name: "Fail over headscale" }).click();
    const dialog = page.getByRole("dialog", { name: "Fail over headscale?" });
    await dialog.getByRole("list", { name: "Dry-run plan" }).waitFor();
    await expect(dialog.textContent()).resolves.toMatch(/From L001 to O001/);
    await expect(dialog.getByRole("listitem").count()).resolves.toBe(6);
    await shot("failover-dialog");
    // Cancel does nothing; the second time, confirm.
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect(fixture.failovers).toEqual([]);
    await row.getByRole("button", { name: "Fail over headscale" }).click();
    await dialog.getByRole("list", { name: "Dry-run plan" }).waitFor();
    await dialog.getByRole("button", { name: "Fail over now" }).click();
    await page.locator('[data-failover="1"]').waitFor();
    expect(fixture.failovers).toEqual([{ service: "headscale", to: "O001" }]);
    await row.locator(".active-host", { hasText: "O001" }).waitFor();
    await expect(page.getByRole("table", { name: "Steps of the headscale failover" }).locator("tbody tr").count()).resolves.toBe(6);
    await shot("failover");
  });

  it("does not let a viewer fail over", async () => {
    await signIn(USERS.viewer, "/failover");
    const button = page.getByRole("button", { name: "Fail over headscale" });
    await button.waitFor();
    await expect(button.isDisabled()).resolves.toBe(true);
    await page.getByText("only operators can start a failover").waitFor();
  });

  it("updates the graph live when the demo kills a primary: down first, then served by the standby", async () => {
    await signIn(USERS.operator);
    const graph = page.getByRole("group", { name: /^Topology/ });
    await graph.waitFor();
    await page.getByRole("region", { name: "Demo" }).getByRole("button", { name: "Kill primary" }).first().click();
    await graph.locator('g.instance[data-service="headscale"][data-host="L001"][data-health="down"]').waitFor();
    await shot("overview-primary-down");
    await graph.locator('g.instance[data-service="headscale"][data-host="O001"][data-role="active"][data-health="up"]').waitFor();
    // The killed primary is called down, not standby: nobody has started it again.
    await graph.locator('g.instance[data-service="headscale"][data-host="L001"][data-role="down"][data-health="down"]').waitFor();
    await shot("overview-after-failover");

    // The status page, signed out, tells the public what happened and nothing internal.
    const visitor = await browser.newPage();
    await visitor.goto(`${fixture.url}/status`);
    await visitor.getByRole("heading", { name: "Recently resolved" }).waitFor();
    const text = (await visitor.locator("body").textContent()) ?? "";
    expect(text).toContain("headscale unavailable");
    expect(text).not.toMatch(/L001|O001|H00\d|100\.64\.|adguard/);
    await visitor.screenshot({ path: join(SHOTS, "status.png"), fullPage: true });
    await visitor.close();
  });

  /**
   * What "reads well" means on the page as shown: the page background is dark in dark mode, every
   * visible piece of text has a WCAG AA contrast against what is behind it (4.5:1, 3:1 for large
   * text), and nothing is wider than the screen (no sideways scrolling on a phone).
   */
  async function readability() {
    return page.evaluate(READABILITY) as Promise<{ backgroundLuminance: number; poor: string[]; overflow: number }>;
  }

  it("reads well in dark mode and on a phone: dark background, readable contrast, no sideways scrolling", async () => {
    await page.emulateMedia({ colorScheme: "dark" });
    await signIn(USERS.operator);
    await page.getByRole("group", { name: /^Topology/ }).waitFor();
    await shot("overview-dark");
    const overview = await readability();
    expect(overview.backgroundLuminance).toBeLessThan(0.05);
    expect(overview.poor).toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [path, ready, name] of [
      ["/services/forgejo", () => page.getByRole("img", { name: "Median latency of forgejo over 24h" }).waitFor(), "services-phone-dark"],
      ["/status", () => page.getByRole("status").first().waitFor(), "status-phone-dark"],
      ["/", () => page.getByRole("group", { name: /^Topology/ }).waitFor(), "overview-phone-dark"],
    ] as const) {
      await page.goto(`${fixture.url}${path}`);
      await ready();
      await shot(name);
      const seen = await readability();
      expect({ path, overflow: seen.overflow, poor: seen.poor, dark: seen.backgroundLuminance < 0.05 }).toEqual({ path, overflow: 0, poor: [], dark: true });
    }
  });
});
