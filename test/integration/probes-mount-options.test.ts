// The mount kind's `options`: against crafted /proc/self/mountinfo and /etc/fstab files (an NFS
// mount's lines as the kernel writes them, hard and soft), and against a real tmpfs mounted with
// options inside a mount namespace the test creates (`unshare -m`, needs root), where the real
// checking child runs and reads the real /proc/self/mountinfo.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createMountProbe, spawnMountChild } from "../../src/probes/mount.js";
import type { MountChildSpawner } from "../../src/probes/mount.js";
import { MOUNT_CHILD_SCRIPT } from "../../src/probes/mount-child.js";
import type { ProbeResult } from "../../src/probes/probe.js";
import { requireBinaries, requireRoot } from "./helpers/binaries.js";
import { makeTempDir } from "./helpers/temp-dir.js";
import type { TempDir } from "./helpers/temp-dir.js";
import { probeContext } from "./helpers/probe-context.js";
import type { TestContext } from "./helpers/probe-context.js";

let contexts: TestContext[] = [];
afterEach(() => {
  for (const context of contexts) context.stop();
  contexts = [];
});

let temp: TempDir;
beforeAll(async () => {
  temp = await makeTempDir();
});
afterAll(() => temp.stop());

async function probe(kind: ReturnType<typeof createMountProbe>, input: unknown): Promise<ProbeResult> {
  const context = probeContext();
  contexts.push(context);
  return kind.run(kind.schema.parse(input), context.ctx);
}

/** A mountinfo line for an NFS 4.2 mount at `point` with the given super-block options, as the kernel prints one. */
const nfsLine = (point: string, superOptions: string) =>
  `812 29 0:75 / ${point.replace(/ /g, "\\040")} rw,relatime shared:420 - nfs4 10.12.14.2:/export/media ${superOptions}`;

describe("mount options against crafted mountinfo and fstab files", () => {
  let media: string;
  let files: { mountinfo: string; fstab: string };
  beforeAll(async () => {
    media = join(temp.path, "media share");
    await mkdir(media);
    files = { mountinfo: join(temp.path, "mountinfo"), fstab: join(temp.path, "fstab") };
  });

  async function given(superOptions: string, fstabOptions: string): Promise<ReturnType<typeof createMountProbe>> {
    await writeFile(files.mountinfo, `25 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n${nfsLine(media, superOptions)}\n`);
    await writeFile(files.fstab, `/dev/sda1 / ext4 defaults 0 1\n10.12.14.2:/export/media ${media.replace(/ /g, "\\040")} nfs4 ${fstabOptions} 0 0\n`);
    return createMountProbe(spawnMountChild, files);
  }

  it("fails a hard NFS mount when soft, timeo=50 and nofail are required, naming each miss", async () => {
    const kind = await given("rw,vers=4.2,rsize=1048576,wsize=1048576,namlen=255,hard,proto=tcp,timeo=600,retrans=2,sec=sys,clientaddr=10.12.14.13,local_lock=none,addr=10.12.14.2", "defaults,_netdev");
    const result = await probe(kind, { path: media, fstype: "nfs4", options: ["soft", "timeo=50", "nofail"] });
    expect(result).toMatchObject({ ok: false, reason: "options", details: { fstype: "nfs4", source: "10.12.14.2:/export/media" } });
    expect(result.message).toBe(`mount ${media} is mounted with hard, not soft; timeo=600, not timeo=50; no nofail in ${files.fstab}.`);
  });

  it("passes a soft NFS mount with timeo=50 whose fstab entry says nofail", async () => {
    const kind = await given("rw,vers=4.2,soft,proto=tcp,timeo=50,retrans=3,sec=sys", "soft,timeo=50,retrans=3,nofail,_netdev");
    const result = await probe(kind, { path: media, options: ["soft", "timeo=50", "retrans", "nofail", "relatime"] });
    expect(result).toMatchObject({ ok: true });
    expect(result.message).toBe(`mount ${media} is mounted (nfs4) with soft, timeo=50, retrans, nofail, relatime and answers.`);
  });

  it("fails when nofail is required and fstab has no entry for the mount", async () => {
    const kind = await given("rw,vers=4.2,soft,timeo=50", "soft,nofail");
    await writeFile(files.fstab, "/dev/sda1 / ext4 defaults 0 1\n");
    const result = await probe(kind, { path: media, options: ["nofail"] });
    expect(result).toMatchObject({ ok: false, reason: "options" });
    expect(result.message).toContain(`no nofail (the kernel does not report it, and ${files.fstab} has no entry for this mount)`);
  });
});

const canNamespace = requireBinaries("util-linux", "unshare", "mount") && requireRoot("a tmpfs mount in a new mount namespace");

describe.skipIf(!canNamespace)("mount options of a real tmpfs in a test-created mount namespace", () => {
  let point: string;
  let fstab: string;
  /** Runs the real checking child inside a private mount namespace where `point` is a tmpfs with `options`. */
  const inNamespace =
    (options: string): MountChildSpawner =>
    (path, mountinfo = "/proc/self/mountinfo") =>
      spawn(
        "unshare",
        ["-m", "--propagation", "private", "sh", "-c", 'mount -t tmpfs -o "$1" understudy-ns "$2" && exec "$3" -e "$4" -- "$2" "$5"', "sh", options, path, process.execPath, MOUNT_CHILD_SCRIPT, mountinfo],
        { stdio: ["ignore", "pipe", "ignore"] },
      );
  beforeAll(async () => {
    point = join(temp.path, "scratch");
    await mkdir(point);
    fstab = join(temp.path, "fstab-real");
    await writeFile(fstab, `understudy-ns ${point} tmpfs size=1m,noexec,nofail 0 0\n`);
  });

  it("passes when the mount has the required options, from the kernel and from fstab", async () => {
    const kind = createMountProbe(inNamespace("size=1m,noexec,nosuid"), { mountinfo: "/proc/self/mountinfo", fstab });
    const result = await probe(kind, { path: point, fstype: "tmpfs", options: ["noexec", "nosuid", "size=1024k", "nofail"] });
    expect(result).toMatchObject({ ok: true, details: { fstype: "tmpfs", source: "understudy-ns" } });
    expect(result.details?.options).toEqual(expect.arrayContaining(["noexec", "nosuid", "size=1024k"]));
  });

  it("fails when the real mount lacks an option or has another value", async () => {
    const kind = createMountProbe(inNamespace("size=2m"), { mountinfo: "/proc/self/mountinfo", fstab });
    const result = await probe(kind, { path: point, options: ["noexec", "size=1024k", "ro"] });
    expect(result).toMatchObject({ ok: false, reason: "options" });
    expect(result.message).toBe(`mount ${point} is mounted with no noexec; size=2048k, not size=1024k; rw, not ro.`);
  });

  it("the host's own namespace never saw the mount", async () => {
    const result = await probe(createMountProbe(spawnMountChild), { path: point });
    expect(result).toMatchObject({ ok: false, reason: "not_mounted" });
  });
});
