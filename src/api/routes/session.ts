// Logging in and out. A login is refused the same way for an unknown name and a wrong password, after
// the same work (see password.ts). Attempts are rate limited per address and per name, counted when they
// start (rate-limit.ts); the password checks themselves pass through a small gate (hash-gate.ts), and a
// login that finds it full is refused at once with 503 rather than filling the thread pool the probes
// need. The body is at most LOGIN_BODY_LIMIT. The session id travels only in the HttpOnly cookie; the
// CSRF token is returned in the body for the page to echo.
// Two-factor sign-in (a user with a totp_file): a right password returns a challenge instead of a
// session, and POST /api/login/code with the challenge and a code (TOTP or recovery, login-code.ts)
// opens the session. Code attempts go through the same rate limit, per address and per name; the
// password's own attempt is withdrawn, so the name's count is cleared only by a right code.
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { IncomingMessage } from "node:http";
import { credentialOfUser, type Accounts, type User } from "../auth/accounts.js";
import type { ChallengeStore } from "../auth/challenges.js";
import { clearSessionCookie, SESSION_COOKIE, setSessionCookie } from "../auth/cookie.js";
import type { HashGate } from "../auth/hash-gate.js";
import { verifyPassword } from "../auth/password.js";
import { checkCode } from "../auth/login-code.js";
import type { LoginLimiter } from "../auth/rate-limit.js";
import type { SecondFactorLedger } from "../auth/second-factor-ledger.js";
import type { SessionStore } from "../auth/sessions.js";
import type { ApiEnv } from "../env.js";
import type { Router } from "../router.js";
import { sendError, sendJson } from "../respond.js";
import { loginBody, loginCodeBody, loginResponse, sessionResponse } from "../schemas.js";

export interface SessionDeps {
  accounts(): Accounts;
  sessions: SessionStore;
  limiter: LoginLimiter;
  gate: HashGate;
  challenges: ChallengeStore;
  ledger: SecondFactorLedger;
  clock: { now(): number };
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

const CODE_REFUSED = {
  wrong: "wrong code",
  replayed: "this code was used already; wait for the next one in your app",
  spent: "this recovery code was used already; each works once",
} as const;

/** Opens the session: the cookie, and the CSRF token in the body. */
function open(c: Context<ApiEnv>, deps: SessionDeps, accounts: Accounts, user: User, credential: string, extra: Record<string, unknown> = {}): Response {
  const previous = getCookie(c, SESSION_COOKIE);
  if (previous !== undefined) deps.sessions.delete(previous);
  const session = deps.sessions.create(user.name, credential);
  setSessionCookie(c, session.id, accounts);
  return sendJson(c, { name: user.name, role: user.role, csrf: session.csrf, ...extra });
}

export function sessionRoutes(router: Router, deps: SessionDeps): void {
  router.add({ method: "post", path: "/api/login", access: "public", summary: "Log in: sets the session cookie and returns the CSRF token, or (two-factor sign-in) returns a challenge for POST /api/login/code", body: loginBody, response: loginResponse, bodyLimit: LOGIN_BODY_LIMIT, errors: { 401: "invalid name or password", 403: "two-factor sign-in is required and not set up for this user", 413: "the body is over 16 KiB", 429: "too many attempts; see Retry-After", 503: "too many logins at once; see Retry-After" } }, async (c, { body }) => {
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
    const factor = user.secondFactor;
    if (factor.state === "required") {
      started.attempt.succeed();
      deps.warn(`dashboard user ${user.name} cannot log in: dashboard.totp is required for operators and this user has no totp_file`);
      return sendError(c, 403, `two-factor sign-in is required for operators and ${user.name} is not enrolled: run \`understudy passwd --totp --name ${user.name}\` and add the totp_file it prints to this user in the config`);
    }
    if (factor.state === "broken") {
      started.attempt.succeed();
      return sendError(c, 403, `two-factor sign-in is set up for ${user.name} but its totp_file cannot be used (the agent's log says why); enrol again with \`understudy passwd --totp\``);
    }
    if (factor.state === "enrolled") {
      started.attempt.withdraw();
      const challenge = deps.challenges.create(user.name, credentialOfUser(user));
      return sendJson(c, { second_factor: "totp", challenge: challenge.id });
    }
    started.attempt.succeed();
    return open(c, deps, accounts, user, credentialOfUser(user));
  });

  router.add({ method: "post", path: "/api/login/code", access: "public", summary: "Two-factor sign-in's second step: a code from the authenticator app (or a recovery code) for the challenge POST /api/login returned; sets the session cookie", body: loginCodeBody, response: sessionResponse, bodyLimit: LOGIN_BODY_LIMIT, errors: { 401: "wrong, used or expired code (password_again: the challenge is over, log in again)", 429: "too many attempts; see Retry-After" } }, (c, { body }) => {
    const ip = clientAddress(c);
    const accounts = deps.accounts();
    const challenge = deps.challenges.get(body.challenge);
    if (!challenge) return sendJson(c, { error: "this sign-in has expired; enter your password again", password_again: true }, 401);
    const started = deps.limiter.start(ip, challenge.user);
    if (!started.ok) {
      c.header("retry-after", String(started.retryAfter));
      return sendError(c, 429, `too many login attempts; try again in ${started.retryAfter}s`);
    }
    const user = accounts.user(challenge.user);
    // The password or the enrolment changed meanwhile: start again.
    if (!user || user.secondFactor.state !== "enrolled" || credentialOfUser(user) !== challenge.credential) {
      started.attempt.withdraw();
      deps.challenges.delete(challenge.id);
      return sendJson(c, { error: "this sign-in has expired; enter your password again", password_again: true }, 401);
    }
    const checked = checkCode(user.name, user.secondFactor.enrolment, body.code, deps.ledger, deps.clock.now());
    if (!checked.ok) {
      deps.warn(`failed dashboard login code from ${ip} (${checked.reason})`);
      const over = deps.challenges.wrong(challenge);
      return sendJson(c, { error: over ? `${CODE_REFUSED[checked.reason]}; too many wrong codes, enter your password again` : CODE_REFUSED[checked.reason], password_again: over }, 401);
    }
    started.attempt.succeed();
    deps.challenges.delete(challenge.id);
    if (checked.via === "recovery") deps.warn(`dashboard user ${user.name} logged in with a recovery code; ${checked.recoveryLeft} left`);
    return open(c, deps, accounts, user, challenge.credential, checked.via === "recovery" ? { recovery_codes_left: checked.recoveryLeft } : {});
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
