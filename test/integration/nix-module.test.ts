// The NixOS module (nix/module.nix) as the real Nix evaluator sees it: it parses, and evaluated against
// the stub of lib/pkgs in nix/test/eval.nix (nixpkgs is not available offline) it renders the config
// and a unit that the real systemd parser accepts. Needs Debian's nix-bin (and systemd for verify).
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { requireBinaries } from "./helpers/binaries.js";

const root = join(import.meta.dirname, "..", "..");
const moduleFile = join(root, "nix", "module.nix");
const evalFile = join(root, "nix", "test", "eval.nix");

interface Evaluated {
  assertions: { assertion: boolean; message: string }[];
  etc: Record<string, string>;
  settings: unknown;
  firewall: number[] | null;
  unit: { service: string[]; text: string; path: string[]; environment: Record<string, string>; reloadTriggers: string[] };
}

// The tests only parse and evaluate: nothing is built, so no build users are needed. Without this a
// machine where nix-bin came without nix-setup-systemd (no `nixbld` group) gets a warning on every call.
const nixEnv = { ...process.env, NIX_CONFIG: "build-users-group =" };

function parse(file: string) {
  return spawnSync("nix-instantiate", ["--parse", file], { encoding: "utf8", env: nixEnv });
}

function evaluate(args: Record<string, boolean | string> = {}): Evaluated {
  const flags = Object.entries(args).flatMap(([name, value]) => (typeof value === "boolean" ? ["--arg", name, String(value)] : ["--argstr", name, value]));
  // `--arg` makes nix-instantiate call the file's function; the default scenario passes one explicitly.
  if (flags.length === 0) flags.push("--arg", "allowPing", "false");
  const json = execFileSync("nix-instantiate", ["--eval", "--strict", "--json", evalFile, ...flags], { encoding: "utf8", env: nixEnv });
  return JSON.parse(json) as Evaluated;
}

const dir = mkdtempSync(join(tmpdir(), "understudy-nix-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!requireBinaries("nix-bin", "nix-instantiate"))("nix/module.nix", () => {
  it("parses, with nothing on stderr", () => {
    const parsed = parse(moduleFile);
    expect(parsed.stderr).toBe("");
    expect(parsed.status).toBe(0);
  });

  it("the parse check catches a real syntax error in the module (file and line named)", () => {
    const lines = readFileSync(moduleFile, "utf8").split("\n");
    const at = lines.findIndex((line) => line.includes("="));
    lines[at] = lines[at]!.replace("=", "= ;");
    const broken = join(dir, "module.nix");
    writeFileSync(broken, lines.join("\n"));
    const parsed = parse(broken);
    expect(parsed.status).not.toBe(0);
    expect(parsed.stderr).toContain("syntax error");
    expect(parsed.stderr).toContain(`${broken}:${at + 1}:`);
  });

  it("renders the homelab's unit: ExecStart on the stable config path, the agenix credential, SIGHUP reload", () => {
    const { unit, assertions, etc, firewall } = evaluate();
    expect(assertions.filter((a) => !a.assertion)).toEqual([]);
    expect(unit.service).toContain("ExecStart=/nix/store/00000000000000000000000000000000-understudy-0.1.0/bin/understudy agent --config /etc/understudy/understudy.yaml --name 'vantage L001'");
    expect(unit.service).toContain("LoadCredential=understudy-ntfy:/run/agenix/understudy-ntfy");
    expect(unit.service).toContain("ExecReload=/nix/store/11111111111111111111111111111111-coreutils-9.5/bin/kill -HUP $MAINPID");
    expect(unit.service).toContain("StateDirectory=understudy");
    expect(unit.service).toContain("DynamicUser=true");
    expect(unit.service).toContain("ProtectSystem=strict");
    expect(unit.service).toContain("SystemCallFilter=@system-service");
    expect(unit.service).toContain("Restart=on-failure");
    // Without ping, no capability at all.
    expect(unit.service).toContain("CapabilityBoundingSet=");
    expect(unit.service.filter((line) => line.startsWith("AmbientCapabilities="))).toEqual([]);
    expect(unit.service.filter((line) => line.startsWith("RestrictAddressFamilies=")).map((line) => line.split("=")[1])).toEqual(["AF_INET", "AF_INET6", "AF_UNIX", "AF_NETLINK"]);
    // A changed config reloads instead of restarting.
    expect(unit.reloadTriggers).toEqual([etc["understudy/understudy.yaml"]]);
    expect(firewall).toEqual([8470]);
  });

  it("renders settings the agent's own loader accepts, with agents.listen filled in and the secret only referenced", () => {
    const { settings } = evaluate();
    const result = parseConfig(JSON.stringify(settings), "understudy.yaml (from nix)");
    if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join("\n"));
    expect(result.config.agents.listen).toBe("100.64.0.2:8470");
    expect(Object.keys(result.config.hosts)).toEqual(["H001", "H002", "H003", "L001", "O001"]);
    expect(result.config.notify[0]).toMatchObject({ ntfy: { token: "file:/run/credentials/understudy.service/understudy-ntfy" } });
  });

  it("allowPing adds exactly CAP_NET_RAW and puts ping on the PATH", () => {
    const { unit } = evaluate({ allowPing: true });
    expect(unit.service).toContain("CapabilityBoundingSet=CAP_NET_RAW");
    expect(unit.service).toContain("AmbientCapabilities=CAP_NET_RAW");
    expect(unit.path).toEqual(["/nix/store/22222222222222222222222222222222-iputils-20240905"]);
  });

  it("configFile replaces the rendered file: no /etc link, ExecStart names the file", () => {
    const { unit, etc, settings } = evaluate({ useConfigFile: true });
    expect(etc).toEqual({});
    expect(settings).toBeNull();
    expect(unit.service).toContain("ExecStart=/nix/store/00000000000000000000000000000000-understudy-0.1.0/bin/understudy agent --config /etc/understudy-custom.yaml --name 'vantage L001'");
  });

  it.skipIf(!requireBinaries("systemd", "systemd-analyze"))("the rendered unit passes systemd-analyze verify", () => {
    const bin = join(dir, "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "understudy"), "#!/bin/sh\n");
    chmodSync(join(bin, "understudy"), 0o755);
    for (const allowPing of [false, true]) {
      // The store paths do not exist here: point ExecStart and ExecReload at real executables.
      const { unit } = evaluate({ allowPing, package: dir, coreutils: "/usr" });
      const file = join(dir, "understudy.service");
      writeFileSync(file, unit.text);
      const verify = spawnSync("systemd-analyze", ["verify", file], { encoding: "utf8" });
      expect(verify.stderr).toBe("");
      expect(verify.status).toBe(0);
    }
  });
});
