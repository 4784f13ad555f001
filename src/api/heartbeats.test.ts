// Heartbeat bars and the response-time line, read through the API as the dashboard reads them: a real
// failover (the failover library with fake steps, on a fake clock) moves hs from vps to spare; the
// service's beats then count the standby's checks (up) while vps's own check bar keeps its failures with
// their reasons; and the latency line comes at the resolution that fits the window.
import { afterEach, describe, expect, it } from "vitest";
import { harness } from "../failover/test-fixture.js";
import { insertResults, type CheckResult } from "../store/results.js";
import { fixtureApp, TOKENS, type Fixture } from "./app-fixture.js";

const VIEWER = { headers: { authorization: `Bearer ${TOKENS.viewer}` } };
const EVERY = 30_000;

let fixture: Fixture | undefined;
let close: (() => void) | undefined;
afterEach(() => {
  fixture?.built.close();
  close?.();
  fixture = undefined;
  close = undefined;
});

interface Beat { at: string; state?: string; ok?: boolean; latency_ms: number | null; reason: string | null }
interface Heartbeats { services: Array<{ name: string; slot_s: number | null; beats: Beat[]; checks: Array<{ name: string; host: string | null; beats: Beat[] }> }> }

async function failedOver() {
  const h = harness("{ mode: automatic, fence: { command: [systemctl, stop, hs] }, promote: { command: [systemctl, start, hs] }, min_interval: 1s, max_per_hour: 10 }");
  close = () => h.store.close();
  const failovers = h.failovers();
  const topology = failovers["deps"].topology();
  const [vpsCheck, spareCheck] = topology.services.get("hs")!.checks;
  const result = (check: typeof vpsCheck, at: number, ok: boolean): CheckResult => ({ check: check!.name, service: "hs", host: check!.host, agent: "test", at, ok, latencyMs: ok ? 12 : 0, ...(ok ? {} : { reason: "refused", message: "connection refused" }) });
  const t0 = h.clock.now();
  // 20 good checks of both, then vps refuses from t0 on; hs fails over 5 s later.
  insertResults(h.store, Array.from({ length: 20 }, (_, i) => [result(vpsCheck, t0 - (20 - i) * EVERY, true), result(spareCheck, t0 - (20 - i) * EVERY + 1, true)]).flat());
  insertResults(h.store, [result(vpsCheck, t0, false)]);
  await h.clock.advance(5_000);
  const planned = failovers.plan({ service: "hs", kind: "failover", force: false, reason: "hs down on vps" });
  if (!planned.ok) throw new Error(planned.message);
  expect((await failovers.run(planned.plan)).status).toBe("done");
  insertResults(h.store, Array.from({ length: 10 }, (_, i) => [result(vpsCheck, t0 + (i + 1) * EVERY, false), result(spareCheck, t0 + (i + 1) * EVERY + 1, true)]).flat());
  await h.clock.advance(t0 + 10 * EVERY + 2_000 - h.clock.now());
  fixture = await fixtureApp({ store: h.store, clock: h.clock, topology: () => topology, health: () => "degraded" });
  return { t0, app: fixture.app };
}

describe("GET /api/heartbeats", () => {
  it("gives each check its last results and the service beats of the host that served (against a real failover)", async () => {
    const { t0, app } = await failedOver();
    const response = await app.request("/api/heartbeats?limit=20", VIEWER);
    expect(response.status).toBe(200);
    const hs = ((await response.json()) as Heartbeats).services.find((service) => service.name === "hs")!;
    expect(hs.slot_s).toBe(EVERY / 1000);
    expect(hs.beats).toHaveLength(20);
    // Oldest first, evenly spaced, the newest at now.
    expect(Date.parse(hs.beats[19]!.at) - Date.parse(hs.beats[0]!.at)).toBe(19 * EVERY);
    // Before t0 both were up; the beat holding vps's refusal (before the switch) is down; once spare
    // served, the beats are up although vps still refuses.
    const at = (beat: Beat) => Date.parse(beat.at);
    expect(hs.beats.filter((beat) => at(beat) < t0).map((beat) => beat.state)).toEqual(hs.beats.filter((beat) => at(beat) < t0).map(() => "up"));
    const failed = hs.beats.find((beat) => beat.state === "down")!;
    expect(at(failed)).toBeGreaterThanOrEqual(t0);
    expect(failed.reason).toContain("on vps: refused: connection refused");
    expect(hs.beats.slice(-10).every((beat) => beat.state === "up" && beat.latency_ms === 12)).toBe(true);

    const vps = hs.checks.find((check) => check.host === "vps")!;
    expect(vps.beats).toHaveLength(20);
    expect(vps.beats.slice(-11).map((beat) => beat.ok)).toEqual(Array(11).fill(false));
    expect(vps.beats.at(-1)).toMatchObject({ ok: false, latency_ms: 0, reason: "refused: connection refused" });
    expect(vps.beats[0]).toMatchObject({ ok: true, latency_ms: 12, reason: null });
    expect(hs.checks.find((check) => check.host === "spare")!.beats.every((beat) => beat.ok)).toBe(true);
  });

  it("answers one service, refuses an unknown one and a limit out of range with a sentence", async () => {
    const { app } = await failedOver();
    const one = (await (await app.request("/api/heartbeats?service=hs&limit=5", VIEWER)).json()) as Heartbeats;
    expect(one.services.map((service) => [service.name, service.beats.length])).toEqual([["hs", 5]]);
    const unknown = await app.request("/api/heartbeats?service=nope", VIEWER);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'no service named "nope"' });
    expect((await app.request("/api/heartbeats?limit=1000", VIEWER)).status).toBe(400);
  });
});

describe("GET /api/services/:name/uptime points", () => {
  it("draws every result for an hour, one point a minute for a day and one an hour for a week", async () => {
    const { app } = await failedOver();
    const read = async (window: string) => (await (await app.request(`/api/services/hs/uptime?window=${window}`, VIEWER)).json()) as { resolution: string; points: Array<{ t: string; ms: number }> };
    const hour = await read("1h");
    expect(hour.resolution).toBe("raw");
    // Every successful result in the last hour (failures have no latency): 20 + 10 of spare, 20 of vps before t0, in the hour.
    expect(hour.points.length).toBeGreaterThan(30);
    expect(hour.points.every((point) => point.ms === 12)).toBe(true);
    const day = await read("24h");
    expect(day.resolution).toBe("minute");
    expect(day.points.every((point) => Date.parse(point.t) % 60_000 === 0)).toBe(true);
    // 15 minutes of checks every 30 s: about one point a minute, not one an hour.
    expect(day.points.length).toBeGreaterThanOrEqual(14);
    const week = await read("7d");
    expect(week.resolution).toBe("hour");
    expect(week.points.length).toBeLessThanOrEqual(2);
  });
});
