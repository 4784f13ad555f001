// Analysis on hand-built topologies whose answers are worked out by hand, and on the seed's homelab.
import { describe, expect, it } from "vitest";
import { parseConfig, loadConfig } from "../config/load.js";
import { formatDiagnostic } from "../config/diagnostics.js";
import { buildTopology, type Topology } from "../model/topology.js";
import { analyze, analyzeTogether, failingPairs } from "./analyze.js";
import { resolveComponents } from "./components.js";

function topology(yaml: string): Topology {
  const result = parseConfig(yaml, "test.yaml");
  if (!result.ok) throw new Error(result.diagnostics.map(formatDiagnostic).join("\n"));
  return buildTopology(result.config);
}

const failureOf = (t: Topology, component: string) => {
  const found = analyze(t).failures.find((failure) => failure.component === component);
  if (!found) throw new Error(`no failure ${component}`);
  return found;
};

const hosts = `version: 1
hosts:
  A: { address: 10.0.0.1 }
  B: { address: 10.0.0.2 }
  C: { address: 10.0.0.3 }
services:
`;

describe("single-failure analysis", () => {
  it("replicas: losing one host loses nothing", () => {
    const t = topology(`${hosts}  web: { runs_on: [A, B], criticality: high }\n`);
    expect(failureOf(t, "A")).toMatchObject({ unavailable: [], degraded: [], severity: "none" });
    expect(analyze(t).spofs).toEqual([]);
    expect(analyze(t).score.value).toBe(100);
  });

  it("a single host is a SPOF for what runs only there", () => {
    const t = topology(`${hosts}  web: { runs_on: [A], criticality: high, recovery: { strategy: rebuild, rto: 2h }, target: { rto: 10m } }\n`);
    const a = failureOf(t, "A");
    expect(a).toMatchObject({ unavailable: ["web"], severity: "high", recovery: { strategy: "rebuild", rto_s: 7200 }, meets_target: false });
    expect(analyze(t).spofs.map((spof) => spof.component)).toEqual(["A", "web"]);
    expect(analyze(t).score.value).toBe(0);
  });

  it("standby: the primary's loss fails over, listed with its recovery time, not unavailable", () => {
    const t = topology(`${hosts}  hs:
    criticality: critical
    primary: A
    standby: [B]
    recovery: { strategy: automatic-failover, rto: 1m }
    target: { rto: 5m }
`);
    const a = failureOf(t, "A");
    expect(a.unavailable).toEqual([]);
    expect(a.fails_over).toEqual([{ service: "hs", to: "B", recovery: { strategy: "automatic-failover", rto_s: 60 }, meets_target: true }]);
    expect(a.meets_target).toBe(true);
    expect(a.severity).toBe("none");
    expect(failureOf(t, "B").fails_over).toEqual([]);
  });

  it("a failover slower than its target is not a SPOF but counts against the target", () => {
    const t = topology(`${hosts}  hs: { criticality: critical, primary: A, standby: [B], recovery: { strategy: manual-failover, rto: 30m }, target: { rto: 5m } }\n`);
    const a = failureOf(t, "A");
    expect(a.fails_over[0]?.meets_target).toBe(false);
    expect(a.severity).toBe("high");
    expect(analyze(t).spofs).toEqual([]);
    expect(analyze(t).score.value).toBe(50);
  });

  it("soft dependencies degrade after their delay, and hard dependents of a degraded service degrade too", () => {
    const t = topology(`${hosts}  ctl: { runs_on: [A], criticality: critical }
  mesh: { criticality: critical, depends_on: [{ service: ctl, mode: degrades, after: 1h }] }
  app: { runs_on: [B], depends_on: [mesh] }
`);
    const a = failureOf(t, "A");
    expect(a.unavailable).toEqual(["ctl"]);
    expect(a.degraded).toEqual(["mesh", "app"]);
    expect(a.degraded_after_s).toEqual({ mesh: 3600, app: 3600 });
    expect(a.reason).toBe("loses ctl; after 1h degrades mesh, app");
  });

  it("exposed_via: a service behind a proxy is lost with the proxy, unless another path exists", () => {
    const t = topology(`${hosts}  nginx: { runs_on: [A] }
  tunnel: { runs_on: [B, C] }
  git: { runs_on: [C], exposed_via: nginx }
  wiki: { runs_on: [C], exposed_via: [nginx, tunnel] }
`);
    expect(failureOf(t, "A").unavailable.sort()).toEqual(["git", "nginx"]);
    expect(failureOf(t, "B").unavailable).toEqual([]);
  });

  it("a diamond counts the shared dependency once and everything above it", () => {
    const t = topology(`${hosts}  db: { runs_on: [C], criticality: high }
  left: { runs_on: [A], depends_on: [db] }
  right: { runs_on: [B], depends_on: [db] }
  top: { runs_on: [A, B], depends_on: [left, right] }
`);
    const c = failureOf(t, "C");
    expect(c.unavailable.sort()).toEqual(["db", "left", "right", "top"]);
    expect(c.reason).toBe("loses db and with it left, right, top");
    // Losing A takes `left`, which `top` needs: replicas of top do not help when a need is gone.
    expect(failureOf(t, "A").unavailable.sort()).toEqual(["left", "top"]);
  });

  it("dependents pause while what they need fails over", () => {
    const t = topology(`${hosts}  db: { primary: A, standby: [B], recovery: { strategy: automatic-failover, rto: 30s } }
  app: { runs_on: [C], depends_on: [db], target: { rto: 1m } }
`);
    const a = failureOf(t, "A");
    expect(a.interrupted).toEqual(["app"]);
    expect(a.meets_target).toBe(true);
  });

  it("what-if: several failures together", () => {
    const t = topology(`${hosts}  web: { runs_on: [A, B], criticality: high }\n  db: { runs_on: [C] }\n`);
    const report = analyzeTogether(t, resolveComponents(t, ["A", "B"]), "A,B");
    expect(report.unavailable).toEqual(["web"]);
    expect(report.severity).toBe("high");
    expect(analyzeTogether(t, resolveComponents(t, ["web@A"]), "web@A").unavailable).toEqual([]);
    expect(analyzeTogether(t, resolveComponents(t, ["web@*"]), "web@*").unavailable).toEqual(["web"]);
    expect(() => resolveComponents(t, ["Z"])).toThrow('"Z" is neither a host nor a service');
    expect(() => resolveComponents(t, ["web@C"])).toThrow("web does not run on \"C\"");
  });

  it("depth 2: lists the pairs that defeat redundancy", () => {
    const t = topology(`${hosts}  web: { runs_on: [A, B], criticality: high }\n  db: { runs_on: [C], criticality: low }\n`);
    const pairs = failingPairs(t);
    // Both hosts, or host B and the web process on A (the service's serving instance): either pair loses web.
    expect(pairs.map((pair) => pair.components)).toEqual([["A", "B"], ["B", "web"]]);
    expect(pairs.every((pair) => pair.newly_unavailable.join() === "web")).toBe(true);
  });
});

describe("the seed's homelab", () => {
  const loaded = loadConfig("examples/homelab.yaml");
  if (!loaded.ok) throw new Error(loaded.diagnostics.map(formatDiagnostic).join("\n"));
  const analysis = analyze(buildTopology(loaded.config));
  const hostSpofs = analysis.spofs.filter((spof) => spof.kind === "host");

  it("finds all five hosts are SPOFs, L001 the most critical and H002 the least", () => {
    expect(hostSpofs.map((spof) => spof.component).sort()).toEqual(["H001", "H002", "H003", "L001", "O001"]);
    expect(hostSpofs[0]?.component).toBe("L001");
    expect(hostSpofs.at(-1)?.component).toBe("H002");
    expect(analysis.spofs[0]?.component).toBe("L001");
  });

  it("gives each host a reason matching the seed's 'Impact if Down'", () => {
    const reason = (host: string) => hostSpofs.find((spof) => spof.component === host)?.reason;
    expect(reason("L001")).toMatch(/mesh control plane \(headscale\).*degrades mesh connectivity/); // ALL mesh connectivity
    expect(reason("O001")).toMatch(/public access \(nginx\), password manager \(vaultwarden\)/); // all public access, password manager
    expect(reason("H003")).toMatch(/name resolution \(adguard\).*LAN connectivity \(lan\)/); // entire LAN offline
    expect(reason("H001")).toMatch(/forgejo.*zitadel/); // services down
    expect(reason("H002")).toMatch(/network storage \(nfs\) and with it media streaming \(jellyfin\)/); // media unavailable
  });

  it("says headscale's 30 minute restore misses its target", () => {
    expect(hostSpofs[0]).toMatchObject({ severity: "critical", recovery: { strategy: "restore-from-backup", rto_s: 1800 }, meets_target: false });
  });
});
