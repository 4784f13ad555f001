// `understudy plan --nix` as the real Nix parser sees it: the seed's homelab's whole plan is one Nix
// expression that nix-instantiate --parse accepts, holding per step and host the NixOS settings the seed
// writes (services.cloudflared, security.acme with DNS-01, keepalived's vrrpInstances, soft NFS mounts,
// backups of the data paths, a standby's stopped unit). Needs Debian's nix-bin.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { requireBinaries } from "./helpers/binaries.js";

// Parse only: nothing is built, so no build users are needed (as in nix-module.test.ts).
const nixEnv = { ...process.env, NIX_CONFIG: "build-users-group =" };

const dir = mkdtempSync(join(tmpdir(), "understudy-plan-nix-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function planNix(argv: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const sink = () => new Writable({ write(chunk, _encoding, done) { out += String(chunk); done(); } });
  const code = await main(["plan", ...argv], { stdout: sink(), stderr: sink(), env: {} });
  return { code, out };
}

function parse(text: string, name: string) {
  const file = join(dir, name);
  writeFileSync(file, text);
  return spawnSync("nix-instantiate", ["--parse", file], { encoding: "utf8", env: nixEnv });
}

describe.skipIf(!requireBinaries("nix-bin", "nix-instantiate"))("understudy plan --nix", () => {
  it("the homelab's plan parses as one Nix expression, with the seed's settings on the right hosts", async () => {
    const { code, out } = await planNix(["--config", "examples/homelab.yaml", "--nix"]);
    expect(code).toBe(0);
    const parsed = parse(out, "homelab-plan.nix");
    expect(parsed.stderr).toBe("");
    expect(parsed.status).toBe(0);
    // The tunnel on both O001 and H001, the seed's ingress line.
    expect(out).toMatch(/"1-cloudflare-tunnel" = \{\n {4}O001 = \{ config, lib, pkgs, \.\.\. \}:[\s\S]*?services\.cloudflared = \{[\s\S]*?H001 = /);
    expect(out).toContain('"git.joshuabell.xyz" = "http://100.64.0.13:80";');
    expect(out).toContain('systemd.services."cloudflared-tunnel-joshuabell".environment.TUNNEL_METRICS = "100.64.0.13:20241";');
    // DNS-01 certificates, a stopped unit on the Headscale standby, keepalived, soft mounts, backups.
    expect(out).toContain('dnsProvider = "cloudflare";');
    expect(out).toMatch(/L002 = \{ config, lib, pkgs, \.\.\. \}:\n {4}\{\n[^}]*services\.headscale\.enable = true;\n\s*systemd\.services\.headscale\.wantedBy = lib\.mkForce \[ \];/);
    expect(out).toContain("vrrpInstances.router = {");
    expect(out).toContain('state = "BACKUP";');
    expect(out).toContain('fileSystems."/nfs/h002" = {');
    expect(out).toContain('options = [ "soft" "timeo=50" "retrans=3" "nofail" ];');
    expect(out).toContain('paths = [ "/var/lib/headscale/db.sqlite" "/var/lib/headscale/noise_private.key" "/var/lib/acme" ];');
  });

  it("--format nix is the same output, and the parse check does catch a broken expression", async () => {
    const viaFlag = await planNix(["--config", "examples/homelab.yaml", "--nix"]);
    const viaFormat = await planNix(["--config", "examples/homelab.yaml", "--format", "nix"]);
    expect(viaFormat.out).toBe(viaFlag.out);
    const broken = parse(viaFlag.out.replace("enable = true;", "enable = true"), "broken.nix");
    expect(broken.status).not.toBe(0);
    expect(broken.stderr).toContain("syntax error");
  });
});
