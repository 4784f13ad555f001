import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "./db.js";
import { ResultWriter, type WriterTimer } from "./result-writer.js";
import type { CheckResult } from "./results.js";

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "understudy-writer-"));
  store = openStore(join(dir, "understudy.db"));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A timer the test fires by hand. */
function manualTimer(): WriterTimer & { fire(): void; armed(): number } {
  const pending = new Map<number, () => void>();
  let next = 0;
  return {
    set(callback) { pending.set(++next, callback); return next; },
    clear(handle) { pending.delete(handle as number); },
    fire() { const callbacks = [...pending.values()]; pending.clear(); for (const callback of callbacks) callback(); },
    armed: () => pending.size,
  };
}

const result = (i: number): CheckResult => ({ check: `c${i % 3}`, service: "s", host: "H1", agent: "a1", at: 1_000_000 + i, ok: i % 5 !== 0, latencyMs: i % 100 });
const stored = (): number => store.db.prepare("SELECT count(*) FROM results").pluck().get() as number;

describe("ResultWriter", () => {
  it("writes a batch when it is full, and the rest when the timer fires", () => {
    const timer = manualTimer();
    const writer = new ResultWriter(store, { maxRows: 10, maxDelayMs: 1_000, timer });
    for (let i = 0; i < 25; i++) writer.write(result(i));
    expect(stored()).toBe(20);
    expect(writer.pending).toBe(5);
    expect(timer.armed()).toBe(1);
    timer.fire();
    expect(stored()).toBe(25);
    expect(writer.stats).toMatchObject({ written: 25, batches: 3 });
    expect(timer.armed()).toBe(0);
  });

  it("loses nothing on close, and refuses writes after it", () => {
    const timer = manualTimer();
    const writer = new ResultWriter(store, { maxRows: 1_000, timer });
    for (let i = 0; i < 777; i++) writer.write(result(i));
    expect(stored()).toBe(0);
    writer.close();
    writer.close();
    expect(stored()).toBe(777);
    expect(timer.armed()).toBe(0);
    expect(() => writer.write(result(1))).toThrow("after close");
  });

  it("keeps the rows of a failed write and writes them on the next try", () => {
    const timer = manualTimer();
    const errors: unknown[] = [];
    const writer = new ResultWriter(store, { maxRows: 1_000, timer, onError: (error) => errors.push(error) });
    for (let i = 0; i < 3; i++) writer.write(result(i));
    const blocker = openStore(join(dir, "understudy.db"), { busyTimeoutMs: 0 });
    const other = blocker.db;
    other.exec("BEGIN IMMEDIATE");
    store.db.pragma("busy_timeout = 0");
    timer.fire();
    expect(errors).toHaveLength(1);
    expect(writer.pending).toBe(3);
    other.exec("COMMIT");
    blocker.close();
    timer.fire();
    expect(stored()).toBe(3);
  });
});
