// The gate in front of password hashing: at most `concurrency` at once, a bounded queue, refusal beyond.
import { describe, expect, it } from "vitest";
import { HashGate } from "./hash-gate.js";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe("hash gate", () => {
  it("runs one task at a time, queues a few, refuses the rest without running them, and frees slots on failure", async () => {
    const gate = new HashGate({ concurrency: 1, queue: 2 });
    const started: number[] = [];
    const blockers = [deferred(), deferred(), deferred()];
    const runs = [0, 1, 2].map((i) => gate.run(async () => {
      started.push(i);
      await blockers[i]!.promise;
      if (i === 0) throw new Error("scrypt failed");
      return i;
    }));
    expect(gate.run(async () => started.push(99))).toBeUndefined();
    await Promise.resolve();
    expect(started).toEqual([0]);
    expect(gate.load).toEqual({ running: 1, waiting: 2 });
    blockers[0]!.resolve();
    await expect(runs[0]).rejects.toThrow("scrypt failed");
    expect(started).toEqual([0, 1]);
    blockers[1]!.resolve();
    blockers[2]!.resolve();
    expect(await Promise.all(runs.slice(1))).toEqual([1, 2]);
    expect(gate.load).toEqual({ running: 0, waiting: 0 });
    expect(await gate.run(async () => "free again")).toBe("free again");
    expect(started).not.toContain(99);
  });
});
