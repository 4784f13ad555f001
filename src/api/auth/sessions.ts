// Dashboard sessions, kept in memory: a random id (the cookie) maps to the user, a CSRF token, a
// fingerprint of the password hash (and TOTP secret) it was opened with (a change ends it: see guard.ts) and an
// expiry that slides with use. A restart logs everyone out, which is the safe direction. The ids are
// never logged or returned except in the Set-Cookie of the login that created them.
import { createHash, randomBytes } from "node:crypto";
import type { Clock } from "../../engine/clock.js";

export interface Session {
  readonly id: string;
  readonly user: string;
  /** Sent back in the x-csrf-token header of every mutating request. */
  readonly csrf: string;
  /** credentialOf(the password hash at login): when the user's hash changes, the session is over. */
  readonly credential: string;
  expiresAt: number;
}

/** A fingerprint of a password hash (never the hash itself, so a session holds nothing worth stealing). */
export function credentialOf(passwordHash: string | undefined): string {
  return createHash("sha256").update(passwordHash ?? "", "utf8").digest("base64url");
}

/** An upper bound so that a flood of logins cannot grow memory without end; the oldest go first. */
const MAX_SESSIONS = 10_000;

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly clock: Pick<Clock, "now">, private readonly ttlMs: () => number) {}

  create(user: string, credential: string): Session {
    this.sweep();
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const session: Session = { id: randomBytes(32).toString("base64url"), user, csrf: randomBytes(32).toString("base64url"), credential, expiresAt: this.clock.now() + this.ttlMs() };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id, its expiry pushed forward; undefined when unknown or expired. */
  get(id: string): Session | undefined {
    const session = this.sessions.get(id);
    if (!session) return undefined;
    const now = this.clock.now();
    if (session.expiresAt <= now) {
      this.sessions.delete(id);
      return undefined;
    }
    session.expiresAt = now + this.ttlMs();
    return session;
  }

  /** True while the session lives, without extending it. */
  has(id: string): boolean {
    const session = this.sessions.get(id);
    return session !== undefined && session.expiresAt > this.clock.now();
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  /** Ends every session of a user (removed from the config, or logged out everywhere). */
  deleteUser(user: string): void {
    for (const [id, session] of this.sessions) if (session.user === user) this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [id, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(id);
  }
}
