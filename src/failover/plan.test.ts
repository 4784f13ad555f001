// The plan as data: the fixed order, what each step will do, the self-fence wait on promote, and
// the config rules a user meets when the failover block is wrong.
import { describe, expect, test } from "vitest";
import { parseConfig } from "../config/load.js";
import { failoverSettings } from "./config.js";
import { buildPlan, describePlan, STEP_NAMES } from "./plan.js";
import { fixtureConfig } from "./test-fixture.js";

describe("failover plan", () => {
  const { topology, config } = fixtureConfig("{ mode: automatic, self_fence_after: 20s, promote: { command: [systemctl, start, hs] } }");
  const service = topology.services.get("hs")!;
  const settings = failoverSettings(config.services.hs!.failover);
  const plan = buildPlan({ topology, service, config: settings, kind: "failover", from: "vps", to: "spare", reason: "vps down", force: false, now: 10_000, lastSeenUp: 5_000 });

  test("fence → check-replica → promote → verify → switch → notify, traffic last", () => {
    expect(plan.steps.map((step) => step.name)).toEqual(STEP_NAMES.filter((name) => name !== "sync"));
    expect(plan.addresses).toEqual({ from: "10.0.0.1", to: "10.0.0.2" });
  });
  test("a planned move fences (required) and ships a final snapshot before it promotes", () => {
    const fenced = fixtureConfig("{ mode: automatic, fence: { command: [systemctl, stop, hs] }, promote: { command: [systemctl, start, hs] } }");
    const moved = buildPlan({ topology: fenced.topology, service: fenced.topology.services.get("hs")!, config: failoverSettings(fenced.config.services.hs!.failover), kind: "failback", from: "spare", to: "vps", reason: "x", force: false, planned: true, now: 0 });
    expect(moved.steps.map((step) => `${step.name}${step.required ? "" : "?"}`)).toEqual(["fence", "sync", "check-replica", "promote", "verify", "switch", "notify?"]);
    expect(describePlan(moved).join("\n")).toMatch(/sync +final snapshot of the data taken on spare, shipped to vps/);
  });
  test("verify keeps trying for verify_timeout (60 s by default)", () => {
    expect(plan.steps.find((step) => step.name === "verify")?.retry.withinMs).toBe(60_000);
    const patient = fixtureConfig("{ mode: automatic, verify_timeout: 2m }");
    const slow = buildPlan({ topology: patient.topology, service: patient.topology.services.get("hs")!, config: failoverSettings(patient.config.services.hs!.failover), kind: "failover", from: "vps", to: "spare", reason: "x", force: false, now: 0 });
    expect(slow.steps.find((step) => step.name === "verify")).toMatchObject({ retry: { withinMs: 120_000 }, description: expect.stringMatching(/retried for up to 120 s/) });
  });
  test("the promote waits for the old primary's self-fence time", () => {
    expect(plan.steps.find((step) => step.name === "promote")?.notBefore).toBe(25_000);
    expect(describePlan(plan).join("\n")).toMatch(/promote +run locally: systemctl start hs — waits until/);
  });
  test("the replica check is required unless forced", () => {
    expect(plan.steps.find((step) => step.name === "check-replica")?.required).toBe(true);
    const forced = buildPlan({ topology, service, config: settings, kind: "failover", from: "vps", to: "spare", reason: "x", force: true, now: 0 });
    expect(forced.steps.find((step) => step.name === "check-replica")?.required).toBe(false);
  });
});

describe("failover config rules", () => {
  const messages = (failover: string, hosts = "{ vps: { address: 10.0.0.1 }, spare: { address: 10.0.0.2 } }") => {
    const loaded = parseConfig(`version: 1\nhosts: ${hosts}\nservices:\n  hs: { primary: vps, standby: [spare], checks: [{ on: spare, command: ['true'] }], failover: ${failover} }\n`, "c.yaml");
    return (loaded.ok ? loaded.warnings : loaded.diagnostics).map((d) => d.message).join("\n");
  };
  test("an action names exactly one kind; ssh needs a pinned key on the host", () => {
    expect(messages("{ promote: { command: [a], webhook: { url: \"http://x/\" } } }")).toMatch(/promote has command and webhook/);
    expect(messages("{ fence: { ssh: { command: [systemctl, stop, hs] } } }")).toMatch(/hosts\.vps\.ssh with private_key and host_key/);
  });
  test("a required SSH fence is warned about: it cannot fence a dead host", () => {
    const hosts = '{ vps: { address: 10.0.0.1, ssh: { private_key: "file:/k", host_key: "SHA256:abc" } }, spare: { address: 10.0.0.2 } }';
    expect(messages("{ fence: { required: true, ssh: { command: [systemctl, stop, hs] } } }", hosts)).toMatch(/cannot fence a dead or unreachable host/);
  });
  test("the dns block needs exactly one provider", () => {
    expect(messages("{ dns: { name: hs.example.org } }")).toMatch(/dns needs exactly one provider/);
  });
});

describe("validate warns about an automatic failover that can never act", () => {
  const warnings = (service: string) => {
    const ssh = '{ private_key: "file:/k", host_key: "SHA256:abc" }';
    const loaded = parseConfig(`version: 1\nhosts: { vps: { address: 10.0.0.1, ssh: ${ssh} }, spare: { address: 10.0.0.2, ssh: ${ssh} } }\nservices:\n  hs: ${service}\n`, "c.yaml");
    if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join("\n"));
    return loaded.warnings.map((d) => `${d.path?.join(".") ?? ""}: ${d.message}`).join("\n");
  };
  test("nothing watches the primary, nothing verifies the standby", () => {
    const text = warnings("{ primary: vps, standby: [spare], checks: [], failover: { mode: automatic } }");
    expect(text).toMatch(/automatic failover can never act: no check watches the primary vps/);
    expect(text).toMatch(/automatic failover can never act: no check watches standby spare/);
  });
  test("data and an RPO but no replication: check-replica refuses every promote", () => {
    const text = warnings("{ primary: vps, standby: [spare], target: { rpo: 1m }, data: [{ sqlite: /var/lib/hs/db.sqlite }], checks: [{ on: vps, command: ['true'] }, { on: spare, command: ['true'] }], failover: { mode: automatic } }");
    expect(text).toMatch(/automatic failover can never act: hs declares data and a target RPO but no replicate/);
  });
  test("a promote without a fence, a failback without a fence", () => {
    const text = warnings("{ primary: vps, standby: [spare], checks: [{ on: vps, command: ['true'] }, { on: spare, command: ['true'] }], failover: { mode: automatic, promote: { command: [systemctl, start, hs] }, failback: { after: 1m } } }");
    expect(text).toMatch(/no fence: after a failover the old primary/);
    expect(text).toMatch(/failback can never act without a fence/);
  });
  test("the natural warm-standby config with replication and a fence: no such warning", () => {
    const text = warnings("{ primary: vps, standby: [spare], target: { rpo: 1m }, data: [{ sqlite: /var/lib/hs/db.sqlite }], replicate: { to: standby, every: 10s }, checks: [{ on: vps, command: ['true'] }, { on: spare, command: ['true'] }], failover: { mode: automatic, fence: { command: [systemctl, stop, hs] }, promote: { command: [systemctl, start, hs] } } }");
    expect(text).not.toMatch(/can never act|no fence/);
  });
});
