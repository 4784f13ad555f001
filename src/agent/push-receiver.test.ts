import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/load.js";
import { readSecret } from "../config/secret.js";
import { buildTopology, type Topology } from "../model/topology.js";
import { openStore } from "../store/db.js";
import { PushReceiver } from "./push-receiver.js";

function topology(): Topology {
  const loaded = parseConfig(`version: 1
hosts: { nas: { address: 10.0.0.2 } }
services:
  backup: { runs_on: [nas], checks: [{ push: { token: nightly, period: 1d } }] }
  offsite: { runs_on: [nas], checks: [{ push: { token: nightly, period: 1d } }, { push: { token: env:SCRUB, period: 7d } }] }
  other: { runs_on: [nas], checks: [{ push: { token: env:MISSING, period: 1d } }] }
`, "test.yaml");
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join("\n"));
  return buildTopology(loaded.config);
}

const secret = (ref: string) => readSecret(ref, { SCRUB: "s3cret-scrub" });

describe("PushReceiver", () => {
  it("takes the config's tokens, refuses others, and runs every check of a token that calls in", async () => {
    const ran: string[][] = [];
    const receiver = new PushReceiver({ onBeat: (checks) => void ran.push([...checks]) });
    const problems = await receiver.useTopology(topology(), secret, 1_000);
    expect(problems).toEqual([{ check: "other/push", error: expect.stringContaining("MISSING") }]);
    expect(receiver.knownSince("nightly")).toBe(1_000);
    expect(receiver.knownSince("s3cret-scrub")).toBe(1_000);
    expect(receiver.beat("env:SCRUB", 2_000)).toBe(false);
    expect(receiver.beat("guess", 2_000)).toBe(false);
    expect(ran).toEqual([]);
    expect(receiver.beat("nightly", 2_000)).toBe(true);
    expect(ran).toEqual([["backup/push", "offsite/push"]]);
    expect(receiver.lastSeen("nightly")).toBe(2_000);
    expect(receiver.beat("nightly", 1_500)).toBe(true);
    expect(receiver.lastSeen("nightly")).toBe(2_000);
  });

  it("a new receiver on the same store remembers the beats and the first-known times; a reload keeps them", async () => {
    const store = openStore(":memory:");
    try {
      const first = new PushReceiver({ store });
      await first.useTopology(topology(), secret, 1_000);
      first.beat("nightly", 5_000);
      const second = new PushReceiver({ store });
      await second.useTopology(topology(), secret, 9_000);
      expect(second.lastSeen("nightly")).toBe(5_000);
      expect(second.knownSince("nightly")).toBe(1_000);
      expect(second.knownSince("s3cret-scrub")).toBe(1_000);
      expect(second.lastSeen("s3cret-scrub")).toBeUndefined();
      await second.useTopology(topology(), secret, 20_000);
      expect(second.knownSince("nightly")).toBe(1_000);
    } finally {
      store.close();
    }
  });

  it("writes at most one beat a second per token to the store: a flood of calls is not a flood of writes", async () => {
    const store = openStore(":memory:");
    try {
      const receiver = new PushReceiver({ store });
      await receiver.useTopology(topology(), secret, 0);
      const writes = () => store.db.prepare("SELECT total_changes()").pluck().get() as number;
      const before = writes();
      for (let at = 10_000; at < 12_000; at += 10) expect(receiver.beat("nightly", at)).toBe(true);
      expect(writes() - before).toBe(2);
      expect(receiver.lastSeen("nightly")).toBe(11_990);
      const again = new PushReceiver({ store });
      await again.useTopology(topology(), secret, 20_000);
      expect(again.lastSeen("nightly")).toBe(11_000);
    } finally {
      store.close();
    }
  });

  it("counts a beat the store could not write, and says so", async () => {
    const store = openStore(":memory:");
    const errors: unknown[] = [];
    const receiver = new PushReceiver({ store, onError: (error) => void errors.push(error), onBeat: () => { throw new Error("a scheduler bug"); } });
    await receiver.useTopology(topology(), secret, 1_000);
    store.close();
    expect(receiver.beat("nightly", 2_000)).toBe(true);
    expect(receiver.lastSeen("nightly")).toBe(2_000);
    expect(errors.map((error) => (error as Error).message)).toEqual([expect.stringContaining("not open"), "a scheduler bug"]);
  });

  it("keeps a failure with its body and a running start across a new receiver on the same store, and never skips the write of a change", async () => {
    const store = openStore(":memory:");
    try {
      const first = new PushReceiver({ store });
      await first.useTopology(topology(), secret, 0);
      expect(first.signal("nightly", { kind: "ok", at: 10_000, body: "" })).toBe(true);
      // 100 ms later, but a change of outcome: written at once, not a second later.
      expect(first.signal("nightly", { kind: "fail", at: 10_100, body: "pg_dump: connection refused" })).toBe(true);
      expect(first.signal("nightly", { kind: "start", at: 10_200, body: "" })).toBe(true);
      expect(first.signal("guess", { kind: "fail", at: 10_300, body: "x" })).toBe(false);
      const second = new PushReceiver({ store });
      await second.useTopology(topology(), secret, 20_000);
      expect(second.lastPing("nightly")).toEqual({ lastSeenAt: 10_100, lastKind: "fail", lastBody: "pg_dump: connection refused", startedAt: 10_200 });
      second.signal("nightly", { kind: "ok", at: 25_000, body: "done" });
      const third = new PushReceiver({ store });
      await third.useTopology(topology(), secret, 30_000);
      expect(third.lastPing("nightly")).toEqual({ lastSeenAt: 25_000, lastKind: "ok", lastBody: "done", lastDurationMs: 14_800 });
    } finally {
      store.close();
    }
  });
});
