// contrib/understudy.service, the unit for hosts without NixOS, checked by systemd's own parser
// (`systemd-analyze verify` works without systemd running as PID 1) and for the hardening it promises.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { requireBinaries } from "./helpers/binaries.js";

const unitText = readFileSync(join(import.meta.dirname, "..", "..", "contrib", "understudy.service"), "utf8");
const dir = mkdtempSync(join(tmpdir(), "understudy-unit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The [Service] section's assignments, as key → values (a key may repeat). */
function serviceKeys(text: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  let section = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1]!;
    else if (section === "Service") {
      const at = line.indexOf("=");
      keys.set(line.slice(0, at), [...(keys.get(line.slice(0, at)) ?? []), line.slice(at + 1)]);
    }
  }
  return keys;
}

describe("contrib/understudy.service", () => {
  it("runs the agent on /etc/understudy/understudy.yaml, reloads with SIGHUP, restarts on failure", () => {
    const keys = serviceKeys(unitText);
    expect(keys.get("ExecStart")).toEqual(["/usr/bin/understudy agent --config /etc/understudy/understudy.yaml"]);
    expect(keys.get("ExecReload")).toEqual(["/bin/kill -HUP $MAINPID"]);
    expect(keys.get("Restart")).toEqual(["on-failure"]);
  });

  it("is hardened: dynamic user, state directory, no capabilities, read-only system, restricted families and syscalls", () => {
    const keys = serviceKeys(unitText);
    expect(Object.fromEntries([...keys].filter(([key]) => [
      "DynamicUser", "StateDirectory", "CapabilityBoundingSet", "NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp", "RestrictAddressFamilies", "SystemCallFilter",
    ].includes(key)))).toEqual({
      DynamicUser: ["yes"],
      StateDirectory: ["understudy"],
      CapabilityBoundingSet: [""],
      NoNewPrivileges: ["yes"],
      ProtectSystem: ["strict"],
      ProtectHome: ["yes"],
      PrivateTmp: ["yes"],
      RestrictAddressFamilies: ["AF_INET AF_INET6 AF_UNIX AF_NETLINK"],
      SystemCallFilter: ["@system-service"],
    });
    // The credential examples are there, commented, in the form systemd expects.
    expect(unitText).toMatch(/^#LoadCredential=understudy-ntfy:\/etc\/understudy\/secrets\/ntfy-token$/m);
  });

  describe.skipIf(!requireBinaries("systemd", "systemd-analyze"))("systemd-analyze verify", () => {
    const bin = join(dir, "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "understudy"), "#!/bin/sh\n");
    chmodSync(join(bin, "understudy"), 0o755);

    function verify(text: string) {
      const file = join(dir, "understudy.service");
      // verify refuses a missing executable: the test's stand-in takes /usr/bin/understudy's place.
      writeFileSync(file, text.replace("/usr/bin/understudy", join(bin, "understudy")));
      return spawnSync("systemd-analyze", ["verify", file], { encoding: "utf8" });
    }

    it("accepts the unit as shipped, without a single warning", () => {
      const result = verify(unitText);
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
    });

    it("accepts it with the LoadCredential examples and the ping capability switched on", () => {
      const edited = unitText
        .replace(/^#LoadCredential=/gm, "LoadCredential=")
        .replace(/^CapabilityBoundingSet=$/m, "CapabilityBoundingSet=CAP_NET_RAW\nAmbientCapabilities=CAP_NET_RAW");
      expect(serviceKeys(edited).get("LoadCredential")).toHaveLength(2);
      const result = verify(edited);
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
    });

    it("is a real check: a misspelt key is reported", () => {
      const result = verify(unitText.replace("ProtectHome=yes", "ProtectHomes=yes"));
      expect(result.stderr).toMatch(/Unknown key 'ProtectHomes'/);
    });
  });
});
