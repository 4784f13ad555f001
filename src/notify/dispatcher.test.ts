// The dispatcher with a fake clock and fake timers: retries and backoff, isolation between
// notifiers, dedupe, filters, reminders, and a stop that leaves nothing behind — without sleeping.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Dispatcher, notifiersFromConfig } from "./dispatcher.js";
import type { DeliveryFailure, DispatcherOptions, Timers } from "./dispatcher.js";
import { defineNotifier } from "./notifier.js";
import type { Notification, SendResult } from "./notifier.js";

/** Time that moves only when told; `advance` runs due timers in order and lets promises settle. */
class FakeTime implements Timers {
  now = 1_000_000;
  private next = 1;
  private readonly pending = new Map<number, { at: number; callback: () => void }>();

  setTimeout = (callback: () => void, ms: number): unknown => {
    const id = this.next++;
    this.pending.set(id, { at: this.now + ms, callback });
    return id;
  };
  clearTimeout = (handle: unknown): void => {
    this.pending.delete(handle as number);
  };
  get timers(): number {
    return this.pending.size;
  }
  async advance(ms: number): Promise<void> {
    const until = this.now + ms;
    for (;;) {
      await settle();
      const due = [...this.pending.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.now = due[1].at;
      due[1].callback();
    }
    this.now = until;
    await settle();
  }
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A notifier kind whose answers the test scripts; it records every notification it got. */
function scripted(kind: string, answers: (SendResult | "hang")[] = []) {
  const got: Notification[] = [];
  const notifier = defineNotifier({
    kind,
    schema: z.object({}),
    describe: () => `${kind} target`,
    send: (_spec, n, ctx) => {
      got.push(n);
      const answer = answers.shift() ?? { ok: true };
      if (answer !== "hang") return Promise.resolve(answer);
      return new Promise<SendResult>((resolve) => ctx.signal.addEventListener("abort", () => resolve({ ok: false, reason: "aborted", retryable: true })));
    },
  });
  return { notifier, got };
}

const fail = (retryAfterMs?: number): SendResult => ({ ok: false, reason: "HTTP 503: busy", retryable: true, ...(retryAfterMs ? { retryAfterMs } : {}) });
const note = (over: Partial<Notification> = {}): Notification => ({ key: "incident:1", event: "opened", severity: "high", title: "nfs down", body: "H002 unreachable", at: 0, fields: {}, ...over });

function setup(options: Partial<DispatcherOptions> & Pick<DispatcherOptions, "notifiers">) {
  const time = new FakeTime();
  const failures: DeliveryFailure[] = [];
  const dispatcher = new Dispatcher({
    clock: { now: () => time.now },
    timers: time,
    random: () => 1,
    retry: { attempts: 4, min_delay_ms: 1_000, max_delay_ms: 10_000, factor: 2 },
    onDeliveryFailed: (failure) => failures.push(failure),
    ...options,
  });
  return { time, dispatcher, failures };
}

describe("Dispatcher", () => {
  it("returns at once: nothing is sent before the caller's code has finished", async () => {
    const a = scripted("a");
    const { dispatcher, time } = setup({ notifiers: [{ kind: a.notifier, spec: {} }] });
    expect(dispatcher.dispatch(note())).toBe(true);
    expect(a.got).toHaveLength(0);
    await time.advance(0);
    expect(a.got).toHaveLength(1);
  });

  it("retries a notifier that fails twice, with exponential backoff, then succeeds", async () => {
    const a = scripted("a", [fail(), fail()]);
    const { dispatcher, time, failures } = setup({ notifiers: [{ kind: a.notifier, spec: {} }] });
    dispatcher.dispatch(note());
    await time.advance(0);
    expect(a.got).toHaveLength(1);
    await time.advance(999);
    expect(a.got).toHaveLength(1);
    await time.advance(1);
    expect(a.got).toHaveLength(2);
    await time.advance(1_999);
    expect(a.got).toHaveLength(2);
    await time.advance(1);
    expect(a.got).toHaveLength(3);
    expect(dispatcher.counters().notifiers["a#1"]).toEqual({ sent: 1, failed: 0, retried: 2, dropped: 0 });
    expect(dispatcher.status()[0]).toMatchObject({ name: "a#1", target: "a target", last_success_at: time.now, consecutive_failures: 0, queued: 0 });
    expect(failures).toEqual([]);
  });

  it("waits at least what the provider's Retry-After asks", async () => {
    const a = scripted("a", [fail(30_000)]);
    const { dispatcher, time } = setup({ notifiers: [{ kind: a.notifier, spec: {} }] });
    dispatcher.dispatch(note());
    await time.advance(29_999);
    expect(a.got).toHaveLength(1);
    await time.advance(1);
    expect(a.got).toHaveLength(2);
  });

  it("does not let a permanently failing notifier hold up the others, and reports giving up", async () => {
    const broken = scripted("broken", Array.from({ length: 20 }, () => fail()));
    const fine = scripted("fine");
    const { dispatcher, time, failures } = setup({ notifiers: [{ kind: broken.notifier, spec: {} }, { kind: fine.notifier, spec: {} }] });
    for (const key of ["i:1", "i:2", "i:3"]) dispatcher.dispatch(note({ key }));
    await time.advance(0);
    expect(fine.got.map((n) => n.key)).toEqual(["i:1", "i:2", "i:3"]);
    await time.advance(1_000 + 2_000 + 4_000);
    expect(failures).toEqual([expect.objectContaining({ notifier: "broken#1", attempts: 4, outcome: "gave-up", reason: "HTTP 503: busy" })]);
    await time.advance(60_000);
    expect(dispatcher.counters().notifiers["broken#1"]).toMatchObject({ failed: 3, sent: 0 });
    expect(dispatcher.status()[0]).toMatchObject({ last_error: "HTTP 503: busy", consecutive_failures: 3 });
  });

  it("gives up at once on a failure retrying cannot fix", async () => {
    const a = scripted("a", [{ ok: false, reason: "HTTP 400: invalid_payload", retryable: false }]);
    const { dispatcher, time, failures } = setup({ notifiers: [{ kind: a.notifier, spec: {} }] });
    dispatcher.dispatch(note());
    await time.advance(60_000);
    expect(a.got).toHaveLength(1);
    expect(failures[0]).toMatchObject({ attempts: 1, outcome: "gave-up" });
  });

  it("sends the same key and event once within the dedupe window", async () => {
    const a = scripted("a");
    const { dispatcher, time } = setup({ notifiers: [{ kind: a.notifier, spec: {} }], dedupe_window_ms: 60_000 });
    expect(dispatcher.dispatch(note())).toBe(true);
    expect(dispatcher.dispatch(note())).toBe(false);
    expect(dispatcher.dispatch(note({ event: "updated" }))).toBe(true);
    await time.advance(60_000);
    expect(dispatcher.dispatch(note())).toBe(true);
    await time.advance(0);
    expect(a.got.map((n) => n.event)).toEqual(["opened", "updated", "opened"]);
    expect(dispatcher.counters().deduped).toBe(1);
  });

  it("filters by minimum severity and by event per notifier", async () => {
    const pager = scripted("pager");
    const chat = scripted("chat");
    const { dispatcher, time } = setup({
      notifiers: [
        { kind: pager.notifier, spec: {}, min_severity: "critical", events: ["opened", "resolved"] },
        { kind: chat.notifier, spec: {} },
      ],
    });
    dispatcher.dispatch(note({ key: "a", severity: "high" }));
    dispatcher.dispatch(note({ key: "b", severity: "critical" }));
    dispatcher.dispatch(note({ key: "b", severity: "critical", event: "updated" }));
    await time.advance(0);
    expect(pager.got.map((n) => `${n.key}:${n.event}`)).toEqual(["b:opened"]);
    expect(chat.got).toHaveLength(3);
  });

  it("reminds while an incident stays open, then sends the recovery and stops reminding", async () => {
    const a = scripted("a");
    const { dispatcher, time } = setup({ notifiers: [{ kind: a.notifier, spec: {} }], remind_every_ms: 3_600_000 });
    dispatcher.openIncident(note({ at: time.now }));
    await time.advance(2 * 3_600_000);
    expect(a.got.map((n) => n.event)).toEqual(["opened", "reminder", "reminder"]);
    expect(a.got[2]).toMatchObject({ title: "Still open: nfs down", fields: { reminder: 2, open_for_ms: 7_200_000 } });
    expect(dispatcher.closeIncident("incident:1")).toBe(true);
    await time.advance(5 * 3_600_000);
    expect(a.got.map((n) => n.event)).toEqual(["opened", "reminder", "reminder", "resolved"]);
    expect(a.got[3]).toMatchObject({ title: "Resolved: nfs down", body: "nfs down is resolved after 2h." });
    expect(time.timers).toBe(0);
    expect(dispatcher.closeIncident("incident:1")).toBe(false);
  });

  it("stop() cancels backoff waits, in-flight sends and reminders, and leaves no timer", async () => {
    const retrying = scripted("retrying", [fail(), fail()]);
    const hanging = scripted("hanging", ["hang"]);
    const { dispatcher, time, failures } = setup({ notifiers: [{ kind: retrying.notifier, spec: {} }, { kind: hanging.notifier, spec: {} }], remind_every_ms: 60_000 });
    dispatcher.openIncident(note());
    dispatcher.dispatch(note({ key: "other" }));
    await time.advance(0);
    expect(time.timers).toBeGreaterThan(0);
    await dispatcher.stop();
    expect(time.timers).toBe(0);
    expect(dispatcher.dispatch(note({ key: "late" }))).toBe(false);
    expect(failures.filter((f) => f.outcome === "dropped").length).toBeGreaterThanOrEqual(3);
    await time.advance(600_000);
    expect(retrying.got).toHaveLength(1);
  });

  it("stop({ drain }) lets queued messages go out first", async () => {
    const a = scripted("a", [fail()]);
    const { dispatcher, time } = setup({ notifiers: [{ kind: a.notifier, spec: {} }] });
    dispatcher.dispatch(note({ key: "x" }));
    dispatcher.dispatch(note({ key: "y" }));
    const stopped = dispatcher.stop({ drain: true, timeout_ms: 30_000 });
    await time.advance(1_000);
    await stopped;
    expect(a.got.map((n) => n.key)).toEqual(["x", "x", "y"]);
    expect(dispatcher.counters().notifiers["a#1"]).toMatchObject({ sent: 2, dropped: 0 });
    expect(time.timers).toBe(0);
  });

  it("times out a send that hangs and retries it", async () => {
    const a = scripted("a", ["hang"]);
    const { dispatcher, time } = setup({ notifiers: [{ kind: a.notifier, spec: {} }], timeout_ms: 5_000 });
    dispatcher.dispatch(note());
    await time.advance(5_000 + 1_000);
    expect(a.got).toHaveLength(2);
    expect(dispatcher.counters().notifiers["a#1"]).toMatchObject({ sent: 1, retried: 1 });
  });

  it("bounds each queue, dropping the oldest waiting message", async () => {
    const a = scripted("a", ["hang"]);
    const { dispatcher, time, failures } = setup({ notifiers: [{ kind: a.notifier, spec: {} }], max_queue: 2 });
    for (const key of ["1", "2", "3"]) dispatcher.dispatch(note({ key }));
    await time.advance(0);
    expect(failures).toEqual([expect.objectContaining({ outcome: "dropped", reason: "queue full", notification: expect.objectContaining({ key: "2" }) as unknown })]);
    await dispatcher.stop();
  });

  it("survives a listener that throws", async () => {
    const a = scripted("a", [{ ok: false, reason: "HTTP 401", retryable: false }]);
    const b = scripted("b");
    const { dispatcher, time } = setup({ notifiers: [{ kind: a.notifier, spec: {} }, { kind: b.notifier, spec: {} }], onDeliveryFailed: () => { throw new Error("listener bug"); } });
    dispatcher.dispatch(note());
    dispatcher.dispatch(note({ key: "2" }));
    await time.advance(0);
    expect(a.got).toHaveLength(2);
    expect(b.got).toHaveLength(2);
  });

  it("builds notifiers from config items and refuses duplicate names", () => {
    const a = scripted("a");
    const items = [{ min_severity: "high", a: { x: 1 } }, { b: {} }];
    expect(notifiersFromConfig(items, [a.notifier])).toEqual([{ name: "a#1", kind: a.notifier, spec: { x: 1 }, min_severity: "high" }]);
    expect(() => new Dispatcher({ notifiers: [{ name: "n", kind: a.notifier, spec: {} }, { name: "n", kind: a.notifier, spec: {} }] })).toThrow(/unique/);
  });
});
