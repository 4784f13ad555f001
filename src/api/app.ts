// The agent's HTTP app (Hono), built from injected dependencies. Two apps, picked per request by the
// current config (a reload may add or remove the `dashboard` key):
//   - dashboard off: the agent's original surface, open as it always was (/healthz, /metrics,
//     /push/:token, /api/status), and a page at / saying how to turn the dashboard on;
//   - dashboard on: every route behind the auth guard (see router.ts and auth/guard.ts), the
//     dashboard's API, live events, the public status and the built pages.
// Sessions and the login limiter outlive both, so switching modes on a reload logs nobody out.
// In front of both: the Host header check (host-check.ts) and a limit on any declared body (body.ts).
import { Hono } from "hono";
import { systemClock } from "../engine/clock.js";
import { accountsOf } from "./auth/accounts.js";
import { ChallengeStore } from "./auth/challenges.js";
import { createGuard } from "./auth/guard.js";
import { HashGate } from "./auth/hash-gate.js";
import { LoginLimiter } from "./auth/rate-limit.js";
import { SecondFactorLedger } from "./auth/second-factor-ledger.js";
import { SessionStore } from "./auth/sessions.js";
import type { ApiWiring, CoreDeps } from "./deps.js";
import { DEFAULT_BODY_LIMIT, declaredLimit } from "./body.js";
import type { ApiEnv } from "./env.js";
import { hostCheck, type HostNames } from "./host-check.js";
import { LiveFeed } from "./live.js";
import { openApiDocument } from "./openapi.js";
import { Router, type RouteSpec } from "./router.js";
import { sendJson, sendText } from "./respond.js";
import { actionRoutes } from "./routes/actions.js";
import { coreRoutes } from "./routes/core.js";
import { demoRoutes } from "./routes/demo.js";
import { eventRoutes } from "./routes/events.js";
import { publicRoutes } from "./routes/public.js";
import { sessionRoutes } from "./routes/session.js";
import { staticRoutes } from "./routes/static.js";
import { viewRoutes } from "./routes/views.js";

const DASHBOARD_OFF = `Understudy agent: the dashboard is off.
Add a dashboard section to the config to turn it on, e.g.
  dashboard:
    users: [{ name: you, role: operator, password_hash: "…" }]   # understudy passwd
Until then this agent serves /healthz, /metrics, /push/TOKEN and /api/status.
`;

export interface BuiltApp {
  /** The app for the current config. */
  current(): Hono<ApiEnv>;
  /** The full app and its declared routes (for the route enumeration and OpenAPI tests). */
  readonly full: Hono<ApiEnv> | undefined;
  readonly specs: readonly RouteSpec[];
  close(): void;
}

function finish(app: Hono<ApiEnv>, router: Router): void {
  // A known path asked with a method it does not take: 405 with Allow, rather than a 404.
  const methods = new Map<string, Set<string>>();
  for (const spec of router.specs) {
    const set = methods.get(spec.path) ?? new Set();
    set.add(spec.method.toUpperCase());
    if (spec.method === "get") set.add("HEAD");
    methods.set(spec.path, set);
  }
  for (const [path, allowed] of methods) {
    app.all(path, (c) => {
      c.header("allow", [...allowed].join(", "));
      return sendText(c, "method not allowed\n", 405);
    });
  }
  app.onError((error, c) => sendText(c, `internal error: ${error.message}\n`, 500));
}

function guarded(names: () => HostNames): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.use("*", hostCheck(names), declaredLimit(DEFAULT_BODY_LIMIT));
  return app;
}

export function buildLegacyApp(deps: CoreDeps, names: () => HostNames = () => ({})): Hono<ApiEnv> {
  const app = guarded(names);
  const router = new Router(app, createGuard({ accounts: () => undefined, sessions: new SessionStore(systemClock, () => 0) }));
  coreRoutes(router, deps, "public");
  finish(app, router);
  app.get("/", (c) => sendText(c, DASHBOARD_OFF));
  app.all("*", (c) => sendText(c, "not found\n", 404));
  return app;
}

export function buildApp(core: CoreDeps, wiring?: ApiWiring): BuiltApp {
  if (!wiring) {
    const legacy = buildLegacyApp(core);
    return { current: () => legacy, full: undefined, specs: [], close: () => {} };
  }
  const deps = { ...core, ...wiring };
  const names = (): HostNames => ({ listen: deps.config().agents.listen, names: deps.config().agents.host_names });
  const legacy = buildLegacyApp(core, names);

  const sessions = new SessionStore(deps.clock, () => deps.config().dashboard?.session_ttl ?? 0);
  const limiter = new LoginLimiter(deps.clock);
  const accounts = () => {
    const dashboard = deps.config().dashboard;
    return dashboard ? accountsOf(dashboard, deps.configDir, deps.warn) : undefined;
  };
  const app = guarded(names);
  const router = new Router(app, createGuard({ accounts, sessions }));
  const feed = new LiveFeed(deps, deps.events);

  coreRoutes(router, core, "viewer");
  sessionRoutes(router, { accounts: () => accounts()!, sessions, limiter, gate: new HashGate(), challenges: new ChallengeStore(deps.clock), ledger: new SecondFactorLedger(deps.store), clock: deps.clock, warn: deps.warn });
  viewRoutes(router, deps);
  actionRoutes(router, deps);
  publicRoutes(router, deps);
  eventRoutes(router, deps, feed);
  if (deps.demo) demoRoutes(router, deps.demo);
  router.add({ method: "get", path: "/api/openapi.json", access: "viewer", summary: "This API as OpenAPI 3.1" }, (c) => sendJson(c, openApiDocument(router.specs, core.version)));
  finish(app, router);
  staticRoutes(app, deps.webRoot);
  app.all("*", (c) => sendText(c, "not found\n", 404));

  return {
    current: () => (deps.config().dashboard ? app : legacy),
    full: app,
    specs: router.specs,
    close: () => feed.close(),
  };
}
