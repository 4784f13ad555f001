// The auth guard in front of every declared route. Who is calling: a bearer token (scripts, the CLI)
// or the session cookie (the browser). Then, by the route's access level: anonymous callers get 401;
// writes (POST/PUT/PATCH/DELETE) from another Origin, or with a cookie but without the session's
// x-csrf-token, get 403; a viewer on an operator route gets 403. A bad bearer token is a 401 even when a
// cookie is also sent: a script that is misconfigured should find out. A session opened with a password
// hash the user no longer has (the password was changed, then the config reloaded or the hash file
// rewritten) is over. Every request on a live session extends it, and its cookie is set again with a
// fresh Max-Age (cookie.ts), so the browser keeps an active session as long as the server does.
import { timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { SESSION_COOKIE, setSessionCookie } from "./cookie.js";
import type { ApiEnv, Identity } from "../env.js";
import type { Access, Guard } from "../router.js";
import { credentialOfUser, type Accounts } from "./accounts.js";
import type { SessionStore } from "./sessions.js";

export { SESSION_COOKIE } from "./cookie.js";
const READS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface AuthContext {
  /** undefined when the dashboard is off: then only public routes answer. */
  accounts(): Accounts | undefined;
  sessions: SessionStore;
}

type Found = { identity: Identity | undefined; badToken: boolean; accounts?: Accounts };

export function identify(c: Context<ApiEnv>, auth: AuthContext): Found {
  const accounts = auth.accounts();
  if (!accounts) return { identity: undefined, badToken: false };
  const header = c.req.header("authorization");
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const account = match ? accounts.token(match[1]!) : undefined;
    return account ? { identity: { ...account, via: "token", session: undefined }, badToken: false } : { identity: undefined, badToken: true };
  }
  const id = getCookie(c, SESSION_COOKIE);
  if (id === undefined) return { identity: undefined, badToken: false };
  const session = auth.sessions.get(id);
  const account = session ? accounts.user(session.user) : undefined;
  if (!session || !account || credentialOfUser(account) !== session.credential) {
    if (session) auth.sessions.delete(session.id);
    return { identity: undefined, badToken: false };
  }
  return { identity: { name: account.name, role: account.role, via: "session", session }, badToken: false, accounts };
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** An Origin header naming another host than the one asked: a cross-site write. */
function foreignOrigin(c: Context<ApiEnv>): boolean {
  const origin = c.req.header("origin");
  if (origin === undefined || origin === "null") return origin === "null";
  try {
    return new URL(origin).host !== (c.req.header("host") ?? new URL(c.req.url).host);
  } catch {
    return true;
  }
}

export function createGuard(auth: AuthContext): Guard {
  return (access: Access) => async (c, next) => {
    const writes = !READS.has(c.req.method);
    if (writes && foreignOrigin(c)) return c.json({ error: "cross-origin request refused" }, 403);
    if (access === "public") {
      c.set("identity", undefined);
      return next();
    }
    const { identity, badToken, accounts } = identify(c, auth);
    if (!identity) return c.json({ error: badToken ? "invalid API token" : "authentication required" }, 401);
    // The session was just extended: so is its cookie (unless the request ended the session: logout).
    if (identity.session && accounts) setSessionCookie(c, identity.session.id, accounts);
    if (writes && identity.via === "session" && !sameText(c.req.header("x-csrf-token") ?? "", identity.session!.csrf)) {
      return c.json({ error: "missing or wrong x-csrf-token" }, 403);
    }
    if (access === "operator" && identity.role !== "operator") return c.json({ error: "this needs the operator role" }, 403);
    c.set("identity", identity);
    return next();
  };
}
