// The login rate limit: attempts are counted per client address and per user name over a sliding
// minute, from the moment they start (not when their slow password check ends: 50 attempts sent at
// once must not all be checked). At the limit, further attempts are refused (429, Retry-After) without
// checking the password, until the oldest attempt leaves the window. A success takes its own attempt
// back and clears the name's count (not the address's: one good password must not reset an attacker's
// budget for other names from the same place).
import type { Clock } from "../../engine/clock.js";

export interface LimitOptions {
  maxFailures: number;
  windowMs: number;
}

/** An attempt counted at its start; settle it when its password check ends (a failure needs nothing). */
export interface Attempt {
  /** The password was right: this attempt no longer counts, and neither does the name's past. */
  succeed(): void;
  /** The password was never checked (the server was too busy): this attempt does not count. */
  withdraw(): void;
}

export type Start = { ok: true; attempt: Attempt } | { ok: false; retryAfter: number };

/** At most this many keys are tracked; beyond it the oldest are forgotten (memory stays bounded). */
const MAX_KEYS = 50_000;

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly clock: Pick<Clock, "now">, private readonly options: LimitOptions = { maxFailures: 5, windowMs: 60_000 }) {}

  /** Counts an attempt now, or says how many seconds to wait when the address or the name is at the limit. */
  start(ip: string, user: string): Start {
    const wait = this.retryAfter(ip, user);
    if (wait > 0) return { ok: false, retryAfter: wait };
    const at = this.clock.now();
    this.fail(ip, user, at);
    const keys = [`ip:${ip}`, `user:${user}`];
    let settled = false;
    const settle = (clearName: boolean) => {
      if (settled) return;
      settled = true;
      for (const key of keys) this.take(key, at);
      if (clearName) this.failures.delete(`user:${user}`);
    };
    return { ok: true, attempt: { succeed: () => settle(true), withdraw: () => settle(false) } };
  }

  /** 0 when an attempt may go ahead, else the seconds to wait. */
  retryAfter(ip: string, user: string): number {
    const now = this.clock.now();
    let wait = 0;
    for (const key of [`ip:${ip}`, `user:${user}`]) {
      const recent = this.recent(key, now);
      if (recent.length >= this.options.maxFailures) wait = Math.max(wait, recent[0]! + this.options.windowMs - now);
    }
    return wait > 0 ? Math.max(1, Math.ceil(wait / 1000)) : 0;
  }

  fail(ip: string, user: string, at = this.clock.now()): void {
    for (const key of [`ip:${ip}`, `user:${user}`]) {
      const recent = this.recent(key, this.clock.now());
      recent.push(at);
      this.failures.delete(key);
      this.failures.set(key, recent);
    }
    while (this.failures.size > MAX_KEYS) this.failures.delete(this.failures.keys().next().value!);
  }

  succeed(user: string): void {
    this.failures.delete(`user:${user}`);
  }

  /** Removes one attempt made at `at` from a key's window. */
  private take(key: string, at: number): void {
    const list = this.failures.get(key);
    const index = list?.indexOf(at) ?? -1;
    if (index < 0) return;
    list!.splice(index, 1);
    if (list!.length === 0) this.failures.delete(key);
  }

  private recent(key: string, now: number): number[] {
    const kept = (this.failures.get(key) ?? []).filter((at) => at > now - this.options.windowMs);
    if (kept.length === 0) this.failures.delete(key);
    else this.failures.set(key, kept);
    return kept;
  }
}
