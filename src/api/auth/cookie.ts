// The session cookie: HttpOnly, SameSite=Strict, Path=/, Secure over https (or always, behind a TLS
// proxy), and a Max-Age equal to the session's TTL. The server slides a session's expiry with every use,
// so the cookie is set again then too: otherwise the browser drops an active session at the TTL.
import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import type { ApiEnv } from "../env.js";
import type { Accounts } from "./accounts.js";

export const SESSION_COOKIE = "understudy_session";

function secure(c: Context<ApiEnv>, accounts: Accounts): boolean {
  return accounts.secureCookie === "always" || new URL(c.req.url).protocol === "https:";
}

export function setSessionCookie(c: Context<ApiEnv>, id: string, accounts: Accounts): void {
  setCookie(c, SESSION_COOKIE, id, { httpOnly: true, sameSite: "Strict", path: "/", secure: secure(c, accounts), maxAge: Math.floor(accounts.sessionTtlMs / 1000) });
}

/** Ends the cookie; replaces the refreshed one the guard may have set for this request. */
export function clearSessionCookie(c: Context<ApiEnv>): void {
  c.header("set-cookie", undefined);
  deleteCookie(c, SESSION_COOKIE, { path: "/" });
}
