import { describe, expect, it } from "vitest";
import { loadConfig, parseConfig } from "../config/load.js";
import { buildTopology, type Topology } from "../model/topology.js";
import { relatedServices, SETTLE_CAP_MS, settleTime } from "./settle-time.js";
import { detectionSpread } from "./watch.js";

function example(): Topology {
  const loaded = loadConfig("examples/homelab.yaml");
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join("\n"));
  return buildTopology(loaded.config);
}

function topology(yaml: string): Topology {
  const loaded = parseConfig(`version: 1\n${yaml}`, "test.yaml");
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join("\n"));
  return buildTopology(loaded.config);
}

describe("settle time per failure", () => {
  it("examples/homelab.yaml: the hourly TLS check of nginx holds no host's incident (the whole config's spread is two hours)", () => {
    const topo = example();
    expect(detectionSpread(topo)).toBeGreaterThan(60 * 60_000);
    for (const host of topo.hosts.keys()) expect(settleTime(topo, { kind: "host", name: host }, [host]), host).toBeLessThanOrEqual(60_000);
    // nginx's http check every 30 s confirms it down long before its TLS check could.
    expect(settleTime(topo, { kind: "service", name: "nginx" }, ["O001"])).toBe(30_000);
  });

  it("counts the host's instances, what the part needs and what it takes down, not unrelated services", () => {
    const topo = example();
    const related = relatedServices(topo, { kind: "service", name: "forgejo" }, ["H001"]);
    for (const name of ["forgejo", "zitadel", "nfs-client", "lan", "adguard", "dhcp", "mesh", "headscale", "nginx"]) expect(related, name).toContain(name);
    const router = relatedServices(topo, { kind: "host", name: "H003" }, ["H003"]);
    for (const name of ["adguard", "lan", "dhcp", "forgejo", "jellyfin", "nfs"]) expect(router, name).toContain(name);
    for (const name of ["vaultwarden", "atuin", "headscale"]) expect(router, name).not.toContain(name);
  });

  it("waits for a slow related check, but never longer than the cap", () => {
    const topo = topology(`
hosts: { A: { address: 10.0.0.1 }, B: { address: 10.0.0.2 }, C: { address: 10.0.0.3 } }
services:
  db: { runs_on: [A], checks: [{ tcp: "10.0.0.1:5432" }] }
  app: { runs_on: [B], depends_on: [db], checks: [{ http: "http://10.0.0.2/", interval: 1m }] }
  report: { runs_on: [B], depends_on: [db], checks: [{ http: "http://10.0.0.2/r", interval: 1h }] }
  other: { runs_on: [C], checks: [{ http: "http://10.0.0.3/", interval: 1h }] }
`);
    // db confirmed down 30-60 s after it dies; app (every minute) 60-120 s: wait 90 s for it. report's
    // hourly check is related too (it needs db) and would take two hours: capped.
    expect(settleTime(topo, { kind: "service", name: "app" }, ["B"])).toBe(SETTLE_CAP_MS);
    expect(settleTime(topo, { kind: "service", name: "db" }, ["A"])).toBe(SETTLE_CAP_MS);
    expect(settleTime(topo, { kind: "service", name: "other" }, ["C"])).toBe(SETTLE_CAP_MS);
    const fast = topology(`
hosts: { A: { address: 10.0.0.1 }, B: { address: 10.0.0.2 }, C: { address: 10.0.0.3 } }
services:
  db: { runs_on: [A], checks: [{ tcp: "10.0.0.1:5432" }] }
  app: { runs_on: [B], depends_on: [db], checks: [{ http: "http://10.0.0.2/", interval: 1m }] }
  other: { runs_on: [C], checks: [{ http: "http://10.0.0.3/", interval: 1h }] }
`);
    expect(settleTime(fast, { kind: "service", name: "db" }, ["A"])).toBe(90_000);
    expect(settleTime(fast, { kind: "host", name: "A" }, ["A"])).toBe(90_000);
    expect(detectionSpread(fast)).toBeGreaterThan(SETTLE_CAP_MS);
  });
});
