// The read views as the dashboard pages use them: topology with live health and SPOFs, the analysis and
// plan JSON, incidents with durations and filters, uptime over a window.
import { afterEach, describe, expect, it } from "vitest";
import { openIncident, resolveIncident } from "../store/incidents.js";
import { seriesId } from "../store/series.js";
import { fixtureApp, TOKENS, type Fixture } from "./app-fixture.js";
import { DrillJournal } from "../drill/journal.js";
import { beginInjecting, beginRestoring, detected, finished, injected, newDrill, sawFailure, serving, switched } from "../drill/machine.js";

let fixture: Fixture;
afterEach(() => fixture?.close());
const get = async (path: string) => {
  const response = await fixture.app.request(path, { headers: { authorization: `Bearer ${TOKENS.viewer}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe("read views", () => {
  it("/api/drills lists stored drills newest first with measured times against the target", async () => {
    fixture = await fixtureApp();
    const t = fixture.clock.now() - 60_000;
    const journal = new DrillJournal(fixture.store);
    let drill = journal.begin(newDrill({ service: "headscale", scenario: "stop", mode: "agent", primary: "L001", standby: "O001", owner: { host: "test", pid: 1 }, targetRtoMs: 60_000, startedAt: t }));
    drill = injected(beginInjecting(drill, t + 10, 120_000), t + 20, "stopped");
    drill = serving(switched(detected(sawFailure(drill, t + 1_000), t + 2_020, t + 2_030, undefined), t + 2_100, "dns"), t + 2_120, { marker: "present", lostMs: 0, note: "marker found" });
    journal.save(finished(beginRestoring(drill, undefined), t + 5_000, true, "passed", "served from O001 in 2.1 s"));
    const { status, body } = await get("/api/drills");
    expect(status).toBe(200);
    expect(body.drills).toEqual([expect.objectContaining({ service: "headscale", scenario: "stop", outcome: "passed", detect_ms: 2_000, rto_ms: 2_100, target_rto_ms: 60_000, data: { marker: "present", lost_ms: 0, note: "marker found" } })]);
  });

  it("/api/topology draws hosts, placements, needs, active hosts, live health and SPOFs", async () => {
    fixture = await fixtureApp();
    fixture.health.set("lan", "down");
    const { body } = await get("/api/topology");
    expect(body.hosts).toContainEqual({ name: "H003", site: "home", public: false });
    const services = body.services as Array<Record<string, unknown>>;
    expect(services.find((s) => s.name === "headscale")).toEqual({ name: "headscale", role: null, criticality: "critical", placement: { kind: "failover", primary: "L001", standby: ["O001"] }, needs: [], active_host: "L001", health: "up",
      roles: [{ host: "L001", state: "serving", since: new Date(fixture.clock.now()).toISOString(), reason: "the active host" }, { host: "O001", state: "warm", since: new Date(fixture.clock.now()).toISOString(), reason: "a standby" }] });
    expect(services.find((s) => s.name === "nginx")?.roles).toBeNull();
    expect(services.find((s) => s.name === "mesh")).toMatchObject({ placement: { kind: "logical" }, needs: [{ any_of: ["headscale"], mode: "degrades", after_s: 3600, via: "depends_on" }], active_host: null });
    expect(services.find((s) => s.name === "vaultwarden")).toMatchObject({ needs: [{ any_of: ["nginx"], mode: "requires", after_s: null, via: "exposed_via" }] });
    expect(services.find((s) => s.name === "lan")?.health).toBe("down");
    expect(body.spofs).toEqual(expect.arrayContaining(["O001", "nginx"]));
    expect(body.spofs).not.toContain("headscale");
  });

  it("/api/analysis and /api/plan are the CLI's JSON", async () => {
    fixture = await fixtureApp();
    const analysis = await get("/api/analysis");
    expect(Object.keys(analysis.body)).toEqual(["failures", "spofs", "score"]);
    const plan = await get("/api/plan");
    expect(plan.body).toHaveProperty("phases");
    expect(plan.body).toHaveProperty("spofs");
  });

  it("/api/incidents lists newest first with durations, and filters open and since", async () => {
    fixture = await fixtureApp();
    const now = fixture.clock.now();
    const old = openIncident(fixture.store, { root: { kind: "service", name: "nginx" }, title: "nginx down", severity: "high", at: now - 7_200_000 });
    resolveIncident(fixture.store, old.id, now - 7_080_000);
    openIncident(fixture.store, { root: { kind: "host", name: "H003" }, title: "H003 down", severity: "high", at: now - 60_000, children: [{ kind: "service", name: "lan" }] });
    const all = (await get("/api/incidents")).body.incidents as Array<Record<string, unknown>>;
    expect(all.map((i) => [i.title, i.duration_s, i.resolved_at === null])).toEqual([["H003 down", 60, true], ["nginx down", 120, false]]);
    expect(((await get("/api/incidents?open=true")).body.incidents as unknown[]).length).toBe(1);
    expect(((await get("/api/incidents?since=1h")).body.incidents as unknown[]).length).toBe(1);
    expect(((await get("/api/incidents?since=2026-03-01T00:00:00Z")).body.incidents as unknown[]).length).toBe(2);
    expect((await get("/api/incidents?since=yesterday")).status).toBe(400);
    expect((await get("/api/incidents?open=maybe")).status).toBe(400);
  });

  it("/api/services/:name/uptime counts results in the window, with a series for the chart", async () => {
    fixture = await fixtureApp();
    const now = fixture.clock.now();
    const id = seriesId(fixture.store, { check: "nginx/http", service: "nginx", host: "O001", agent: "test" });
    const insert = fixture.store.db.prepare("INSERT INTO results (check_id, at, ok, latency_us) VALUES (?, ?, ?, ?)");
    for (let i = 0; i < 10; i++) insert.run(id, now - 30 * 60_000 + i * 1000, i < 9 ? 1 : 0, 20_000);
    const { body } = await get("/api/services/nginx/uptime?window=24h");
    expect(body).toMatchObject({ service: "nginx", window: "24h", uptime: 0.9, latency: { p50_ms: 20, p99_ms: 20 } });
    const series = body.series as Array<{ uptime: number | null }>;
    expect(series).toHaveLength(24);
    expect(series.filter((point) => point.uptime !== null)).toEqual([expect.objectContaining({ uptime: 0.9, p50_ms: 20 })]);
    expect((await get("/api/services/nope/uptime")).status).toBe(404);
    expect((await get("/api/services/nginx/uptime?window=1y")).status).toBe(400);
  });
});
