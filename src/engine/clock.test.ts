import { describe, expect, it } from "vitest";
import { FakeClock } from "./clock.js";

describe("FakeClock", () => {
  it("runs due timers in time order, including timers set by timers, at their own time", async () => {
    const clock = new FakeClock(0);
    const ran: Array<[string, number]> = [];
    clock.setTimeout(() => ran.push(["b", clock.now()]), 200);
    clock.setTimeout(() => {
      ran.push(["a", clock.now()]);
      clock.setTimeout(() => ran.push(["a2", clock.now()]), 50);
    }, 100);
    const cancelled = clock.setTimeout(() => ran.push(["never", clock.now()]), 120);
    clock.clearTimeout(cancelled);
    await clock.advance(199);
    expect(ran).toEqual([["a", 100], ["a2", 150]]);
    await clock.advance(1);
    expect(ran.at(-1)).toEqual(["b", 200]);
    expect(clock.pending()).toBe(0);
  });

  it("jump moves the wall clock without running or delaying timers", async () => {
    const clock = new FakeClock(0);
    const ran: number[] = [];
    clock.setTimeout(() => ran.push(clock.now()), 1000);
    clock.jump(3_600_000);
    expect(ran).toEqual([]);
    await clock.advance(1000);
    expect(ran).toEqual([3_601_000]);
  });
});
