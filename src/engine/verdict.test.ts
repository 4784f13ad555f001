import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/load.js";
import { buildTopology, type Check, type Topology } from "../model/topology.js";
import { ServiceHealthTracker, computeServiceHealth } from "./service-health.js";
import { LocalVerdicts, type InstanceChange } from "./verdict.js";

const T0 = Date.UTC(2026, 0, 1);

function check(overrides: Partial<Check> = {}): Check {
  return { name: "web/http", service: "web", host: "H1", kind: "http", spec: {}, intervalMs: 30_000, timeoutMs: 10_000, jitterMs: 0, failureThreshold: 2, successThreshold: 1, ...overrides };
}

/** Feeds results (true = pass) 30 s apart and returns the instance changes as "from→to". */
function feed(verdicts: LocalVerdicts, target: Check, outcomes: boolean[], start = T0): string[] {
  const seen: string[] = [];
  outcomes.forEach((ok, i) => {
    const change = verdicts.observe({ check: target, vantage: "a", ok, reason: ok ? undefined : "refused", message: "x", at: start + i * 30_000 });
    if (change) seen.push(`${change.from}→${change.to}`);
  });
  return seen;
}

describe("instance verdicts", () => {
  it("goes down only after failure_threshold consecutive failures", () => {
    const verdicts = new LocalVerdicts({ startedAt: T0, graceMs: 0 });
    expect(feed(verdicts, check(), [true, false, false])).toEqual(["unknown→up", "up→suspect", "suspect→down"]);
    expect(verdicts.instanceState("web", "H1")).toBe("down");
  });

  it("damps flapping: fail, pass, fail with threshold 2 never goes down", () => {
    const verdicts = new LocalVerdicts({ startedAt: T0, graceMs: 0 });
    const seen = feed(verdicts, check(), [true, false, true, false, true, false]);
    expect(seen).not.toContain("suspect→down");
    expect(verdicts.instanceState("web", "H1")).toBe("suspect");
  });

  it("recovers through recovering after success_threshold successes; a failure there is down again", () => {
    const verdicts = new LocalVerdicts({ startedAt: T0, graceMs: 0 });
    const seen = feed(verdicts, check({ successThreshold: 2 }), [false, false, true, false, true, true]);
    expect(seen).toEqual(["unknown→suspect", "suspect→down", "down→recovering", "recovering→down", "down→recovering", "recovering→up"]);
  });

  it("records failures during grace but goes down only once grace ends", () => {
    const verdicts = new LocalVerdicts({ startedAt: T0, graceMs: 60_000 });
    const changes: InstanceChange[] = [];
    verdicts.onChange((change) => void changes.push(change));
    // Failures at 0 s and 30 s: inside grace, so suspect only.
    expect(feed(verdicts, check(), [false, false])).toEqual(["unknown→suspect"]);
    const ended = verdicts.endGrace(T0 + 60_000);
    expect(ended.map((c) => c.to)).toEqual(["down"]);
    expect(ended[0]!.reason).toMatch(/grace ended: web\/http failed 2 times/);
    expect(changes.map((c) => c.to)).toEqual(["suspect", "down"]);
  });

  it("a conclusive failure (a push check's /fail: the job said so itself) is down at once, whatever failure_threshold", () => {
    const verdicts = new LocalVerdicts({ startedAt: T0, graceMs: 0 });
    const target = check({ failureThreshold: 3 });
    expect(feed(verdicts, target, [true])).toEqual(["unknown→up"]);
    const change = verdicts.observe({ check: target, vantage: "a", ok: false, reason: "fail", message: "the job failed", at: T0 + 30_000, conclusive: true });
    expect(change && `${change.from}→${change.to}`).toBe("up→down");
    // An ordinary failure still waits for the threshold.
    const other = check({ name: "web/other", host: "H2", failureThreshold: 3 });
    expect(feed(verdicts, other, [true, false, false])).toEqual(["unknown→up", "up→suspect"]);
  });

  it("a failure after grace confirms down even without endGrace", () => {
    const verdicts = new LocalVerdicts({ startedAt: T0, graceMs: 45_000 });
    // Results at 0, 30 (in grace) and 60 s (after).
    expect(feed(verdicts, check(), [false, false, false])).toEqual(["unknown→suspect", "suspect→down"]);
  });

  it("an instance is down when any one of its checks is down", () => {
    const verdicts = new LocalVerdicts({ startedAt: T0, graceMs: 0 });
    const http = check();
    const tcp = check({ name: "web/tcp", kind: "tcp" });
    feed(verdicts, http, [true, true, true]);
    feed(verdicts, tcp, [true, false, false]);
    expect(verdicts.instanceState("web", "H1")).toBe("down");
    feed(verdicts, tcp, [true], T0 + 100_000);
    expect(verdicts.instanceState("web", "H1")).toBe("up");
  });

  it("a listener that throws does not stop the others and is reported", () => {
    const errors: unknown[] = [];
    const verdicts = new LocalVerdicts({ startedAt: T0, graceMs: 0, onListenerError: (e) => void errors.push(e) });
    const heard: string[] = [];
    verdicts.onChange(() => {
      throw new Error("listener bug");
    });
    verdicts.onChange((change) => void heard.push(change.to));
    feed(verdicts, check(), [true]);
    expect(heard).toEqual(["up"]);
    expect(errors).toHaveLength(1);
  });
});

function topologyFrom(yaml: string): Topology {
  const loaded = parseConfig(yaml, "test.yaml");
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join("\n"));
  return buildTopology(loaded.config);
}

describe("service health", () => {
  const topo = topologyFrom(`
version: 1
hosts: { A: { address: a }, B: { address: b }, C: { address: c } }
services:
  tunnel: { runs_on: [A, B], checks: [{ command: ["true"], on: A }, { command: ["true"], on: B }] }
  db: { primary: A, standby: [C], checks: [{ command: ["true"], on: A }, { command: ["true"], on: C }] }
  app: { runs_on: [B], depends_on: [db], checks: [{ command: ["true"] }] }
  site: { depends_on: [app, tunnel] }
`);
  const checkOf = (service: string, host: string) => topo.services.get(service)!.checks.find((c) => c.host === host)!;

  it("replicas: up while all serve, degraded when one is down, down when none serves", () => {
    const verdicts = new LocalVerdicts({ startedAt: T0, graceMs: 0 });
    feed(verdicts, checkOf("tunnel", "A"), [true]);
    feed(verdicts, checkOf("tunnel", "B"), [true]);
    expect(computeServiceHealth(topo, verdicts).get("tunnel")).toBe("up");
    feed(verdicts, checkOf("tunnel", "A"), [false, false], T0 + 60_000);
    expect(computeServiceHealth(topo, verdicts).get("tunnel")).toBe("degraded");
    feed(verdicts, checkOf("tunnel", "B"), [false, false], T0 + 60_000);
    expect(computeServiceHealth(topo, verdicts).get("tunnel")).toBe("down");
  });

  it("primary/standby follows the active host, which is an input", () => {
    const verdicts = new LocalVerdicts({ startedAt: T0, graceMs: 0 });
    feed(verdicts, checkOf("db", "A"), [false, false]);
    feed(verdicts, checkOf("db", "C"), [true]);
    expect(computeServiceHealth(topo, verdicts).get("db")).toBe("down");
    expect(computeServiceHealth(topo, verdicts, (s) => (s.name === "db" ? "C" : undefined)).get("db")).toBe("degraded");
  });

  it("a logical service follows what it needs; changes are announced", () => {
    const verdicts = new LocalVerdicts({ startedAt: T0, graceMs: 0 });
    for (const [service, host] of [["tunnel", "A"], ["tunnel", "B"], ["db", "A"], ["db", "C"], ["app", "B"]] as const) feed(verdicts, checkOf(service, host), [true]);
    const tracker = new ServiceHealthTracker(topo, verdicts);
    const changes: string[] = [];
    tracker.onChange((c) => void changes.push(`${c.service}:${c.from}→${c.to}`));
    expect(tracker.health("site")).toBe("up");
    const last = feed(verdicts, checkOf("app", "B"), [false, false], T0 + 60_000);
    expect(last).toEqual(["up→suspect", "suspect→down"]);
    tracker.update({ at: T0 + 90_000, reason: "test" });
    expect(changes).toEqual(["app:up→down", "site:up→down"]);
  });

  it("an instance change recomputes only its service and what needs it, with the same result as a full recompute", () => {
    const verdicts = new LocalVerdicts({ startedAt: T0, graceMs: 0 });
    const tracker = new ServiceHealthTracker(topo, verdicts);
    const changes: string[] = [];
    tracker.onChange((c) => void changes.push(`${c.service}:${c.from}→${c.to}`));
    const steps: Array<[string, string, boolean[]]> = [["tunnel", "A", [true]], ["tunnel", "B", [true]], ["db", "A", [true]], ["db", "C", [true]], ["app", "B", [true]], ["db", "A", [false, false]], ["tunnel", "B", [false, false]], ["db", "A", [true]]];
    steps.forEach(([service, host, outcomes], i) => {
      let change: InstanceChange | undefined;
      outcomes.forEach((ok, j) => {
        change = verdicts.observe({ check: checkOf(service, host), vantage: "a", ok, reason: ok ? undefined : "refused", message: "x", at: T0 + (i * 10 + j) * 30_000 }) ?? change;
      });
      if (change) tracker.update(change);
      for (const name of topo.order) expect(tracker.health(name), `${name} after step ${i}`).toBe(computeServiceHealth(topo, verdicts).get(name));
    });
    // app has checks of its own, so its health is what they see; site (logical) follows what it needs.
    expect(changes).toEqual(["tunnel:unknown→up", "db:unknown→up", "app:unknown→up", "db:up→down", "tunnel:up→degraded", "site:up→degraded", "db:down→up"]);
  });
});
