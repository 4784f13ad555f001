// Logging in through the API as a browser and a script would: the cookie's flags, CSRF on writes,
// same answer for a wrong name and a wrong password, the rate limit, bearer tokens, logout, and no
// secret in any answer.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ConfigDocument } from "../config/schema.js";
import { fixtureApp, fixtureConfig, login, PASSWORDS, TOKENS, type Fixture } from "./app-fixture.js";
import { hashPassword } from "./auth/password.js";

let fixture: Fixture;
afterEach(() => fixture?.close());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) => ({ method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

describe("login and sessions", () => {
  it("sets an HttpOnly, SameSite=Strict session cookie and returns the role and a CSRF token", async () => {
    fixture = await fixtureApp();
    const response = await fixture.app.request("/api/login", post("/api/login", { name: "alice", password: PASSWORDS.alice }));
    expect(response.status).toBe(200);
    const cookie = response.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^understudy_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Path=/");
    expect(cookie).not.toContain("Secure");
    const body = (await response.json()) as Record<string, string>;
    expect(body).toEqual({ name: "alice", role: "operator", csrf: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(JSON.stringify(body)).not.toContain(cookie.split(";")[0]!.split("=")[1]!);
    const session = await fixture.app.request("/api/session", { headers: { cookie: cookie.split(";")[0]! } });
    expect(await session.json()).toEqual(body);
  });

  it("marks the cookie Secure when served over https", async () => {
    fixture = await fixtureApp();
    const response = await fixture.app.request("https://dash.example/api/login", post("", { name: "victor", password: PASSWORDS.victor }));
    expect(response.headers.get("set-cookie")).toContain("Secure");
  });

  it("answers a wrong password and an unknown name alike", async () => {
    fixture = await fixtureApp();
    const wrong = await fixture.app.request("/api/login", post("", { name: "alice", password: "nope" }));
    const unknown = await fixture.app.request("/api/login", post("", { name: "mallory", password: "nope" }));
    expect([wrong.status, await wrong.text()]).toEqual([unknown.status, await unknown.text()]);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    expect(fixture.warnings.join("\n")).not.toContain("nope");
  });

  it("refuses the sixth failure in a minute with 429 and Retry-After, even with the right password", async () => {
    fixture = await fixtureApp();
    for (let i = 0; i < 5; i++) expect((await fixture.app.request("/api/login", post("", { name: "alice", password: `guess${i}` }))).status).toBe(401);
    const blocked = await fixture.app.request("/api/login", post("", { name: "alice", password: PASSWORDS.alice }));
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    await fixture.clock.advance(61_000);
    expect((await fixture.app.request("/api/login", post("", { name: "alice", password: PASSWORDS.alice }))).status).toBe(200);
  });

  it("counts attempts when they start: of 50 sent at once, 5 are checked (401) and 45 refused (429)", async () => {
    fixture = await fixtureApp();
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => fixture.app.request("/api/login", post("", { name: "alice", password: `guess${i}` }))));
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses.filter((status) => status === 401)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(45);
    expect(answers.find((answer) => answer.status === 429)!.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
  });

  it("does not count a successful login against the next ones", async () => {
    fixture = await fixtureApp();
    for (let i = 0; i < 8; i++) await login(fixture.app, "victor");
    expect((await fixture.app.request("/api/login", post("", { name: "victor", password: "wrong" }))).status).toBe(401);
  });

  it("requires the session's x-csrf-token on writes made with the cookie", async () => {
    fixture = await fixtureApp();
    const { cookie, csrf } = await login(fixture.app, "alice");
    const body = post("", { dry_run: true }).body;
    const without = await fixture.app.request("/api/failover/headscale", { method: "POST", headers: { cookie }, body });
    expect(without.status).toBe(403);
    expect(await without.json()).toEqual({ error: "missing or wrong x-csrf-token" });
    const other = await login(fixture.app, "alice");
    expect((await fixture.app.request("/api/failover/headscale", { method: "POST", headers: { cookie, "x-csrf-token": other.csrf }, body })).status).toBe(403);
    // With the right token the request reaches the route (501: no failover engine is wired in this fixture).
    expect((await fixture.app.request("/api/failover/headscale", { method: "POST", headers: { cookie, "x-csrf-token": csrf }, body })).status).toBe(501);
  });

  it("refuses a write from another origin even with a valid session and token", async () => {
    fixture = await fixtureApp();
    const { cookie, csrf } = await login(fixture.app, "alice");
    const response = await fixture.app.request("http://localhost:8470/api/logout", { method: "POST", headers: { cookie, "x-csrf-token": csrf, origin: "https://evil.example", host: "localhost:8470" } });
    expect(response.status).toBe(403);
  });

  it("ends the session on logout", async () => {
    fixture = await fixtureApp();
    const { cookie, csrf } = await login(fixture.app, "victor");
    expect((await fixture.app.request("/api/logout", { method: "POST", headers: { cookie, "x-csrf-token": csrf } })).status).toBe(204);
    expect((await fixture.app.request("/api/session", { headers: { cookie } })).status).toBe(401);
  });

  it("expires a session left unused for session_ttl", async () => {
    fixture = await fixtureApp();
    const { cookie } = await login(fixture.app, "victor");
    await fixture.clock.advance(12 * 3_600_000 + 1);
    expect((await fixture.app.request("/api/status", { headers: { cookie } })).status).toBe(401);
  });
});

describe("sessions and password changes", () => {
  it("ends a user's sessions when the config is reloaded with a new password hash for them, and only theirs", async () => {
    const original = await fixtureConfig();
    let config = original;
    fixture = await fixtureApp({ config: () => config }, config);
    const alice = await login(fixture.app, "alice");
    const victor = await login(fixture.app, "victor");
    const changed = structuredClone(config) as ConfigDocument;
    changed.dashboard!.users[0]!.password_hash = await hashPassword("a brand new password", { ln: 10, r: 8, p: 1 });
    config = changed;
    expect((await fixture.app.request("/api/session", { headers: { cookie: alice.cookie } })).status).toBe(401);
    // Changing it back does not revive the session: it was ended.
    config = original;
    expect((await fixture.app.request("/api/session", { headers: { cookie: alice.cookie } })).status).toBe(401);
    expect((await fixture.app.request("/api/session", { headers: { cookie: victor.cookie } })).status).toBe(200);
  });

  it("ends them when a password_hash_file is rewritten, reload or not", async () => {
    const dir = mkdtempSync(join(tmpdir(), "understudy-hash-"));
    try {
      const file = join(dir, "alice.hash");
      writeFileSync(file, `${await hashPassword(PASSWORDS.alice, { ln: 10, r: 8, p: 1 })}\n`);
      const config = structuredClone(await fixtureConfig());
      config.dashboard!.users[0] = { name: "alice", role: "operator", password_hash_file: file };
      fixture = await fixtureApp({ config: () => config }, config);
      const alice = await login(fixture.app, "alice");
      expect((await fixture.app.request("/api/session", { headers: { cookie: alice.cookie } })).status).toBe(200);
      writeFileSync(file, `${await hashPassword("a brand new password", { ln: 10, r: 8, p: 1 })}\n`);
      expect((await fixture.app.request("/api/session", { headers: { cookie: alice.cookie } })).status).toBe(401);
      const again = await fixture.app.request("/api/login", post("", { name: "alice", password: "a brand new password" }));
      expect(again.status).toBe(200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("sets the cookie again with a fresh Max-Age whenever the session is extended, and clears it on logout", async () => {
    fixture = await fixtureApp();
    const { cookie, csrf } = await login(fixture.app, "victor");
    await fixture.clock.advance(11 * 3_600_000);
    const answer = await fixture.app.request("/api/status", { headers: { cookie } });
    expect(answer.status).toBe(200);
    const refreshed = answer.headers.get("set-cookie") ?? "";
    expect(refreshed).toContain(`${cookie};`);
    expect(refreshed).toContain(`Max-Age=${12 * 3600}`);
    expect(refreshed).toContain("HttpOnly");
    expect(refreshed).toContain("SameSite=Strict");
    // 11 h later again (22 h after login, 11 h after last use), the session and its cookie still live.
    await fixture.clock.advance(11 * 3_600_000);
    expect((await fixture.app.request("/api/session", { headers: { cookie } })).status).toBe(200);
    const out = await fixture.app.request("/api/logout", { method: "POST", headers: { cookie, "x-csrf-token": csrf } });
    expect(out.headers.getSetCookie()).toEqual([expect.stringMatching(/^understudy_session=; Max-Age=0; Path=\//)]);
    expect((await fixture.app.request("/healthz", { headers: { cookie } })).headers.get("set-cookie")).toBeNull();
  });
});

describe("API tokens", () => {
  it("authenticate scripts by Authorization: Bearer, with the token's role and no CSRF", async () => {
    fixture = await fixtureApp();
    const as = (token: string) => ({ authorization: `Bearer ${token}` });
    expect((await fixture.app.request("/api/status", { headers: as(TOKENS.viewer) })).status).toBe(200);
    expect((await fixture.app.request("/api/failover/headscale", { method: "POST", headers: as(TOKENS.viewer), body: "{}" })).status).toBe(403);
    expect((await fixture.app.request("/api/failover/headscale", { method: "POST", headers: as(TOKENS.operator), body: "{}" })).status).toBe(501);
    const bad = await fixture.app.request("/api/status", { headers: as(`${TOKENS.viewer}x`) });
    expect([bad.status, await bad.json()]).toEqual([401, { error: "invalid API token" }]);
  });
});

describe("secrets", () => {
  it("never appear in an answer: no password, hash, token or session id", async () => {
    fixture = await fixtureApp();
    const { cookie } = await login(fixture.app, "alice");
    const secrets = [PASSWORDS.alice, PASSWORDS.victor, TOKENS.operator, TOKENS.viewer, cookie.split("=")[1]!];
    for (const spec of fixture.built.specs.filter((s) => s.method === "get" && !s.path.includes(":") && s.path !== "/api/events")) {
      const text = await (await fixture.app.request(spec.path, { headers: { cookie } })).text();
      expect(text.length, spec.path).toBeGreaterThan(0);
      for (const secret of secrets) expect(text, spec.path).not.toContain(secret);
      expect(text, spec.path).not.toMatch(/scrypt\$|sha256:[0-9a-f]{64}/);
    }
  });
});
