// The agent's failover controller on a warm standby (issue 14): the natural config (a check on the
// standby, whose service is stopped until promoted) fails over automatically; a fence that could not
// reach the old primary is retried by the agent until done and alerted; a failover asked from the API
// is logged like an automatic one (issue 15 #10). Fake clock, fake verdicts, local commands as actions.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, test } from "vitest";
import { FakeClock } from "../engine/clock.js";
import { createAgentEvents } from "../engine/events.js";
import type { HealthState, InstanceChange, VerdictSource } from "../engine/verdict.js";
import { readActiveHost } from "../failover/active-host.js";
import { instanceState } from "../failover/instance-states.js";
import { fixtureConfig } from "../failover/test-fixture.js";
import type { Dispatcher } from "../notify/dispatcher.js";
import type { Notification } from "../notify/notifier.js";
import { openStore } from "../store/db.js";
import type { FinalSync } from "../failover/final-sync.js";
import { startFailoverController, TICK_MS } from "./failover-controller.js";
import { createLogger } from "./log.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function lab(fence: string, extra = "", more: { shipped?: () => number | undefined; finalSync?: FinalSync } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "understudy-controller-"));
  dirs.push(dir);
  const { config, topology } = fixtureConfig(`{ mode: automatic, ${fence === "" ? "" : `fence: { command: ${fence} }, `}promote: { command: ["true"] }, min_interval: 1s${extra} }`);
  const clock = new FakeClock();
  const store = openStore(":memory:");
  const events = createAgentEvents();
  const states = new Map<string, HealthState>([["vps", "up"], ["spare", "down"]]);
  const verdicts: VerdictSource = { instanceState: (_s, host) => states.get(host) ?? "unknown", onChange: () => () => {} };
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ destination: new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk)) as Record<string, unknown>); done(); } }) });
  const sent: Notification[] = [];
  const dispatcher = { dispatch: (n: Notification) => (sent.push(n), true) } as unknown as Dispatcher;
  const controller = startFailoverController({
    store, clock, log, dataDir: dir, events, topology: () => topology, config: () => config, dispatcher: () => dispatcher,
    verdicts: () => verdicts, refreshHealth: () => {}, probe: async () => ({ ok: true, message: "ok", latencyMs: 1 }), secret: async () => "",
    // The standby's replica is a second old; nothing was ever shipped to the old primary.
    replicas: { ageMs: async (_s, host, now) => (host === "spare" ? 1_000 : more.shipped?.() === undefined ? undefined : now - more.shipped()!) },
    ...(more.finalSync ? { finalSync: more.finalSync } : {}),
  });
  const change = (host: string, from: HealthState, to: HealthState) => {
    states.set(host, to);
    events.emit("instance.changed", { service: "hs", host, from, to, at: clock.now(), reason: "test" } satisfies InstanceChange);
  };
  const settle = async (ms: number) => {
    // Real commands run as actions: give them real time between the fake clock's steps.
    for (let i = 0; i < ms / 100; i++) {
      await clock.advance(100);
      await sleep(5);
    }
  };
  return { dir, clock, store, topology, controller, change, lines, sent, settle, states };
}

describe("the failover controller and a warm standby", () => {
  test("the natural config fails over automatically: the standby's failing checks are its warm state, not 'standby down'", async () => {
    const { controller, change, store, settle, topology, lines } = lab(`["true"]`);
    expect(controller.stoppedByDesign("hs", "spare")).toBe(true);
    change("vps", "up", "down");
    await settle(5_000);
    expect(lines.filter((l) => l.event === "failover.held")).toEqual([]);
    expect(readActiveHost(store, "hs")).toBe("spare");
    expect(instanceState(store, topology, "hs", "vps")?.state).toBe("catching-up");
    await controller.stop();
  });

  test("a fence that cannot reach the old primary is pending: alerted once, retried until done when it comes back, then catching-up", async () => {
    const dir = mkdtempSync(join(tmpdir(), "understudy-fence-"));
    dirs.push(dir);
    const reachable = join(dir, "reachable");
    const { controller, change, store, settle, topology, sent } = lab(JSON.stringify(["test", "-e", reachable]));
    change("vps", "up", "down");
    await settle(5_000);
    expect(readActiveHost(store, "hs")).toBe("spare");
    expect(instanceState(store, topology, "hs", "vps")?.state).toBe("pending-fence");
    await settle(10 * TICK_MS);
    expect(sent.filter((n) => n.key.startsWith("pending-fence:")).map((n) => n.event)).toEqual(["opened"]);
    expect(instanceState(store, topology, "hs", "vps")?.state).toBe("pending-fence");
    // vps comes back: seen up, fenced at once, then it may receive the standby's data.
    writeFileSync(reachable, "");
    change("vps", "down", "up");
    await settle(2_000);
    expect(instanceState(store, topology, "hs", "vps")?.state).toBe("catching-up");
    expect(sent.filter((n) => n.key.startsWith("pending-fence:")).map((n) => n.event)).toEqual(["opened", "resolved"]);
    await controller.stop();
  });

  test("a failover asked from the API is logged: its start, and its end", async () => {
    const { controller, settle, lines, states } = lab(`["true"]`);
    states.set("vps", "up");
    const started = await controller.api.start("hs", "spare", "alice") as { started?: boolean };
    expect(started.started).toBe(true);
    await settle(5_000);
    expect(lines.filter((l) => l.event === "failover.start" && l.by === "alice")).toHaveLength(1);
    // A switchover without a final sync wired refuses rather than lose writes: the end is logged as an error.
    expect(lines.filter((l) => l.event === "failover.end" && l.by === "alice").map((l) => [l.level, l.status])).toEqual([[50, "rolled-back"]]);
    await controller.stop();
  });

  test("automatic failback (failback.after) of a primary stopped by design: nothing fenced before it caught up; then fence, final sync, promote", async () => {
    let shipped: number | undefined;
    const syncs: string[] = [];
    const finalSync: FinalSync = { ship: async (_service, from, to) => (syncs.push(`${from}→${to}`), { status: "done", output: "shipped" }) };
    const { clock, controller, change, store, settle, topology, lines, states } = lab(`["true"]`, ", failback: { after: 5s }", { shipped: () => shipped, finalSync });
    change("vps", "up", "down");
    await settle(3_000);
    expect(readActiveHost(store, "hs")).toBe("spare");
    states.set("spare", "up");
    // vps is fenced (stopped, its checks fail by design) and has received nothing yet: no failback, no fence of spare.
    await settle(20_000);
    expect(readActiveHost(store, "hs")).toBe("spare");
    expect(lines.filter((l) => l.event === "failover.start")).toHaveLength(1);
    // Replication ships spare's data to vps (after its fence): vps turns warm, and failback.after later it takes the service back.
    shipped = clock.now();
    await settle(2_000);
    expect(instanceState(store, topology, "hs", "vps")?.state).toBe("warm");
    await settle(6_000);
    expect(syncs).toEqual(["spare→vps"]);
    expect(readActiveHost(store, "hs")).toBe("vps");
    // spare was fenced by the failback (the fake replica check reports it fed at once, so it may read warm already).
    expect(["catching-up", "warm"]).toContain(instanceState(store, topology, "hs", "spare")?.state);
    await controller.stop();
  });

  test("an old primary that comes back serving by itself after its fence (a reboot with its unit enabled) is fenced again", async () => {
    const dir = mkdtempSync(join(tmpdir(), "understudy-rogue-"));
    dirs.push(dir);
    const fences = join(dir, "fences");
    const { controller, change, store, settle, topology, lines } = lab(JSON.stringify(["sh", "-c", `echo x >> ${fences}`]));
    change("vps", "up", "down");
    await settle(5_000);
    expect(readActiveHost(store, "hs")).toBe("spare");
    expect(instanceState(store, topology, "hs", "vps")?.state).toBe("catching-up");
    const fencedOnce = readFileSync(fences, "utf8").split("\n").filter(Boolean).length;
    // vps answers its checks again while spare serves: two primaries, until the agent fences it.
    change("vps", "down", "up");
    await settle(3_000);
    expect(lines.filter((l) => l.event === "failover.rogue").map((l) => l.host)).toEqual(["vps"]);
    expect(readFileSync(fences, "utf8").split("\n").filter(Boolean).length).toBe(fencedOnce + 1);
    expect(instanceState(store, topology, "hs", "vps")?.state).toBe("catching-up");
    expect(readActiveHost(store, "hs")).toBe("spare");
    await controller.stop();
  });

  test("with no fence configured, an old primary serving again is said, not left pending forever: the service can still move back to it", async () => {
    let shipped: number | undefined;
    const { clock, controller, change, store, settle, topology, lines } = lab("", "", { shipped: () => shipped });
    change("vps", "up", "down");
    await settle(5_000);
    expect(readActiveHost(store, "hs")).toBe("spare");
    change("spare", "down", "up");
    change("vps", "down", "up");
    await settle(3_000);
    const rogue = lines.filter((l) => l.event === "failover.rogue");
    expect(rogue.map((l) => l.host)).toEqual(["vps"]);
    expect(String(rogue[0]!.msg)).toMatch(/no fence is configured/);
    expect(instanceState(store, topology, "hs", "vps")?.state).not.toBe("pending-fence");
    // The standby dies in turn (vps has had its data): the service goes back to vps, nothing bars the move.
    shipped = clock.now();
    change("spare", "up", "down");
    await settle(5_000);
    expect(readActiveHost(store, "hs")).toBe("vps");
    expect(lines.filter((l) => l.event === "failover.fence.pending")).toEqual([]);
    await controller.stop();
  });

  test("a move run by another process (the CLI) holds the agent's own failover: its fence is not a failure to act on", async () => {
    const { controller, change, store, settle, lines, clock } = lab(`["true"]`);
    await controller.resumed;
    // The CLI's switchover vps → spare, journaled in the same store, has fenced vps and is shipping its data.
    const planned = controller.failovers.plan({ service: "hs", kind: "failover", to: "spare", force: true, reason: "asked on the command line" });
    if (!planned.ok) throw new Error(planned.message);
    const runId = controller.failovers.journal.begin(planned.plan, 1, clock.now());
    controller.failovers.journal.stepFinished(controller.failovers.journal.stepStarted(runId, "fence", 1, clock.now()), { status: "done", output: "stopped" }, clock.now());
    change("vps", "up", "down");
    await settle(5_000);
    expect(readActiveHost(store, "hs") ?? "vps").toBe("vps");
    expect(lines.filter((l) => l.event === "failover.start")).toEqual([]);
    expect(lines.filter((l) => l.event === "failover.held").map((l) => l.run)).toEqual([runId]);
    await controller.stop();
  });
});
