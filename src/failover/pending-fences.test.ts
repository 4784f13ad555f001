// No two primaries: a fence that could not reach the old primary is retried (backoff, at once when the
// host is seen again) until done; people hear one notification, reminders while it is pending, and a
// resolution; only then may replication ship to it (catching-up).
import { describe, expect, test } from "vitest";
import { FakeClock } from "../engine/clock.js";
import { openStore } from "../store/db.js";
import { moveActiveHost } from "./active-host.js";
import { instanceState, mayReceive, writeInstanceState } from "./instance-states.js";
import { PendingFences, type PendingFenceAlert } from "./pending-fences.js";
import { fixtureConfig } from "./test-fixture.js";

function lab() {
  const { topology } = fixtureConfig("{ mode: automatic, fence: { command: [systemctl, stop, hs] } }");
  const clock = new FakeClock();
  const store = openStore(":memory:");
  moveActiveHost(store, "hs", { from: "vps", to: "spare", primary: "vps" }, clock.now());
  writeInstanceState(store, "hs", "vps", "pending-fence", clock.now(), "the fence of run #1 did not reach vps");
  const world = { reachable: false, fences: 0 };
  const alerts: PendingFenceAlert[] = [];
  const fences = new PendingFences({
    store, clock, topology: () => topology, activeHost: () => "spare", acting: () => true, log: () => {},
    alert: (alert) => alerts.push(alert),
    fence: async (_service, host) => {
      world.fences += 1;
      return world.reachable ? { status: "done", output: `${host} stopped` } : { status: "failed", reason: "unreachable", output: `${host} unreachable` };
    },
  }, 60_000);
  return { topology, clock, store, world, alerts, fences };
}

describe("pending fences", () => {
  test("retried with backoff while unreachable; alerted once, reminded, resolved; catching-up only once fenced", async () => {
    const { topology, clock, store, world, alerts, fences } = lab();
    const signal = new AbortController().signal;
    for (let i = 0; i < 20; i++) {
      await fences.tick(signal);
      await clock.advance(1_000);
    }
    // 20 s: attempts at 0, 1, 3, 7, 15 s (backoff 1, 2, 4, 8 s), not one per tick.
    expect(world.fences).toBe(5);
    expect(alerts.map((a) => a.event)).toEqual(["opened"]);
    expect(instanceState(store, topology, "hs", "vps")?.state).toBe("pending-fence");
    expect(mayReceive(store, topology, "hs", "vps")).toBe(false);
    await clock.advance(60_000);
    await fences.tick(signal);
    expect(alerts.map((a) => a.event)).toEqual(["opened", "reminder"]);

    // The host comes back: seen up, poked, fenced at the next tick without waiting out the backoff.
    world.reachable = true;
    fences.poke("hs", "vps");
    await fences.tick(signal);
    expect(alerts.map((a) => a.event)).toEqual(["opened", "reminder", "resolved"]);
    expect(instanceState(store, topology, "hs", "vps")?.state).toBe("catching-up");
    expect(mayReceive(store, topology, "hs", "vps")).toBe(true);
    const before = world.fences;
    await clock.advance(30_000);
    await fences.tick(signal);
    expect(world.fences).toBe(before);
    store.close();
  });

  test("a follower does not fence; a pending fence survives a restart (the state is in the store)", async () => {
    const { topology, clock, store, world } = lab();
    const follower = new PendingFences({ store, clock, topology: () => topology, activeHost: () => "spare", acting: () => false, log: () => {}, alert: () => {}, fence: async () => ((world.fences += 1), { status: "done", output: "x" }) });
    await follower.tick(new AbortController().signal);
    expect(world.fences).toBe(0);
    expect(instanceState(store, topology, "hs", "vps")?.state).toBe("pending-fence");
    store.close();
  });
});
