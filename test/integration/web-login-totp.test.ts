// Two-factor sign-in in a real browser (Debian's Chromium driven by playwright-core) against the real
// API (src/api's app with its auth, over HTTP on loopback) serving a freshly built dashboard: the
// password step, then the code step; a wrong code is shown in words, the right one from the "app"
// (computed from the enrolment's secret at the API's clock) signs in, and the session cookie is set
// only then; a recovery code works once.
import { createServer, type Server } from "node:http";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { getRequestListener } from "@hono/node-server";
import { chromium, type Browser, type Page } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureApp, type Fixture } from "../../src/api/app-fixture.js";
import { hashPassword } from "../../src/api/auth/password.js";
import { formatEnrolment, hashRecoveryCode, newRecoveryCodes } from "../../src/api/auth/second-factor.js";
import { newTotpSecret, totpAt } from "../../src/api/auth/totp.js";
import { parseConfig } from "../../src/config/load.js";
import { requireBinaries } from "./helpers/binaries.js";
import { makeTempDir, type TempDir } from "./helpers/temp-dir.js";

const ROOT = join(import.meta.dirname, "../..");
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const PASSWORD = "operator-password-2fa";
const available = requireBinaries("chromium", "chromium");

describe.skipIf(!available)("two-factor sign-in in Chromium (real API)", () => {
  let dir: TempDir;
  let browser: Browser;
  let fixture: Fixture;
  let server: Server;
  let url: string;
  const secret = newTotpSecret();
  const codes = newRecoveryCodes();

  beforeAll(async () => {
    dir = await makeTempDir("understudy-web-totp-");
    const dist = join(dir.path, "dist");
    await build({ root: join(ROOT, "web"), configFile: join(ROOT, "web/vite.config.ts"), logLevel: "warn", build: { outDir: dist, emptyOutDir: true } });
    writeFileSync(join(dir.path, "olive.totp"), formatEnrolment("olive", { secret, recovery: codes.map(hashRecoveryCode) }), { mode: 0o600 });
    const loaded = parseConfig(`
version: 1
hosts: { L001: { address: 100.64.0.2 } }
services: { web: { runs_on: [L001] } }
dashboard:
  totp: required
  users:
    - { name: olive, role: operator, password_hash: "${await hashPassword(PASSWORD, { ln: 10, r: 8, p: 1 })}", totp_file: olive.totp }
`, "understudy.yaml");
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
    fixture = await fixtureApp({ configDir: dir.path, webRoot: dist }, loaded.config);
    server = createServer(getRequestListener(fixture.app.fetch));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    fixture?.close();
    await dir?.stop();
  });

  async function password(page: Page) {
    await page.goto(`${url}/`);
    await page.getByLabel("Name").fill("olive");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByLabel("Code").waitFor();
  }

  it("asks for the code after the password, refuses a wrong one, signs in with the app's code, then once with a recovery code", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    try {
      await password(page);
      expect(await page.getByText("6-digit code from your authenticator app").isVisible()).toBe(true);
      expect((await context.cookies()).find((cookie) => cookie.name === "understudy_session")).toBeUndefined();

      const wrong = String((Number(totpAt(secret, fixture.clock.now())) + 1) % 1_000_000).padStart(6, "0");
      await page.getByLabel("Code").fill(wrong);
      await page.getByRole("button", { name: "Verify" }).click();
      await expect(page.getByRole("alert").textContent()).resolves.toContain("Wrong code");

      await page.getByLabel("Code").fill(totpAt(secret, fixture.clock.now()));
      await page.getByRole("button", { name: "Verify" }).click();
      await page.getByRole("button", { name: "Sign out" }).waitFor();
      expect((await context.cookies()).find((cookie) => cookie.name === "understudy_session")?.httpOnly).toBe(true);

      await page.getByRole("button", { name: "Sign out" }).click();
      await password(page);
      await page.getByLabel("Code").fill(codes[0]!);
      await page.getByRole("button", { name: "Verify" }).click();
      await page.getByRole("button", { name: "Sign out" }).waitFor();

      await page.getByRole("button", { name: "Sign out" }).click();
      await password(page);
      await page.getByLabel("Code").fill(codes[0]!);
      await page.getByRole("button", { name: "Verify" }).click();
      await expect(page.getByRole("alert").textContent()).resolves.toContain("recovery code was used already");
    } finally {
      await context.close();
    }
  }, 60_000);
});
