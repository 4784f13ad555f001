// Two-factor sign-in through the API, as the login page and a script would use it: a user with a
// totp_file gets no session from the password alone, only a challenge; the right code opens the session,
// a wrong, replayed or spent code does not; a recovery code works once; code attempts count toward the
// login rate limit; dashboard.totp: required keeps an operator without an enrolment out.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../config/load.js";
import { fixtureApp, type Fixture } from "./app-fixture.js";
import { hashPassword } from "./auth/password.js";
import { formatEnrolment, hashRecoveryCode, newRecoveryCodes } from "./auth/second-factor.js";
import { newTotpSecret, totpAt } from "./auth/totp.js";

const PASSWORD = "correct horse battery staple";
let fixture: Fixture | undefined;
let dir: string | undefined;
afterEach(() => {
  fixture?.close();
  fixture = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const post = (body: unknown) => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** ada (operator, enrolled), olga (operator, not enrolled), victor (viewer, not enrolled). */
async function setUp(totp: "optional" | "required" = "optional") {
  dir = mkdtempSync(join(tmpdir(), "understudy-totp-api-"));
  const secret = newTotpSecret();
  const codes = newRecoveryCodes();
  writeFileSync(join(dir, "ada.totp"), formatEnrolment("ada", { secret, recovery: codes.map(hashRecoveryCode) }), { mode: 0o600 });
  const hash = await hashPassword(PASSWORD, { ln: 10, r: 8, p: 1 });
  const loaded = parseConfig(`
version: 1
hosts: { L001: { address: 100.64.0.2 } }
services: { web: { runs_on: [L001] } }
dashboard:
  totp: ${totp}
  users:
    - { name: ada, role: operator, password_hash: "${hash}", totp_file: ada.totp }
    - { name: olga, role: operator, password_hash: "${hash}" }
    - { name: victor, role: viewer, password_hash: "${hash}" }
`, "understudy.yaml");
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
  fixture = await fixtureApp({ configDir: dir }, loaded.config);
  return { app: fixture.app, clock: fixture.clock, secret, codes };
}

async function password(app: Fixture["app"], name = "ada") {
  const response = await app.request("/api/login", post({ name, password: PASSWORD }));
  return { status: response.status, cookie: response.headers.get("set-cookie"), body: (await response.json()) as Record<string, unknown> };
}

async function code(app: Fixture["app"], challenge: unknown, typed: string) {
  const response = await app.request("/api/login/code", post({ challenge, code: typed }));
  return { status: response.status, cookie: response.headers.get("set-cookie"), body: (await response.json()) as Record<string, unknown> };
}

describe("two-factor sign-in", () => {
  it("refuses a session on the password alone and opens one with the code from the app", async () => {
    const { app, clock, secret } = await setUp();
    const first = await password(app);
    expect(first.status).toBe(200);
    expect(first.cookie).toBeNull();
    expect(first.body).toEqual({ second_factor: "totp", challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(JSON.stringify(first.body)).not.toContain("csrf");

    const wrongCode = String((Number(totpAt(secret, clock.now())) + 1) % 1_000_000).padStart(6, "0");
    const wrong = await code(app, first.body.challenge, wrongCode);
    expect(wrong).toMatchObject({ status: 401, cookie: null, body: { error: "wrong code", password_again: false } });

    const right = await code(app, first.body.challenge, totpAt(secret, clock.now()));
    expect(right.status).toBe(200);
    expect(right.body).toEqual({ name: "ada", role: "operator", csrf: expect.any(String) });
    const session = await app.request("/api/session", { headers: { cookie: right.cookie!.split(";")[0]! } });
    expect(session.status).toBe(200);
    expect((await code(app, first.body.challenge, totpAt(secret, clock.now()))).body.password_again).toBe(true);
  });

  it("does not take the same code twice, nor an older one, even in a new login; the next step's code works", async () => {
    const { app, clock, secret } = await setUp();
    const used = totpAt(secret, clock.now());
    expect((await code(app, (await password(app)).body.challenge, used)).status).toBe(200);
    const again = await code(app, (await password(app)).body.challenge, used);
    expect(again).toMatchObject({ status: 401, body: { error: expect.stringContaining("used already") } });
    const older = await code(app, (await password(app)).body.challenge, totpAt(secret, clock.now() - 30_000));
    expect(older.status).toBe(401);
    await clock.advance(30_000);
    expect((await code(app, (await password(app)).body.challenge, totpAt(secret, clock.now()))).status).toBe(200);
  });

  it("takes a recovery code (however it is typed) once, and says how many are left", async () => {
    const { app, codes } = await setUp();
    const spent = await code(app, (await password(app)).body.challenge, ` ${codes[3]!.toUpperCase()} `);
    expect(spent).toMatchObject({ status: 200, body: { name: "ada", recovery_codes_left: 9 } });
    const again = await code(app, (await password(app)).body.challenge, codes[3]!);
    expect(again).toMatchObject({ status: 401, body: { error: expect.stringContaining("recovery code was used already") } });
    expect((await code(app, (await password(app)).body.challenge, "aaaaa-aaaaa")).body.error).toBe("wrong code");
  });

  it("counts code attempts in the login rate limit: after five wrong codes even the right one waits", async () => {
    const { app, clock, secret } = await setUp();
    const { challenge } = (await password(app)).body;
    for (let i = 0; i < 4; i++) expect((await code(app, challenge, "000000")).status).toBe(401);
    const second = (await password(app)).body.challenge;
    expect((await code(app, second, "000000")).status).toBe(401);
    const blocked = await app.request("/api/login/code", post({ challenge: second, code: totpAt(secret, clock.now()) }));
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await password(app)).status).toBe(429);
    await clock.advance(61_000);
    expect((await code(app, (await password(app)).body.challenge, totpAt(secret, clock.now()))).status).toBe(200);
  });

  it("ends a challenge after five wrong codes or five minutes: the password is asked again", async () => {
    const { app, clock, secret } = await setUp();
    const { challenge } = (await password(app)).body;
    for (let i = 0; i < 4; i++) await code(app, challenge, "000000");
    expect((await code(app, challenge, "000000")).body).toMatchObject({ password_again: true, error: expect.stringContaining("enter your password again") });
    await clock.advance(61_000);
    const late = (await password(app)).body.challenge;
    await clock.advance(5 * 60_000);
    expect((await code(app, late, totpAt(secret, clock.now()))).body).toMatchObject({ error: "this sign-in has expired; enter your password again" });
  });

  it("with dashboard.totp: required, keeps an operator without a totp_file out and says how to enrol; a viewer still logs in", async () => {
    const { app } = await setUp("required");
    const olga = await password(app, "olga");
    expect(olga.status).toBe(403);
    expect(olga.cookie).toBeNull();
    expect(olga.body.error).toContain("understudy passwd --totp --name olga");
    expect((await password(app, "victor")).status).toBe(200);
    expect((await password(app, "ada")).body.second_factor).toBe("totp");
    expect((await app.request("/api/login", post({ name: "olga", password: "wrong password" }))).status).toBe(401);
  });

  it("ends the sessions opened before a new enrolment (passwd --totp --force after a lost phone)", async () => {
    const { app, clock, secret } = await setUp();
    const opened = await code(app, (await password(app)).body.challenge, totpAt(secret, clock.now()));
    const cookie = opened.cookie!.split(";")[0]!;
    expect((await app.request("/api/session", { headers: { cookie } })).status).toBe(200);
    const fresh = newTotpSecret();
    writeFileSync(join(dir!, "ada.totp"), formatEnrolment("ada", { secret: fresh, recovery: newRecoveryCodes().map(hashRecoveryCode) }), { mode: 0o600 });
    expect((await app.request("/api/session", { headers: { cookie } })).status).toBe(401);
    await clock.advance(30_000);
    expect((await code(app, (await password(app)).body.challenge, totpAt(secret, clock.now()))).body.error).toBe("wrong code");
    expect((await code(app, (await password(app)).body.challenge, totpAt(fresh, clock.now()))).status).toBe(200);
  });

  it("keeps out an enrolled user whose totp_file is gone, and reports the file", async () => {
    const { app } = await setUp();
    rmSync(join(dir!, "ada.totp"));
    const ada = await password(app);
    expect(ada.status).toBe(403);
    expect(fixture!.warnings.join("\n")).toContain("cannot read totp_file");
  });
});
