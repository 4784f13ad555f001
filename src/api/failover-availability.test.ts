// Availability after a failover is what users got: a real failover (the failover library with fake
// steps, on a fake clock) moves hs from vps to spare 5 s after vps's first failed check; the standby then
// serves for an hour while vps stays dead. Read through the API over the same store: the hour's uptime,
// the public status page's outage, and the incident (vps's instance down) that stays open meanwhile.
import { afterEach, describe, expect, it } from "vitest";
import { openIncident } from "../store/incidents.js";
import { seriesId } from "../store/series.js";
import { harness } from "../failover/test-fixture.js";
import { fixtureApp, TOKENS, type Fixture } from "./app-fixture.js";

// The harness's service, made public for the status page (its YAML takes the failover block inline).
const FAILOVER = "{ mode: automatic, fence: { command: [systemctl, stop, hs] }, promote: { command: [systemctl, start, hs] }, min_interval: 1s, max_per_hour: 10 }\n    public: true";
const CHECK_EVERY = 10_000;
const HOUR = 3_600_000;
const VIEWER = { headers: { authorization: `Bearer ${TOKENS.viewer}` } };

let fixture: Fixture | undefined;
let close: (() => void) | undefined;
afterEach(() => {
  fixture?.built.close();
  close?.();
  fixture = undefined;
  close = undefined;
});

/** vps dies at t0 (its checks fail from then on), hs fails over 5 s later, spare serves for an hour. */
async function failedOverHour() {
  const h = harness(FAILOVER);
  close = () => h.store.close();
  const failovers = h.failovers();
  const topology = failovers["deps"].topology();
  const insert = h.store.db.prepare("INSERT INTO results (check_id, at, ok, latency_us) VALUES (?, ?, ?, ?)");
  const primary = seriesId(h.store, { check: "hs/vps", service: "hs", host: "vps", agent: "test" });
  const standby = seriesId(h.store, { check: "hs/spare", service: "hs", host: "spare", agent: "test" });
  // Align t0 on a check so the hour holds exactly 360 of them; an hour of good checks before it.
  await h.clock.advance(CHECK_EVERY - (h.clock.now() % CHECK_EVERY));
  const t0 = h.clock.now();
  for (let at = t0 - HOUR; at < t0; at += CHECK_EVERY) insert.run(primary, at, 1, 20_000);
  insert.run(primary, t0, 0, 0);
  const incident = openIncident(h.store, { root: { kind: "service", name: "hs" }, title: "hs down on vps", severity: "normal", at: t0 + 3_000 });
  await h.clock.advance(5_000);
  const planned = failovers.plan({ service: "hs", kind: "failover", force: false, reason: "hs down on vps" });
  if (!planned.ok) throw new Error(planned.message);
  expect((await failovers.run(planned.plan)).status).toBe("done");
  const switched = h.store.db.prepare("SELECT finished_at FROM failover_steps WHERE step = 'switch' AND status = 'done'").pluck().get() as number;
  // From here the standby serves; vps stays down and its checks keep failing.
  for (let at = t0 + CHECK_EVERY; at < t0 + HOUR; at += CHECK_EVERY) {
    insert.run(primary, at, 0, 0);
    insert.run(standby, at, 1, 25_000);
  }
  await h.clock.advance(t0 + HOUR - h.clock.now());
  fixture = await fixtureApp({ store: h.store, clock: h.clock, topology: () => topology, health: () => "degraded" });
  return { t0, switched, incident, app: fixture.app };
}

describe("availability after a failover", () => {
  it("counts the hour a verified standby served as up: only the failed check before the switch is down", async () => {
    const { t0, app } = await failedOverHour();
    const body = await (await app.request("/api/services/hs/uptime?window=24h", VIEWER)).json() as { uptime: number; series: Array<{ t: string; uptime: number | null }> };
    // 360 good checks of vps before t0, then vps's one failed check at t0, then 359 of spare's: 719 of 720.
    expect(body.uptime).toBeGreaterThan(0.99);
    expect(body.uptime).toBeCloseTo(719 / 720, 6);
    const after = body.series.filter((point) => Date.parse(point.t) >= t0 - HOUR && point.uptime !== null);
    for (const point of after) expect(point.uptime).toBeGreaterThan(0.99);
  });

  it("ends the public outage when the standby served (about 5 s), while the instance's incident stays open", async () => {
    const { t0, switched, incident, app } = await failedOverHour();
    expect(switched - t0).toBeGreaterThanOrEqual(5_000);
    expect(switched - t0).toBeLessThan(6_000);
    const status = await (await app.request("/api/public/status")).json() as { incidents: Array<{ title: string; opened_at: string; resolved_at: string | null }> };
    expect(status.incidents).toEqual([{ title: "hs was unavailable", opened_at: new Date(t0).toISOString(), resolved_at: expect.any(String) }]);
    const outage = Date.parse(status.incidents[0]!.resolved_at!) - Date.parse(status.incidents[0]!.opened_at);
    expect(outage).toBeGreaterThanOrEqual(5_000);
    expect(outage).toBeLessThan(6_000);
    // The root incident (hs's instance on vps down) keeps its own life: open, an hour long so far.
    const incidents = await (await app.request("/api/incidents", VIEWER)).json() as { incidents: Array<{ id: number; resolved_at: string | null; duration_s: number }> };
    expect(incidents.incidents).toEqual([expect.objectContaining({ id: incident.id, resolved_at: null })]);
    expect(incidents.incidents[0]!.duration_s).toBeGreaterThan(3_500);
  });
});
