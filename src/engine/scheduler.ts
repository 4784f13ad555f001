// The scheduler: runs every check of the topology on its interval, within a global concurrency limit,
// and says when it could not keep up instead of silently stretching the schedule.
//
//   - Each check has its own grid: run n is planned at start + n × interval, plus a fresh random jitter
//     in [0, jitter]; the next run is planned from the grid, not from when the last one finished, so
//     the schedule does not drift.
//   - A check never overlaps itself: a run due while its previous run is still queued or running is
//     skipped and counted as an overrun (`check.overrun`, and in stats).
//   - At most `agents.concurrency` probes run at once; a due run waits in a FIFO queue and starts late.
//     Its lag (start − due) is measured and emitted with the result; nothing is dropped (Gatus #1755:
//     a fixed small limit silently stretched intervals and alerts were missed).
//   - Each run gets an AbortSignal that fires at the check's timeout. A probe that ignores it is given
//     up on a second later (a timeout result; its concurrency slot is freed) but its check stays busy until
//     it settles, so a stuck probe costs only its own check's runs (as overruns), never the agent's slots.
//   - `runNow` runs checks at once, outside their grid (a push check whose heartbeat just arrived), without
//     moving the grid; a check already running then runs once more when it finishes.
//   - Clock jumps: timers run on monotonic time, the grid on wall time. When a timer fires and the wall
//     clock disagrees with the grid by more than an interval forward (a step ahead), or by any real amount
//     backward (timers never fire early), the grid is re-anchored at now: one run, no burst of catch-up
//     runs after a jump ahead and no silent pause after a jump back. Such a jump is counted, not taken as lag.
import type { Check, Topology } from "../model/topology.js";
import type { ProbeResult } from "../probes/probe.js";
import { findProbeKind } from "../probes/registry.js";
import { closeIdleConnections } from "../probes/http-request.js";
import { readSecret } from "../config/secret.js";
import type { Clock, TimerHandle } from "./clock.js";
import type { EventSink } from "./emitter.js";
import type { AgentEvents } from "./events.js";
import { LagWindow } from "./lag-window.js";

export type ProbeRunner = (check: Check, signal: AbortSignal) => Promise<ProbeResult>;

type SchedulerEvents = Pick<AgentEvents, "check.result" | "check.overrun" | "error">;

export interface SchedulerOptions {
  topology: Topology;
  clock: Clock;
  events: EventSink<SchedulerEvents>;
  /** Runs one probe; defaults to the check's probe kind from the registry. */
  run?: ProbeRunner;
  /** [0, 1), for jitter; injectable so tests can pin it. */
  random?: () => number;
  /** Window of the lag percentiles in stats(); default 15 minutes. */
  lagWindowMs?: number;
}

export interface SchedulerStats {
  runs: number;
  overruns: number;
  /** Planned runs passed over because the agent was stalled more than an interval (not a jump). */
  missed: number;
  clockJumps: number;
  running: number;
  queued: number;
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
}

/** How long a probe that ignores its abort signal is waited for before its run is given up on. */
const ABANDON_AFTER_MS = 1000;
const BACKWARD_JUMP_MS = 1000;
const FORWARD_JUMP_MIN_MS = 2000;

interface Slot {
  readonly check: Check;
  /** Grid time of the next run (wall clock). */
  planned: number;
  /** planned + this run's jitter: when the timer should fire. */
  dueAt: number;
  timer: TimerHandle | undefined;
  busy: boolean;
  runs: number;
  overruns: number;
  /** runNow was asked while it ran: run again when it finishes. */
  again: boolean;
}

/** A run under way: its abort, its one pending timer (the timeout, then the give-up), and its settling. */
interface Flight {
  readonly controller: AbortController;
  timer: TimerHandle | undefined;
  /** Its concurrency slot is freed (it finished or was given up on). */
  released: boolean;
  abandoned: boolean;
  done: Promise<void> | undefined;
}

export function registryRunner(clock: Clock, secret: (ref: string) => Promise<string>): ProbeRunner {
  return async (check, signal) => {
    const kind = findProbeKind(check.kind);
    if (!kind) return { ok: false, reason: "unknown-kind", message: `no probe kind "${check.kind}" is registered`, latencyMs: 0 };
    return kind.run(check.spec, { signal, timeoutMs: check.timeoutMs, now: () => clock.now(), secret });
  };
}

export class Scheduler {
  private readonly slots: Slot[];
  private readonly byName: Map<string, Slot>;
  private readonly queue: Array<{ slot: Slot; scheduledAt: number }> = [];
  private readonly inFlight = new Set<Flight>();
  private readonly lags: LagWindow;
  private readonly run: ProbeRunner;
  private readonly random: () => number;
  private readonly limit: number;
  private running = 0;
  private counters = { runs: 0, overruns: 0, missed: 0, clockJumps: 0 };
  private started = false;
  private stopped = false;

  constructor(private readonly options: SchedulerOptions) {
    const checks = [...options.topology.services.values()].flatMap((service) => service.checks);
    this.slots = checks.map((check) => ({ check, planned: 0, dueAt: 0, timer: undefined, busy: false, runs: 0, overruns: 0, again: false }));
    this.byName = new Map(this.slots.map((slot) => [slot.check.name, slot]));
    this.run = options.run ?? registryRunner(options.clock, (ref) => readSecret(ref));
    this.random = options.random ?? Math.random;
    this.limit = options.topology.agents.concurrency;
    this.lags = new LagWindow(options.lagWindowMs ?? 15 * 60_000);
  }

  /** Starts every check now (each at its own jitter). */
  start(): void {
    if (this.started) throw new Error("bug: scheduler started twice");
    this.started = true;
    const now = this.options.clock.now();
    for (const slot of this.slots) {
      slot.planned = now;
      this.arm(slot);
    }
  }

  /** Aborts running probes, clears every timer, and waits for the aborted probes to settle (not for those already given up on). */
  async stop(): Promise<void> {
    this.stopped = true;
    const { clock } = this.options;
    for (const slot of this.slots) if (slot.timer !== undefined) clock.clearTimeout(slot.timer);
    this.queue.length = 0;
    const flights = [...this.inFlight];
    for (const flight of flights) {
      flight.controller.abort(new Error("the agent is stopping"));
      if (flight.timer !== undefined) clock.clearTimeout(flight.timer);
      flight.timer = undefined;
    }
    this.inFlight.clear();
    await Promise.all(flights.filter((flight) => !flight.abandoned).map((flight) => flight.done));
    // Kept-alive probe connections would close by themselves after a few seconds idle; a stop releases them now.
    closeIdleConnections();
  }

  /** Runs the named checks now, outside their grid; one already running runs again once it finishes. */
  runNow(names: readonly string[]): void {
    if (!this.started || this.stopped) return;
    for (const name of names) {
      const slot = this.byName.get(name);
      if (!slot) continue;
      if (slot.busy) slot.again = true;
      else this.enqueue(slot, this.options.clock.now());
    }
    this.pump();
  }

  stats(): SchedulerStats {
    const lag = this.lags.summary(this.options.clock.now());
    return { ...this.counters, running: this.running, queued: this.queue.length, lagP50Ms: lag.p50, lagP99Ms: lag.p99, lagMaxMs: lag.max };
  }

  /** Per check: runs started and overruns. */
  checkStats(): Array<{ check: string; runs: number; overruns: number }> {
    return this.slots.map((slot) => ({ check: slot.check.name, runs: slot.runs, overruns: slot.overruns }));
  }

  private arm(slot: Slot): void {
    const { clock } = this.options;
    slot.dueAt = slot.planned + Math.floor(this.random() * (slot.check.jitterMs + 1));
    slot.timer = clock.setTimeout(() => this.fire(slot), slot.dueAt - clock.now());
  }

  private fire(slot: Slot): void {
    slot.timer = undefined;
    if (this.stopped) return;
    const now = this.options.clock.now();
    const skew = now - slot.dueAt;
    if (skew > Math.max(slot.check.intervalMs, FORWARD_JUMP_MIN_MS) || skew < -BACKWARD_JUMP_MS) {
      this.counters.clockJumps++;
      slot.planned += skew;
      slot.dueAt = now;
    }
    if (slot.busy) {
      slot.overruns++;
      this.counters.overruns++;
      this.options.events.emit("check.overrun", { check: slot.check, scheduledAt: slot.dueAt, overruns: slot.overruns });
    } else {
      this.enqueue(slot, slot.dueAt);
      this.pump();
    }
    slot.planned += slot.check.intervalMs;
    while (slot.planned < now) {
      slot.planned += slot.check.intervalMs;
      this.counters.missed++;
    }
    this.arm(slot);
  }

  private enqueue(slot: Slot, scheduledAt: number): void {
    slot.busy = true;
    this.queue.push({ slot, scheduledAt });
  }

  private pump(): void {
    while (this.running < this.limit && !this.stopped) {
      const next = this.queue.shift();
      if (!next) return;
      this.running++;
      this.execute(next.slot, next.scheduledAt);
    }
  }

  private execute(slot: Slot, scheduledAt: number): void {
    const { clock, events } = this.options;
    const { check } = slot;
    const startedAt = clock.now();
    const lagMs = Math.max(0, startedAt - scheduledAt);
    this.lags.add(startedAt, lagMs);
    slot.runs++;
    this.counters.runs++;
    // One timer per run (a thousand runs a second): it aborts the probe at its timeout and only then sets
    // the second one, which gives up on a probe that ignores the abort.
    const flight: Flight = { controller: new AbortController(), timer: undefined, released: false, abandoned: false, done: undefined };
    const finish = (result: ProbeResult, abandon: boolean) => {
      if (flight.released || this.stopped) return;
      if (abandon) flight.abandoned = true;
      const finishedAt = clock.now();
      flight.released = true;
      this.running--;
      this.pump();
      events.emit("check.result", { check, result, scheduledAt, startedAt, finishedAt, lagMs });
    };
    flight.timer = clock.setTimeout(() => {
      flight.controller.abort(new Error(`timeout after ${check.timeoutMs}ms`));
      flight.timer = clock.setTimeout(() => {
        flight.timer = undefined;
        const latencyMs = clock.now() - startedAt;
        finish({ ok: false, reason: "timeout", message: `no result ${check.timeoutMs + ABANDON_AFTER_MS}ms after start (the probe ignored its timeout)`, latencyMs }, true);
      }, ABANDON_AFTER_MS);
    }, check.timeoutMs);
    flight.done = this.probe(check, flight.controller.signal, startedAt).then((result) => {
      if (flight.timer !== undefined) clock.clearTimeout(flight.timer);
      flight.timer = undefined;
      this.inFlight.delete(flight);
      slot.busy = false;
      finish(result, false);
      if (slot.again && !this.stopped) {
        slot.again = false;
        this.enqueue(slot, clock.now());
        this.pump();
      }
    });
    this.inFlight.add(flight);
  }

  /** Runs the probe; a probe that throws (a bug) gives an "error" result and an `error` event. */
  private async probe(check: Check, signal: AbortSignal, startedAt: number): Promise<ProbeResult> {
    try {
      return await this.run(check, signal);
    } catch (error) {
      this.options.events.emit("error", { source: `probe ${check.name}`, error });
      return { ok: false, reason: "error", message: `the probe failed: ${error instanceof Error ? error.message : String(error)}`, latencyMs: this.options.clock.now() - startedAt };
    }
  }
}
