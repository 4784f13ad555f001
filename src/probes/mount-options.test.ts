import { describe, expect, it } from "vitest";
import { fstabOptions, missingOptions } from "./mount-options.js";
import { mount } from "./mount.js";
import { zodMessages } from "../../test/integration/helpers/zod-messages.js";

const HARD_NFS = "rw,relatime,vers=4.2,rsize=1048576,hard,proto=tcp,timeo=600,retrans=2,sec=sys".split(",");
const SOFT_NFS = "rw,relatime,vers=4.2,soft,proto=tcp,timeo=50,retrans=3".split(",");

describe("mount options", () => {
  it("finds nothing missing when the kernel and fstab have every required option", () => {
    expect(missingOptions(["soft", "timeo=50", "retrans", "nofail"], SOFT_NFS, ["soft", "nofail"], "/etc/fstab")).toEqual([]);
  });

  it("says a hard mount is not soft, and which value a key has instead", () => {
    expect(missingOptions(["soft", "timeo=50", "noexec"], HARD_NFS, undefined, "/etc/fstab")).toEqual(["hard, not soft", "timeo=600, not timeo=50", "no noexec"]);
  });

  it("looks for options only mount(8) reads in fstab, and says when there is no entry", () => {
    expect(missingOptions(["nofail", "x-systemd.automount"], SOFT_NFS, ["soft", "_netdev"], "/etc/fstab")).toEqual(["no nofail in /etc/fstab", "no x-systemd.automount in /etc/fstab"]);
    expect(missingOptions(["nofail"], SOFT_NFS, undefined, "/etc/fstab")).toEqual(["no nofail (the kernel does not report it, and /etc/fstab has no entry for this mount)"]);
  });

  it("reads the last fstab entry for a mount point, with escapes and trailing slashes", () => {
    const fstab = [
      "# <file system> <mount point> <type> <options> <dump> <pass>",
      "nas:/media /mnt/media nfs4 hard 0 0",
      "nas:/media   /mnt/media/   nfs4   soft,timeo=50,nofail   0 0",
      "nas:/tv /mnt/tv\\040shows nfs4 defaults",
      "",
    ].join("\n");
    expect(fstabOptions(fstab, ["/mnt/media"])).toEqual(["soft", "timeo=50", "nofail"]);
    expect(fstabOptions(fstab, ["/mnt/tv shows"])).toEqual(["defaults"]);
    expect(fstabOptions(fstab, ["/mnt/other"])).toBeUndefined();
  });

  it("the mount schema takes options as a list and explains a comma-joined string", () => {
    expect(mount.schema.parse({ path: "/mnt/media", options: ["soft", "timeo=50"] })).toEqual({ path: "/mnt/media", options: ["soft", "timeo=50"] });
    expect(zodMessages(mount.schema, { path: "/mnt/media", options: ["soft,timeo=50"] })).toContain('options.0: one option per item, e.g. ["soft", "timeo=50"], without commas or spaces');
  });
});
