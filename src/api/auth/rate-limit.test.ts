// The login limit: five failures a minute per address or per name, then a wait that says how long.
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../engine/clock.js";
import { LoginLimiter } from "./rate-limit.js";

describe("login rate limit", () => {
  it("blocks an address after five failures, for the rest of the minute", async () => {
    const clock = new FakeClock(0);
    const limiter = new LoginLimiter(clock);
    for (let i = 0; i < 5; i++) {
      expect(limiter.retryAfter("10.0.0.9", `user${i}`)).toBe(0);
      limiter.fail("10.0.0.9", `user${i}`);
      await clock.advance(1_000);
    }
    expect(limiter.retryAfter("10.0.0.9", "someone-else")).toBe(55);
    expect(limiter.retryAfter("10.0.0.10", "someone-else")).toBe(0);
    await clock.advance(55_000);
    expect(limiter.retryAfter("10.0.0.9", "someone-else")).toBe(0);
  });

  it("blocks a name attacked from many addresses; a success clears the name but not the addresses", () => {
    const limiter = new LoginLimiter(new FakeClock(0));
    for (let i = 0; i < 5; i++) limiter.fail(`10.0.0.${i}`, "alice");
    expect(limiter.retryAfter("10.9.9.9", "alice")).toBe(60);
    limiter.succeed("alice");
    expect(limiter.retryAfter("10.9.9.9", "alice")).toBe(0);
    for (let i = 0; i < 5; i++) limiter.fail("10.0.0.1", `x${i}`);
    limiter.succeed("x0");
    expect(limiter.retryAfter("10.0.0.1", "x0")).toBeGreaterThan(0);
  });

  it("counts an attempt when it starts, so attempts in flight cannot pass the limit together", () => {
    const limiter = new LoginLimiter(new FakeClock(0));
    const started = Array.from({ length: 8 }, () => limiter.start("10.0.0.9", "alice"));
    expect(started.map((s) => s.ok)).toEqual([true, true, true, true, true, false, false, false]);
    expect(started[5]).toEqual({ ok: false, retryAfter: 60 });
  });

  it("gives back an attempt that succeeded or was never checked, and clears the name on success", () => {
    const limiter = new LoginLimiter(new FakeClock(0));
    for (let i = 0; i < 4; i++) limiter.start("10.0.0.9", "alice");
    const withdrawn = limiter.start("10.0.0.9", "bob");
    if (!withdrawn.ok) throw new Error("expected a start");
    withdrawn.attempt.withdraw();
    withdrawn.attempt.withdraw();
    expect(limiter.retryAfter("10.0.0.9", "carol")).toBe(0);
    const good = limiter.start("10.0.0.9", "alice");
    if (!good.ok) throw new Error("expected a start");
    good.attempt.succeed();
    expect(limiter.retryAfter("10.0.0.1", "alice")).toBe(0);
    expect(limiter.start("10.0.0.9", "dave").ok).toBe(true);
    expect(limiter.start("10.0.0.9", "erin").ok).toBe(false);
  });
});
