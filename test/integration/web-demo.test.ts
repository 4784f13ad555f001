// The dashboard in a real browser (Debian's Chromium driven by playwright-core) against the REAL
// `understudy demo`, started as a child process the way a person starts it: read the printed address
// and login, sign in, see every seed host and Headscale active on its primary, open the failover
// dialog and read its dry-run plan, kill the primary from the demo panel and watch the graph turn it
// red and then move Headscale to its standby, read the failover's steps, restore the old primary as
// the standby, see the public status page (no host names, no addresses), sign out, and stop the demo
// with nothing left running.
// Screenshots of every page go to test-output/screenshots/demo-*.png for a person to look at.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, ROOT, startCli, stopAll, waitFor, type RunningCli } from "./agent-harness.js";
import { requireBinaries } from "./helpers/binaries.js";
import { CHROMIUM_ARGS, ensureWebBuilt } from "./helpers/web-build.js";

const SHOTS = join(ROOT, "test-output/screenshots");
const WEB = join(ROOT, "web");
const SEED_HOSTS = ["H001", "H002", "H003", "L001", "O001"];

const available = requireBinaries("chromium", "chromium");

function descendantsOf(pid: number): number[] {
  let children: number[];
  try {
    children = execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8" }).trim().split("\n").filter(Boolean).map(Number);
  } catch {
    children = [];
  }
  return children.flatMap((child) => [child, ...descendantsOf(child)]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!available)("dashboard in Chromium against `understudy demo`", () => {
  let dir: string;
  let browser: Browser;
  let demo: RunningCli;

  beforeAll(async () => {
    await Promise.all([ensureBuilt(), ensureWebBuilt(WEB)]);
    mkdirSync(SHOTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), "understudy-web-demo-"));
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("signs in, shows the homelab, fails Headscale over live, shows it publicly, signs out and stops", async () => {
    demo = startCli(["demo", "--dir", dir, "--port", "0"]);
    const url = await waitFor("the demo's address", () => /Dashboard: +(http:\/\/\S+?)\/\n/.exec(demo.stdout())?.[1], 60_000);
    const [, user, password] = /Login: +(\S+) \/ (\S+)/.exec(demo.stdout())!;
    const services = descendantsOf(demo.child.pid!);
    expect(services.length).toBeGreaterThanOrEqual(9);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    const shot = (name: string, on: Page = page) => on.screenshot({ path: join(SHOTS, `demo-${name}.png`), fullPage: true });

    // Sign in with what the demo printed.
    await page.goto(`${url}/`);
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await shot("login");
    await page.getByLabel("Name").fill(user!);
    await page.getByLabel("Password").fill(password!);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("button", { name: "Sign out" }).waitFor();
    await expect(page.locator(".who").textContent()).resolves.toContain("demo (operator)");

    // The topology: every seed host, Headscale active on its primary L001, and, once the first
    // checks have run, every instance up.
    const graph = page.getByRole("group", { name: /^Topology/ });
    await graph.waitFor();
    for (const host of SEED_HOSTS) await expect(graph.locator(`g.host[data-host="${host}"]`).count()).resolves.toBe(1);
    const headscale = (host: string) => graph.locator(`g.instance[data-service="headscale"][data-host="${host}"]`);
    await expect(headscale("L001").getAttribute("data-role")).resolves.toBe("active");
    await expect(headscale("O001").getAttribute("data-role")).resolves.toBe("standby");
    await page.locator('tr[data-service="headscale"] [data-health="up"]').waitFor({ timeout: 30_000 });
    await waitFor("every instance up", async () => (await graph.locator("g.instance").count()) > 0 && (await graph.locator('g.instance:not([data-health="up"])').count()) === 0, 30_000);
    await expect(page.locator('tr[data-service="headscale"] td.where').textContent()).resolves.toBe("active on L001, standby O001");
    await shot("overview");

    // The Failover page: the confirm dialog shows the dry-run plan from L001 to O001; cancel it.
    await page.getByRole("link", { name: "Failover", exact: true }).click();
    const row = page.locator('tr[data-service="headscale"]');
    await expect(row.locator(".active-host").textContent()).resolves.toBe("L001");
    await row.getByRole("button", { name: "Fail over headscale" }).click();
    const dialog = page.getByRole("dialog", { name: "Fail over headscale?" });
    const plan = dialog.getByRole("list", { name: "Dry-run plan" });
    await plan.waitFor();
    await expect(dialog.textContent()).resolves.toMatch(/From L001 to O001/);
    await expect(plan.getByRole("listitem").allTextContents()).resolves.toEqual(expect.arrayContaining([expect.stringMatching(/^fence/), expect.stringMatching(/^promote/), expect.stringMatching(/^verify/)]));
    await shot("failover-dialog");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "hidden" });

    // Kill the primary from the demo panel and watch the graph: L001 turns down, then Headscale is
    // served by O001 while L001, still dead, is called down (not "standby").
    await page.getByRole("link", { name: "Overview" }).click();
    const panel = page.getByRole("region", { name: "Demo" });
    await panel.locator("li", { hasText: "headscale" }).getByRole("button", { name: "Kill primary" }).click();
    await expect(panel.getByRole("status").textContent()).resolves.toContain("Killed headscale on L001");
    await headscale("L001").and(page.locator('[data-health="down"]')).waitFor({ timeout: 30_000 });
    await headscale("O001").and(page.locator('[data-role="active"][data-health="up"]')).waitFor({ timeout: 60_000 });
    await headscale("L001").and(page.locator('[data-role="down"][data-health="down"]')).waitFor();
    const after = page.locator('tr[data-service="headscale"]');
    await expect(after.locator("td.where").textContent()).resolves.toBe("active on O001; L001 down");
    // Served from the standby with the old primary dead: up, but nothing left to fail over to.
    await expect(after.locator("[data-health]").textContent()).resolves.toBe("Degraded");
    await expect(after.textContent()).resolves.toContain("no redundancy");
    await shot("overview-after-failover");

    // The failover's history with its steps.
    await page.getByRole("link", { name: "Failover", exact: true }).click();
    const run = page.locator("[data-failover]").first();
    await run.waitFor();
    await expect(run.getByRole("heading").textContent()).resolves.toBe("headscale: L001 → O001");
    await run.locator(".badge", { hasText: "done" }).waitFor({ timeout: 30_000 });
    // Every step of a finished run says how long it took.
    await expect(run.locator("tbody").textContent()).resolves.not.toContain("running");
    await expect(run.locator("tbody tr").first().textContent()).resolves.toMatch(/^fence.*\d+ ms/);
    await expect(page.locator('tr[data-service="headscale"] .active-host').textContent()).resolves.toBe("O001");
    await shot("failover");

    // Restore the dead primary from the demo panel: it comes back catching up (the demo's Headscale has
    // no fence and no data to ship, so it stays so), and Headscale is up again with its redundancy
    // (still served by O001: failing back is a decision for a person).
    await page.getByRole("link", { name: "Overview" }).click();
    await panel.locator("li", { hasText: "headscale" }).getByRole("button", { name: "Restore" }).click();
    await headscale("L001").and(page.locator('[data-role="catching-up"][data-health="up"]')).waitFor({ timeout: 30_000 });
    await page.locator('tr[data-service="headscale"] [data-health="up"]').waitFor();
    await expect(page.locator('tr[data-service="headscale"] td.where').textContent()).resolves.toBe("active on O001; L001 catching up");
    await shot("overview-restored");

    // The other pages a user would open, each with its own content.
    await page.getByRole("link", { name: "Incidents" }).click();
    await page.locator("[data-incident]", { hasText: "headscale" }).first().waitFor();
    await shot("incidents");
    await page.getByRole("link", { name: "Services", exact: true }).click();
    await page.getByRole("heading", { name: "Services", level: 1 }).waitFor();
    await shot("services");
    await page.goto(`${url}/services/headscale`);
    await page.getByRole("heading", { name: "headscale", level: 2 }).waitFor();
    await page.getByRole("img", { name: "Median latency of headscale over 24h" }).waitFor();
    await shot("service-headscale");
    await page.getByRole("link", { name: "Backups" }).click();
    await page.getByRole("heading", { name: "Backups", level: 1 }).waitFor();
    await shot("backups");
    await page.getByRole("link", { name: "Analysis" }).click();
    await page.getByRole("table", { name: "Single points of failure" }).waitFor();
    await shot("analysis");
    await page.getByRole("link", { name: "Drills" }).click();
    await page.getByRole("heading", { name: "Drills", level: 1 }).waitFor();
    await shot("drills");

    // The public status page, signed out: Headscale's incident by service name only.
    const visitor = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await visitor.goto(`${url}/status`);
    await visitor.locator('[data-service="headscale"]').first().waitFor();
    await visitor.getByText(/headscale/i).first().waitFor();
    const text = (await visitor.locator("body").textContent()) ?? "";
    expect(text).toMatch(/headscale/);
    expect(text).not.toMatch(/L001|O001|H00\d|127\.0\.0\.1|100\.64\.|adguard|nfs/);
    await shot("status", visitor);
    await visitor.close();

    // Sign out: back to the sign-in form, and a reload does not sign in again.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await page.reload();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await context.close();

    demo.signal("SIGINT");
    expect(await demo.exited).toBe(0);
    expect(demo.stdout()).toContain("stopped; nothing left running.");
    expect(services.filter(alive)).toEqual([]);
  }, 240_000);
});
