// Logging in through the API as a browser and a script would: the cookie's flags, CSRF on writes,
// same answer for a wrong name and a wrong password, the rate limit, bearer tokens, logout, and no
// secret in any answer.
import { afterEach, describe, expect, it } from "vitest";
import { fixtureApp, login, PASSWORDS, TOKENS, type Fixture } from "./app-fixture.js";

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
    const response = await fixture.app.request("http://agent.local/api/logout", { method: "POST", headers: { cookie, "x-csrf-token": csrf, origin: "https://evil.example", host: "agent.local" } });
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
