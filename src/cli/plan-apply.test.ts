// `understudy plan --apply` as a user runs it: the steps written into their own file with every comment
// kept, the diff shown, the result valid and scoring what the plan predicted; bad step names refused.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, test } from "vitest";
import { parse } from "yaml";
import { main } from "./main.js";
import type { Io } from "./io.js";
import { loadConfig } from "../config/load.js";
import { analyze } from "../analysis/analyze.js";
import { buildTopology } from "../model/topology.js";
import { findProbeKind } from "../probes/registry.js";

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const sink = (append: (text: string) => void) => new Writable({ write(chunk, _encoding, done) { append(String(chunk)); done(); } });
  const io: Io = { stdout: sink((text) => (out += text)), stderr: sink((text) => (err += text)), env: { COLUMNS: "80" } };
  const code = await main(argv, io);
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), "understudy-plan-apply-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Comments at the top, before sections, inline after values (aligned), inside a block list, and at the end.
const ORIGINAL = `# My homelab — hand-written, please keep this header
version: 1

hosts:
  # the VPSes
  O001: { address: 10.0.0.1, public: true }   # Oracle
  L001: { address: 10.0.0.2, public: true }   # Linode
  H001: { address: 10.0.0.3, site: home }     # the service host
  H003: { address: 10.0.0.4, site: home }     # the router

services:
  headscale:
    role: control-plane
    criticality: critical
    primary: L001
    standby: []                 # nothing can take over today
    recovery: { strategy: rebuild, rto: 2h }
    target: { rto: 5m }
    data:
      - sqlite: /var/lib/headscale/db.sqlite   # the one file that matters
  nginx:
    role: reverse-proxy     # the only way in
    criticality: high
    runs_on: [O001]
    checks:
      # what users see
      - http: https://git.example.org/
  forgejo: { role: app, criticality: high, runs_on: [H001], exposed_via: nginx }   # flow style, kept
  adguard:
    role: dns
    criticality: high
    runs_on: [H003]
    checks:
      - dns: { server: 10.0.0.4, name: git.example.org }

# trailing comment about agents
agents:
  quorum: 1   # one vantage point for now
`;

const COMMENTS = ORIGINAL.split("\n").filter((line) => line.includes("#")).map((line) => line.slice(line.indexOf("#")));

const input = join(dir, "understudy.yaml");
writeFileSync(input, ORIGINAL);

interface JsonPlan {
  score: { before: number; after: number };
  phases: Array<{ steps: Array<{ step: number; id: string; remedy_id: string; score_after: number; changes: Array<{ op: string; path: Array<string | number>; value?: unknown }> }> }>;
}

async function jsonPlan(file: string): Promise<JsonPlan> {
  const { code, out } = await run(["plan", "--config", file, "--format", "json"]);
  expect(code).toBe(0);
  return JSON.parse(out) as JsonPlan;
}

function analysed(file: string) {
  const loaded = loadConfig(file);
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join("\n"));
  return { config: loaded.config, analysis: analyze(buildTopology(loaded.config)) };
}

describe("understudy plan --apply", () => {
  test("--apply all --output: every comment kept, the diff printed, the file valid and scoring what the plan predicted", async () => {
    const predicted = await jsonPlan(input);
    const output = join(dir, "applied.yaml");
    const { code, out, err } = await run(["plan", "--config", input, "--apply", "all", "--output", output]);
    expect(err).toBe("");
    expect(code).toBe(0);
    const written = readFileSync(output, "utf8");
    for (const comment of COMMENTS) expect(written).toContain(comment);
    // Lines the plan does not touch are byte for byte the user's (alignment of inline comments included).
    expect(written).toContain("  O001: { address: 10.0.0.1, public: true }   # Oracle\n");
    expect(written).toContain("    standby: [L002]                 # nothing can take over today\n");
    // A flow-style service grows inside its braces: runs_on became primary, the standby next to it.
    expect(written).toContain("  forgejo: { role: app, criticality: high, primary: H001, standby: [H003], exposed_via: [nginx, cloudflared], recovery: { strategy: manual-failover, rto: 15m } }   # flow style, kept\n");
    // The diff: headers, hunks, the new host added and the old placement removed.
    expect(out).toMatch(/^--- a\/.*understudy\.yaml\n\+\+\+ b\/.*applied\.yaml\n@@ -\d+,\d+ \+\d+,\d+ @@\n/);
    expect(out).toMatch(/^\+ {2}L002: \{ address: l002\.invalid, public: true, description: "NEW, added by understudy plan: /m);
    expect(out).toContain("-    runs_on: [O001]\n");
    expect(out).toContain(`Wrote ${output}.`);
    // Valid, and the analysis of the written file is the plan's prediction.
    const { analysis } = analysed(output);
    expect(analysis.score.value).toBe(predicted.score.after);
    expect(analysis.score.value).toBeGreaterThan(predicted.score.before);
    expect(out).toContain(`score ${predicted.score.before} → ${predicted.score.after}`);
    // The input is untouched.
    expect(readFileSync(input, "utf8")).toBe(ORIGINAL);
  });

  test("the remedies' checks are in the written file: tunnel replicas, certificates on the standby, the secondary resolver", async () => {
    const output = join(dir, "checks.yaml");
    expect((await run(["plan", "--config", input, "--apply", "all", "--output", output])).code).toBe(0);
    const { config } = analysed(output);
    const checks = (service: string) => config.services[service]!.checks.map((check) => check as Record<string, unknown>);
    expect(checks("cloudflared").map((check) => [check.on, check.cloudflared])).toEqual([
      ["O001", { url: "http://10.0.0.1:20241", min_connections: 1 }],
      ["H001", { url: "http://10.0.0.3:20241", min_connections: 1 }],
    ]);
    // DNS-01 certificates on the standby proxy: a tls check there for the public name.
    expect(config.services.nginx!.standby).toEqual(["H001"]);
    expect(checks("nginx")).toContainEqual(expect.objectContaining({ on: "H001", tls: expect.objectContaining({ host: "10.0.0.3", servername: "git.example.org" }) }));
    // The secondary resolver answers the primary's question.
    const secondary = config.services.adguard!.runs_on![1]!;
    expect(checks("adguard")).toContainEqual(expect.objectContaining({ on: secondary, dns: expect.objectContaining({ server: { host: config.hosts[secondary]!.address, port: 53 }, name: "git.example.org" }) }));
    // The dhcp check only when the dhcp kind is registered (another engineer is adding it).
    const dhcp = checks("adguard").filter((check) => check.dhcp !== undefined).map((check) => check.dhcp);
    if (findProbeKind("dhcp") === undefined) expect(dhcp).toEqual([]);
    else expect(dhcp).toEqual([expect.objectContaining({ expect: expect.objectContaining({ dns_servers: ["10.0.0.4", config.hosts[secondary]!.address] }) })]);
  });

  test("a subset: step 1 alone scores what the plan says of step 1", async () => {
    const predicted = await jsonPlan(input);
    const first = predicted.phases[0]!.steps[0]!;
    const output = join(dir, "first.yaml");
    const { code, out } = await run(["plan", "--config", input, "--apply", first.id, "--output", output]);
    expect(code).toBe(0);
    expect(out).toContain("Applied step 1.");
    expect(analysed(output).analysis.score.value).toBe(first.score_after);
  });

  test("without --output nothing is written; --output naming the input overwrites it", async () => {
    const copy = join(dir, "copy.yaml");
    writeFileSync(copy, ORIGINAL);
    const dry = await run(["plan", "--config", copy, "--apply", "1"]);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain("+  cloudflared:");
    expect(dry.out).toContain("Not written: add --output FILE");
    expect(readFileSync(copy, "utf8")).toBe(ORIGINAL);
    const inPlace = await run(["plan", "--config", copy, "--apply", "1", "--output", copy]);
    expect(inPlace.code).toBe(0);
    expect(readFileSync(copy, "utf8")).toContain("  cloudflared:\n");
  });

  test("an unknown step: exit 2, the name and the plan's steps in the message, nothing written", async () => {
    const output = join(dir, "never.yaml");
    const { code, err } = await run(["plan", "--config", input, "--apply", "1", "cloudflare-tunel", "99", "--output", output]);
    expect(code).toBe(2);
    expect(err).toContain('no step "cloudflare-tunel", "99" in the plan; its steps are 1 cloudflare-tunnel, 2 ');
    expect(err).not.toMatch(/\n\s+at /);
    expect(existsSync(output)).toBe(false);
  });

  test("--output without --apply is a usage error", async () => {
    const { code, err } = await run(["plan", "--config", input, "--output", join(dir, "x.yaml")]);
    expect(code).toBe(2);
    expect(err).toContain("--output needs --apply");
  });
});

describe("understudy plan --format json", () => {
  test("each step carries its config change: the paths and values it adds or changes, as written in the file", async () => {
    const plan = await jsonPlan(input);
    const steps = plan.phases.flatMap((phase) => phase.steps);
    const tunnel = steps.find((step) => step.remedy_id === "cloudflare-tunnel")!;
    expect(tunnel.changes).toContainEqual({ op: "set", path: ["services", "cloudflared"], value: expect.objectContaining({ role: "tunnel", runs_on: ["O001", "H001"] }) });
    expect(tunnel.changes).toContainEqual({ op: "append", path: ["services", "forgejo", "exposed_via"], value: "cloudflared" });
    const standby = steps.find((step) => step.remedy_id === "control-plane-warm-standby")!;
    expect(standby.changes).toContainEqual({ op: "set", path: ["services", "headscale", "recovery"], value: { strategy: "automatic-failover", rto: "1m" } });
    expect(standby.changes).toContainEqual({ op: "set", path: ["hosts", "L002"], value: expect.objectContaining({ address: "l002.invalid" }) });
    // The values are the file's own spelling, so a script can write them as they are.
    expect(parse(JSON.stringify(standby.changes))).toEqual(standby.changes);
  });
});

describe("the seed's homelab with the whole plan applied", () => {
  test("the written file scores what the plan predicted, keeps the example's comments, and carries the remedies' checks", async () => {
    const example = "examples/homelab.yaml";
    const predicted = await jsonPlan(example);
    const output = join(dir, "homelab-applied.yaml");
    const { code, out } = await run(["plan", "--config", example, "--apply", "all", "--output", output]);
    expect(code).toBe(0);
    const { config, analysis } = analysed(output);
    expect(analysis.score.value).toBe(predicted.score.after);
    expect(analysis.spofs.map((spof) => spof.component)).toEqual(["H002", "nfs"]);
    expect(out).toContain(`SPOFs 14 → ${analysis.spofs.length}`);
    const original = readFileSync(example, "utf8");
    const written = readFileSync(output, "utf8");
    for (const line of original.split("\n").filter((text) => text.trimStart().startsWith("#"))) expect(written).toContain(`${line}\n`);
    const checks = (service: string) => config.services[service]!.checks.map((check) => check as Record<string, unknown>);
    expect(checks("cloudflared").map((check) => check.on)).toEqual(["O001", "H001"]);
    expect(checks("nginx")).toContainEqual(expect.objectContaining({ on: "H001", tls: expect.objectContaining({ host: "100.64.0.13", servername: "git.joshuabell.xyz" }) }));
    expect(checks("adguard")).toContainEqual(expect.objectContaining({ on: "H002", dns: expect.objectContaining({ name: "git.joshuabell.xyz" }) }));
    expect(checks("nfs-client")[0]).toEqual(expect.objectContaining({ mount: { path: "/nfs/h002", fstype: "nfs4", options: ["soft", "nofail"] } }));
    // The DHCP server is asked for both resolvers, when the dhcp kind is registered.
    const dhcp = checks("dhcp").map((check) => check.dhcp);
    if (findProbeKind("dhcp") === undefined) expect(dhcp).toEqual([]);
    else expect(dhcp).toEqual([expect.objectContaining({ expect: expect.objectContaining({ dns_servers: ["10.12.14.1", "100.64.0.3"] }) })]);
  });
});
