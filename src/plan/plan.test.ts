// The plan on the seed's homelab reads like the seed's implementation order, and every score in it is
// what the analysis says of the config after that step, not a number the catalogue made up.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { parse, stringify } from "yaml";
import { parseConfig } from "../config/load.js";
import { checkRules } from "../config/rules.js";
import { hostSchema, type ConfigDocument } from "../config/schema.js";
import { buildTopology } from "../model/topology.js";
import { analyze } from "../analysis/analyze.js";
import { buildPlan } from "./plan.js";
import { findRemedy } from "./remedies/index.js";
import { applyEdits } from "./change.js";

function load(text: string): ConfigDocument {
  const result = parseConfig(text, "test.yaml");
  if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join("\n"));
  return result.config;
}

/** The example without its checks: the structure of the plan does not depend on them (only the checks it adds do), and this keeps the test independent of which probe kinds are registered. */
function homelab(): ConfigDocument {
  const raw = parse(readFileSync(new URL("../../examples/homelab.yaml", import.meta.url), "utf8")) as { services: Record<string, { checks?: unknown }> };
  for (const service of Object.values(raw.services)) delete service.checks;
  return load(stringify(raw));
}

const ids = (plan: ReturnType<typeof buildPlan>, phase: number) => plan.phases.find((p) => p.phase === phase)!.steps.map((step) => step.remedy_id);

describe("plan on the seed's homelab", () => {
  const doc = homelab();
  const plan = buildPlan(doc);

  test("phase 1 is the seed's quick wins: tunnel on O001 and H001, Funnel for Jellyfin, Headscale backups", () => {
    expect(plan.phases.map((phase) => phase.name)).toEqual(["quick wins", "core resilience", "full resilience"]);
    expect(ids(plan, 1)).toEqual(["cloudflare-tunnel", "tailscale-funnel", "control-plane-backups"]);
    const tunnel = plan.phases[0]!.steps[0]!;
    expect(tunnel.spof).toEqual(["O001", "nginx"]);
    expect(tunnel.config.services.cloudflared?.runs_on).toEqual(["O001", "H001"]);
    expect(tunnel.config.services.forgejo?.exposed_via).toEqual(["nginx", "cloudflared"]);
    expect(tunnel.config.services.vaultwarden?.exposed_via).toEqual(["nginx", "cloudflared"]);
    // Media stays off the tunnel (Cloudflare ToS) and gets Funnel instead.
    expect(tunnel.applies_to).not.toContain("jellyfin");
    expect(plan.phases[0]!.steps[1]!.config.services.jellyfin?.exposed_via).toEqual(["tailscale-funnel"]);
    expect(plan.phases[0]!.steps[2]!.applies_to).toEqual(["headscale"]);
  });

  test("phase 2 starts with DNS-01 shared certs, the Headscale warm standby, a secondary AdGuard", () => {
    expect(ids(plan, 2).slice(0, 3)).toEqual(["dns01-standby-proxy", "control-plane-warm-standby", "secondary-resolver"]);
    const standby = plan.phases[1]!.steps[1]!;
    const headscale = standby.config.services.headscale!;
    expect(headscale.primary).toBe("L001");
    expect(headscale.standby).toEqual(["L002"]);
    expect(headscale.recovery).toEqual({ strategy: "automatic-failover", rto: 60_000 });
    expect(standby.config.hosts.L002?.description).toMatch(/NEW, added by understudy plan/);
    expect(plan.phases[1]!.steps[2]!.config.services.adguard?.runs_on).toEqual(["H003", "H002"]);
  });

  test("phase 3 is Headscale HA, then failover testing, then runbooks, in that order", () => {
    const phase3 = ids(plan, 3);
    expect(phase3[0]).toBe("control-plane-litefs-ha");
    expect(phase3.slice(-2)).toEqual(["failover-drills", "runbooks"]);
  });

  test("each step's score is the analysis of the config its remedy's edits produce", () => {
    let previous = doc;
    for (const step of plan.phases.flatMap((phase) => phase.steps)) {
      const remedy = findRemedy(step.remedy_id)!;
      const replayed = applyEdits(previous, remedy.change(step.service ?? "")(previous));
      expect(replayed).toEqual(step.config);
      expect(checkRules(replayed).filter((p) => p.severity === "error")).toEqual([]);
      for (const host of Object.values(replayed.hosts)) expect(hostSchema.parse(host)).toEqual(host);
      const analysis = analyze(buildTopology(replayed));
      expect(step.score_after).toBe(analysis.score.value);
      expect(step.score_before).toBe(analyze(buildTopology(previous)).score.value);
      previous = replayed;
    }
  });

  test("the score never goes down and ends markedly higher", () => {
    const steps = plan.phases.flatMap((phase) => phase.steps);
    for (const step of steps) expect(step.score_after).toBeGreaterThanOrEqual(step.score_before);
    expect(plan.score.before).toBe(analyze(buildTopology(doc)).score.value);
    expect(plan.score.after).toBe(steps.at(-1)!.score_after);
    expect(plan.score.after - plan.score.before).toBeGreaterThan(50);
    expect(plan.phases.map((phase) => phase.score_after)).toEqual([...plan.phases.map((phase) => phase.score_after)].sort((a, b) => a - b));
  });

  test("the SPOFs the seed lists are gone except the NAS, which the seed accepts", () => {
    for (const spof of ["L001", "O001", "H003", "H001"]) expect(plan.spofs.before).toContain(spof);
    expect(plan.spofs.after).toEqual(["H002", "nfs"]);
    expect(plan.added_hosts).toEqual(["L002", "H004"]);
  });

  test("alternatives are listed with their trade-offs but not applied", () => {
    const alternatives = plan.alternatives.map((alt) => alt.remedy_id);
    expect(alternatives).toEqual(expect.arrayContaining(["control-plane-hosted", "isp-router-fallback", "dns-failover", "second-nas-glusterfs"]));
    const applied = new Set(plan.phases.flatMap((phase) => phase.steps.map((step) => step.remedy_id)));
    for (const id of alternatives) expect(applied.has(id)).toBe(false);
    const glusterfs = plan.alternatives.find((alt) => alt.remedy_id === "second-nas-glusterfs")!;
    expect(glusterfs.cons).toContain("overkill for a homelab");
  });

  test("the loaded (frozen) config is left as it was", () => {
    expect(Object.isFrozen(doc.services.headscale)).toBe(true);
    expect(doc.services.headscale?.standby).toEqual([]);
    expect(Object.keys(doc.hosts)).toEqual(["O001", "L001", "H001", "H002", "H003"]);
  });

  test("planning the planned config again changes nothing more", () => {
    const again = buildPlan(plan.config);
    for (const step of again.phases.flatMap((phase) => phase.steps)) {
      expect(step.config, step.remedy_id).toEqual(plan.config);
      expect(step.score_after).toBe(plan.score.after);
    }
    expect(again.added_hosts).toEqual([]);
  });
});

describe("plan on a small config", () => {
  test("a lone proxy in front of an app gets the tunnel first; a config with no SPOF gets no step", () => {
    const doc = load(`
version: 1
hosts: { A: { address: 10.0.0.1 }, B: { address: 10.0.0.2 } }
services:
  proxy: { role: reverse-proxy, criticality: high, runs_on: [A] }
  app: { criticality: high, runs_on: [B], exposed_via: proxy }
`);
    const plan = buildPlan(doc);
    const first = plan.phases[0]!.steps[0]!;
    expect(first.remedy_id).toBe("cloudflare-tunnel");
    expect(first.config.services.cloudflared?.runs_on).toEqual(["A", "B"]);
    expect(plan.score.after).toBeGreaterThan(plan.score.before);

    const resilient = buildPlan(plan.config);
    expect(resilient.spofs.before).toEqual([]);
    expect(resilient.phases.flatMap((phase) => phase.steps)).toEqual([]);
  });

  test("a control plane with no other host gets a new VPS named after its own", () => {
    const doc = load(`
version: 1
hosts: { vps1: { address: 10.0.0.1, public: true } }
services:
  hs: { role: control-plane, criticality: critical, primary: vps1, recovery: { strategy: rebuild, rto: 2h } }
`);
    const plan = buildPlan(doc);
    expect(plan.phases[0]!.steps.map((step) => step.remedy_id)).toEqual(["control-plane-backups"]);
    expect(plan.phases[0]!.steps[0]!.config.services.hs?.recovery).toEqual({ strategy: "restore-from-backup", rto: 1_800_000 });
    expect(plan.added_hosts).toEqual(["vps2"]);
    expect(plan.config.hosts.vps2).toMatchObject({ address: "vps2.invalid", public: true });
    expect(plan.spofs.after).toEqual([]);
  });
});
