// Logging in and out. A login is refused the same way for an unknown name and a wrong password, after
// the same work (see password.ts); failures are rate limited per address and per name. The session id
// travels only in the HttpOnly cookie; the CSRF token is returned in the body for the page to echo.
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { IncomingMessage } from "node:http";
import type { Accounts } from "../auth/accounts.js";
import { SESSION_COOKIE } from "../auth/guard.js";
import { verifyPassword } from "../auth/password.js";
import type { LoginLimiter } from "../auth/rate-limit.js";
import type { SessionStore } from "../auth/sessions.js";
import type { ApiEnv } from "../env.js";
import type { Router } from "../router.js";
import { sendError, sendJson } from "../respond.js";
import { loginBody, sessionResponse } from "../schemas.js";

export interface SessionDeps {
  accounts(): Accounts;
  sessions: SessionStore;
  limiter: LoginLimiter;
  warn(message: string): void;
}

/** The peer's address (a proxy's, behind one: the limit then counts per proxy, and per name). */
function clientAddress(c: Context<ApiEnv>): string {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming?.socket.remoteAddress ?? "unknown";
}

function secure(c: Context<ApiEnv>, accounts: Accounts): boolean {
  return accounts.secureCookie === "always" || new URL(c.req.url).protocol === "https:";
}

export function sessionRoutes(router: Router, deps: SessionDeps): void {
  router.add({ method: "post", path: "/api/login", access: "public", summary: "Log in: sets the session cookie, returns the CSRF token", body: loginBody, response: sessionResponse, errors: { 401: "invalid name or password", 429: "too many failures; see Retry-After" } }, async (c, { body }) => {
    const ip = clientAddress(c);
    const accounts = deps.accounts();
    const wait = deps.limiter.retryAfter(ip, body.name);
    if (wait > 0) {
      c.header("retry-after", String(wait));
      return sendError(c, 429, `too many failed logins; try again in ${wait}s`);
    }
    const user = accounts.user(body.name);
    const ok = await verifyPassword(body.password, user?.passwordHash);
    if (!ok || !user) {
      deps.limiter.fail(ip, body.name);
      // The name is not logged: people type their password into it by mistake.
      deps.warn(`failed dashboard login from ${ip}`);
      return sendError(c, 401, "invalid name or password");
    }
    deps.limiter.succeed(body.name);
    const previous = getCookie(c, SESSION_COOKIE);
    if (previous !== undefined) deps.sessions.delete(previous);
    const session = deps.sessions.create(user.name);
    setCookie(c, SESSION_COOKIE, session.id, { httpOnly: true, sameSite: "Strict", path: "/", secure: secure(c, accounts), maxAge: Math.floor(accounts.sessionTtlMs / 1000) });
    return sendJson(c, { name: user.name, role: user.role, csrf: session.csrf });
  });

  router.add({ method: "post", path: "/api/logout", access: "user", summary: "Log out: ends the session" }, (c) => {
    const identity = c.get("identity");
    if (identity?.session) deps.sessions.delete(identity.session.id);
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.body(null, 204);
  });

  router.add({ method: "get", path: "/api/session", access: "user", summary: "Who is logged in, and the CSRF token", response: sessionResponse }, (c) => {
    const identity = c.get("identity")!;
    return sendJson(c, { name: identity.name, role: identity.role, csrf: identity.session?.csrf ?? "" });
  });
}
