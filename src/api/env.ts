// The types every route handler shares: who is calling (set by the auth guard) and the app's Hono env.
import type { Role } from "./config.js";
import type { Session } from "./auth/sessions.js";

export interface Identity {
  readonly name: string;
  readonly role: Role;
  /** How the caller proved it: a session cookie (then CSRF applies to writes) or a bearer token. */
  readonly via: "session" | "token";
  readonly session: Session | undefined;
}

export interface ApiEnv {
  Variables: { identity: Identity | undefined };
}
