// The public status: only public services, and incident titles that never name a host, an address or
// a private service, whatever the stored incident says.
import { afterEach, describe, expect, it } from "vitest";
import { openIncident, resolveIncident } from "../store/incidents.js";
import { fixtureApp, type Fixture } from "./app-fixture.js";

let fixture: Fixture;
afterEach(() => fixture?.close());

describe("GET /api/public/status", () => {
  it("shows public services and their incidents, and nothing of hosts, addresses or private services", async () => {
    fixture = await fixtureApp();
    fixture.health.set("nginx", "down");
    const now = fixture.clock.now();
    openIncident(fixture.store, { root: { kind: "host", name: "O001" }, title: "O001 (100.64.0.1) down: nginx, vaultwarden", severity: "high", at: now - 60_000, children: [{ kind: "service", name: "nginx" }, { kind: "service", name: "vaultwarden" }] });
    openIncident(fixture.store, { root: { kind: "host", name: "H003" }, title: "H003 down: lan, adguard", severity: "normal", at: now - 30_000, children: [{ kind: "service", name: "adguard" }, { kind: "service", name: "lan" }] });
    const old = openIncident(fixture.store, { root: { kind: "service", name: "headscale" }, title: "headscale down on L001", severity: "critical", at: now - 3_600_000 });
    resolveIncident(fixture.store, old.id, now - 3_000_000);

    const response = await fixture.app.request("/api/public/status");
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      services: [{ name: "headscale", health: "up" }, { name: "nginx", health: "down" }],
      incidents: [
        { title: "nginx unavailable", opened_at: new Date(now - 60_000).toISOString(), resolved_at: null },
        { title: "headscale was unavailable", opened_at: new Date(now - 3_600_000).toISOString(), resolved_at: new Date(now - 3_000_000).toISOString() },
      ],
    });
    for (const secret of ["O001", "L001", "H003", "100.64", "10.12.14.1", "vaultwarden", "adguard", "lan", "linode", "oracle"]) expect(text).not.toContain(secret);
  });

  it("says a public service is served again while its incident stays open after a failover", async () => {
    fixture = await fixtureApp();
    const now = fixture.clock.now();
    openIncident(fixture.store, { root: { kind: "host", name: "L001" }, title: "L001 down: headscale", severity: "critical", at: now - 60_000, children: [{ kind: "service", name: "headscale" }] });
    fixture.health.set("headscale", "down");
    const before = await (await fixture.app.request("/api/public/status")).json() as { incidents: Array<{ title: string }> };
    expect(before.incidents.map((incident) => incident.title)).toEqual(["headscale unavailable"]);
    fixture.health.set("headscale", "degraded"); // served by the standby, no redundancy left
    await fixture.clock.advance(30_000); // the public answer is cached for up to 30 s
    const after = await (await fixture.app.request("/api/public/status")).json() as { incidents: Array<{ title: string; resolved_at: string | null }> };
    expect(after.incidents).toEqual([expect.objectContaining({ title: "headscale unavailable for a while, served again", resolved_at: null })]);
  });
});
