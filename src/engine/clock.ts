// Time as an injected dependency: the scheduler, verdicts and incidents read the wall clock and set
// timers only through a Clock, so tests drive hours of schedule in milliseconds and can jump the clock.
//
// Two notions of time, as in Node itself: `now()` is wall time (it can jump when NTP or a person sets
// the clock); timers run on monotonic time (a wall jump neither fires nor delays them). FakeClock keeps
// both, so a test can show what the scheduler does when the two disagree.

/** Opaque timer handle; `unknown` so that a Clock also satisfies the notifiers' Timers interface. */
export type TimerHandle = unknown;

export interface Clock {
  /** Wall time, milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface FakeTimer {
  readonly id: number;
  /** Monotonic due time. */
  readonly due: number;
  readonly fn: () => void;
}

/** Lets promise callbacks (a probe resolving, a listener reacting) run before the next timer. */
async function settle(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A clock for tests. `advance(ms)` moves both wall and monotonic time and runs every timer that falls
 * due on the way, in due order (ties in creation order), including timers set by those timers; between
 * timers it lets pending promises settle, so async code driven by timers behaves as it would for real.
 * `jump(ms)` moves only the wall clock, as a clock step would: no timer runs.
 */
export class FakeClock implements Clock {
  private wall: number;
  private mono = 0;
  private nextId = 1;
  private readonly timers = new Map<number, FakeTimer>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.wall = start;
  }

  now(): number {
    return this.wall;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    // Like Node: a negative or NaN delay means "as soon as possible", never "in the past".
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    this.timers.set(id, { id, due: this.mono + delay, fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    if (typeof handle === "number") this.timers.delete(handle);
  }

  /** Timers set and not yet run or cleared: tests assert 0 after stop(). */
  pending(): number {
    return this.timers.size;
  }

  async advance(ms: number): Promise<void> {
    const target = this.mono + ms;
    await settle();
    for (;;) {
      const next = this.nextDue(target);
      if (!next) break;
      this.timers.delete(next.id);
      this.wall += next.due - this.mono;
      this.mono = next.due;
      next.fn();
      await settle();
    }
    this.wall += target - this.mono;
    this.mono = target;
  }

  jump(ms: number): void {
    this.wall += ms;
  }

  private nextDue(limit: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const timer of this.timers.values()) {
      if (timer.due > limit) continue;
      if (!best || timer.due < best.due || (timer.due === best.due && timer.id < best.id)) best = timer;
    }
    return best;
  }
}
