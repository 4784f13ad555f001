// A dashboard app over a small homelab for the API's tests: a real in-memory store, a real event
// emitter and a fake clock; users alice (operator) and victor (viewer), a token for each role.
// Hashes use the cheapest scrypt cost the parser accepts, so logins in tests stay fast.
import { parseConfig } from "../config/load.js";
import type { ConfigDocument } from "../config/schema.js";
import { FakeClock } from "../engine/clock.js";
import { createAgentEvents } from "../engine/events.js";
import { buildTopology } from "../model/topology.js";
import { openStore } from "../store/db.js";
import { buildApp } from "./app.js";
import type { AgentStatus } from "../agent/status.js";
import { hashPassword } from "./auth/password.js";
import { hashToken } from "./auth/tokens.js";
import type { ApiWiring, CoreDeps } from "./deps.js";

export const PASSWORDS = { alice: "correct horse battery staple", victor: "viewer password 1" };
export const TOKENS = { operator: "ust_operator-token-for-tests-0123456789", viewer: "ust_viewer-token-for-tests-0123456789" };
export const START = Date.parse("2026-03-01T12:00:00Z");

export async function fixtureConfig(extra = ""): Promise<ConfigDocument> {
  const fast = { ln: 10, r: 8, p: 1 };
  const text = `
version: 1
hosts:
  L001: { address: 100.64.0.2, site: linode, public: true }
  O001: { address: 100.64.0.1, site: oracle, public: true }
  H003: { address: 10.12.14.1, site: home }
services:
  headscale: { criticality: critical, primary: L001, standby: [O001], public: true }
  nginx: { role: reverse-proxy, criticality: high, runs_on: [O001], public: true }
  vaultwarden: { runs_on: [O001], exposed_via: nginx }
  adguard: { role: dns, runs_on: [H003] }
  lan: { role: router, runs_on: [H003], depends_on: [adguard] }
  mesh: { depends_on: [{ service: headscale, mode: degrades, after: 1h }] }
dashboard:
  users:
    - { name: alice, role: operator, password_hash: "${await hashPassword(PASSWORDS.alice, fast)}" }
    - { name: victor, role: viewer, password_hash: "${await hashPassword(PASSWORDS.victor, fast)}" }
  tokens:
    - { name: ci, role: operator, token_hash: "${hashToken(TOKENS.operator)}" }
    - { name: grafana, role: viewer, token_hash: "${hashToken(TOKENS.viewer)}" }
${extra}`;
  const loaded = parseConfig(text, "fixture.yaml");
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
  return loaded.config;
}

export async function fixtureApp(overrides: Partial<ApiWiring> = {}, config?: ConfigDocument) {
  const doc = config ?? (await fixtureConfig());
  const topology = buildTopology(doc);
  const clock = new FakeClock(START);
  const store = openStore(":memory:");
  const events = createAgentEvents();
  const health = new Map<string, string>([...topology.services.keys()].map((name) => [name, "up"]));
  const status = (): AgentStatus => ({
    source: "agent",
    agent: { name: "test", version: "0.0.0", started_at: null, uptime_s: 1 },
    services: [...topology.services.values()].map((service) => ({ name: service.name, criticality: service.criticality, health: health.get(service.name) ?? "unknown", instances: [], checks: [] })),
    incidents: [],
  });
  const core: CoreDeps = { version: "0.0.0", uptime: () => 1, metrics: async () => ({ contentType: "text/plain", body: "m 1\n" }), status, push: () => false };
  const warnings: string[] = [];
  const built = buildApp(core, {
    clock, store, events, configDir: "/nonexistent",
    topology: () => topology, config: () => doc,
    health: (service) => health.get(service) ?? "unknown",
    warn: (message) => warnings.push(message),
    webRoot: "/nonexistent/web",
    ...overrides,
  });
  const app = built.full!;
  return { app, built, clock, store, events, health, topology, warnings, close: () => { built.close(); store.close(); } };
}

export type Fixture = Awaited<ReturnType<typeof fixtureApp>>;

/** Logs in through the API; returns the cookie header and the CSRF token. */
export async function login(app: Fixture["app"], name: keyof typeof PASSWORDS): Promise<{ cookie: string; csrf: string }> {
  const response = await app.request("/api/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name, password: PASSWORDS[name] }) });
  if (response.status !== 200) throw new Error(`login ${name}: ${response.status}`);
  const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0]!;
  const { csrf } = (await response.json()) as { csrf: string };
  return { cookie, csrf };
}
