// `understudy plan` as a user runs it: the JSON contract, the table, and bad flags (exit 2 via main).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, test } from "vitest";
import { main } from "./main.js";
import type { Io } from "./io.js";

function capture(): { io: Io; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  const sink = (append: (text: string) => void) => new Writable({ write(chunk, _encoding, done) { append(String(chunk)); done(); } });
  return {
    io: { stdout: sink((text) => (out += text)), stderr: sink((text) => (err += text)), env: {} },
    out: () => out,
    err: () => err,
  };
}

const dir = mkdtempSync(join(tmpdir(), "understudy-plan-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const config = join(dir, "understudy.yaml");
writeFileSync(config, `
version: 1
hosts:
  O001: { address: 10.0.0.1, public: true }
  L001: { address: 10.0.0.2, public: true }
  H001: { address: 10.0.0.3, site: home }
services:
  headscale: { role: control-plane, criticality: critical, primary: L001, recovery: { strategy: rebuild, rto: 2h }, target: { rto: 5m } }
  nginx: { role: reverse-proxy, criticality: high, runs_on: [O001] }
  forgejo: { role: app, criticality: high, runs_on: [H001], exposed_via: nginx }
`);

describe("understudy plan", () => {
  test("--format json: phases with steps, alternatives and the measured score", async () => {
    const { io, out } = capture();
    expect(await main(["plan", "--config", config, "--format", "json"], io)).toBe(0);
    const json = JSON.parse(out()) as {
      phases: Array<{ name: string; score_after: number; steps: Array<Record<string, unknown>> }>;
      alternatives: Array<{ remedy: string; pros: string[]; cons: string[] }>;
      score: { before: number; after: number };
      added_hosts: Array<{ name: string; address: string }>;
    };
    expect(json.phases.map((phase) => phase.name)).toEqual(["quick wins", "core resilience", "full resilience"]);
    const first = json.phases[0]!.steps[0]!;
    expect(Object.keys(first)).toEqual(expect.arrayContaining(["spof", "remedy", "applies_to", "recovery_after", "effort", "pros", "cons", "score_before", "score_after"]));
    expect(first).not.toHaveProperty("config");
    expect(first.remedy).toBe("Cloudflare Tunnel replicas on two hosts");
    expect(json.score.after).toBeGreaterThan(json.score.before);
    expect(json.phases.at(-1)!.score_after).toBe(json.score.after);
    expect(json.alternatives.map((alt) => alt.remedy)).toContain("Tailscale commercial control plane");
    expect(json.added_hosts).toEqual([expect.objectContaining({ name: "L002", address: "l002.invalid" })]);
  });

  test("table: one section per phase, the score before → after, the hosts to provide", async () => {
    const { io, out } = capture();
    expect(await main(["plan", "--config", config], io)).toBe(0);
    const text = out();
    expect(text).toMatch(/^Resilience plan: score [\d.]+ → [\d.]+, SPOFs \d+ → \d+/);
    expect(text).toContain("Phase 1: quick wins (this week)");
    expect(text.indexOf("Phase 1")).toBeLessThan(text.indexOf("Phase 2"));
    expect(text).toContain("Warm standby with consistent SQLite replication");
    expect(text).toContain("Hosts the plan needs you to provide");
  });

  test("markdown uses headings and tables", async () => {
    const { io, out } = capture();
    expect(await main(["plan", "--config", config, "--format", "markdown"], io)).toBe(0);
    expect(out()).toContain("## Phase 2: core resilience (this month)");
    expect(out()).toContain("| Remedy | For (SPOF) | Changes | Recovery after | Effort | Score |");
  });

  test("a bad format or a missing config is exit 2 with a message", async () => {
    const bad = capture();
    expect(await main(["plan", "--config", config, "--format", "yaml"], bad.io)).toBe(2);
    expect(bad.err()).toContain('--format must be one of table, json, markdown, nix, got "yaml"');
    const missing = capture();
    expect(await main(["plan", "--config", join(dir, "nope.yaml")], missing.io)).toBe(2);
    expect(missing.err()).toContain("no such file");
  });
});
