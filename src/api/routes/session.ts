// Logging in and out. A login is refused the same way for an unknown name and a wrong password, after
// the same work (see password.ts). Attempts are rate limited per address and per name, counted when they
// start (rate-limit.ts); the password checks themselves pass through a small gate (hash-gate.ts), and a
// login that finds it full is refused at once with 503 rather than filling the thread pool the probes
// need. The body is at most LOGIN_BODY_LIMIT. The session id travels only in the HttpOnly cookie; the
// CSRF token is returned in the body for the page to echo.
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { IncomingMessage } from "node:http";
import type { Accounts } from "../auth/accounts.js";
import { clearSessionCookie, SESSION_COOKIE, setSessionCookie } from "../auth/cookie.js";
import type { HashGate } from "../auth/hash-gate.js";
import { verifyPassword } from "../auth/password.js";
import type { LoginLimiter } from "../auth/rate-limit.js";
import { credentialOf, type SessionStore } from "../auth/sessions.js";
import type { ApiEnv } from "../env.js";
import type { Router } from "../router.js";
import { sendError, sendJson } from "../respond.js";
import { loginBody, sessionResponse } from "../schemas.js";

export interface SessionDeps {
  accounts(): Accounts;
  sessions: SessionStore;
  limiter: LoginLimiter;
  gate: HashGate;
  warn(message: string): void;
}

/** The peer's address (a proxy's, behind one: the limit then counts per proxy, and per name). */
function clientAddress(c: Context<ApiEnv>): string {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming?.socket.remoteAddress ?? "unknown";
}

/** A name and a password, JSON: 16 KiB is generous; more is refused before it is read. */
export const LOGIN_BODY_LIMIT = 16 * 1024;

/** When the password checks are all busy: try again in this many seconds. */
const BUSY_RETRY_S = 2;

export function sessionRoutes(router: Router, deps: SessionDeps): void {
  router.add({ method: "post", path: "/api/login", access: "public", summary: "Log in: sets the session cookie, returns the CSRF token", body: loginBody, response: sessionResponse, bodyLimit: LOGIN_BODY_LIMIT, errors: { 401: "invalid name or password", 413: "the body is over 16 KiB", 429: "too many attempts; see Retry-After", 503: "too many logins at once; see Retry-After" } }, async (c, { body }) => {
    const ip = clientAddress(c);
    const accounts = deps.accounts();
    const started = deps.limiter.start(ip, body.name);
    if (!started.ok) {
      c.header("retry-after", String(started.retryAfter));
      return sendError(c, 429, `too many login attempts; try again in ${started.retryAfter}s`);
    }
    const user = accounts.user(body.name);
    const checked = deps.gate.run(() => verifyPassword(body.password, user?.passwordHash));
    if (!checked) {
      started.attempt.withdraw();
      c.header("retry-after", String(BUSY_RETRY_S));
      return sendError(c, 503, `too many logins at once; try again in ${BUSY_RETRY_S}s`);
    }
    if (!(await checked) || !user) {
      // The name is not logged: people type their password into it by mistake.
      deps.warn(`failed dashboard login from ${ip}`);
      return sendError(c, 401, "invalid name or password");
    }
    started.attempt.succeed();
    const previous = getCookie(c, SESSION_COOKIE);
    if (previous !== undefined) deps.sessions.delete(previous);
    const session = deps.sessions.create(user.name, credentialOf(user.passwordHash));
    setSessionCookie(c, session.id, accounts);
    return sendJson(c, { name: user.name, role: user.role, csrf: session.csrf });
  });

  router.add({ method: "post", path: "/api/logout", access: "user", summary: "Log out: ends the session" }, (c) => {
    const identity = c.get("identity");
    if (identity?.session) deps.sessions.delete(identity.session.id);
    clearSessionCookie(c);
    return c.body(null, 204);
  });

  router.add({ method: "get", path: "/api/session", access: "user", summary: "Who is logged in, and the CSRF token", response: sessionResponse }, (c) => {
    const identity = c.get("identity")!;
    return sendJson(c, { name: identity.name, role: identity.role, csrf: identity.session?.csrf ?? "" });
  });
}
