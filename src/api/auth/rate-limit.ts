// The login rate limit: failures are counted per client address and per user name over a sliding
// minute; at the limit, further attempts are refused (429, Retry-After) without checking the password,
// until the oldest failure leaves the window. A success clears the name's count (not the address's:
// one good password must not reset an attacker's budget for other names from the same place).
import type { Clock } from "../../engine/clock.js";

export interface LimitOptions {
  maxFailures: number;
  windowMs: number;
}

/** At most this many keys are tracked; beyond it the oldest are forgotten (memory stays bounded). */
const MAX_KEYS = 50_000;

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly clock: Pick<Clock, "now">, private readonly options: LimitOptions = { maxFailures: 5, windowMs: 60_000 }) {}

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

  fail(ip: string, user: string): void {
    const now = this.clock.now();
    for (const key of [`ip:${ip}`, `user:${user}`]) {
      const recent = this.recent(key, now);
      recent.push(now);
      this.failures.delete(key);
      this.failures.set(key, recent);
    }
    while (this.failures.size > MAX_KEYS) this.failures.delete(this.failures.keys().next().value!);
  }

  succeed(user: string): void {
    this.failures.delete(`user:${user}`);
  }

  private recent(key: string, now: number): number[] {
    const kept = (this.failures.get(key) ?? []).filter((at) => at > now - this.options.windowMs);
    if (kept.length === 0) this.failures.delete(key);
    else this.failures.set(key, kept);
    return kept;
  }
}
