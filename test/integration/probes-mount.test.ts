// The mount kind against a real tmpfs mounted for the test (needs root, as CI runs), a plain
// directory, a missing path, and a hung stat. A hung NFS cannot be made here without FUSE or an NFS
// server, so the hang is simulated honestly at the level the probe sees it: the real checking child
// is started and then stopped with SIGSTOP before it can answer, exactly as a child blocked in the
// kernel looks to the agent. The probe must report "hung" and SIGKILL that child.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { createMountProbe, mount, spawnMountChild } from "../../src/probes/mount.js";
import type { ProbeResult } from "../../src/probes/probe.js";
import { makeTempDir } from "./helpers/temp-dir.js";
import type { TempDir } from "./helpers/temp-dir.js";
import { probeContext } from "./helpers/probe-context.js";
import type { TestContext } from "./helpers/probe-context.js";

let contexts: TestContext[] = [];
afterEach(() => {
  for (const context of contexts) context.stop();
  contexts = [];
});

async function probe(input: unknown, kind = mount, timeoutMs = 5_000): Promise<ProbeResult> {
  const context = probeContext({ timeoutMs });
  contexts.push(context);
  return kind.run(kind.schema.parse(input), context.ctx);
}

/** Mounting needs root (CAP_SYS_ADMIN); CI runs as root, so there a failure to mount fails the tests. */
function canMount(dir: string): boolean {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "understudy-test", dir], { stdio: "ignore" });
    return true;
  } catch {
    if (process.env.CI) throw new Error("CI must run the mount tests, but `mount -t tmpfs` failed: run them as root");
    console.warn("skipping the real-mount tests: `mount -t tmpfs` needs root");
    return false;
  }
}

describe("mount probe", () => {
  let temp: TempDir;
  let mounted = false;
  let mountPoint: string;
  beforeAll(async () => {
    temp = await makeTempDir();
    // A space in the name checks the decoding of /proc/self/mountinfo's escapes ("\040").
    mountPoint = join(temp.path, "media share");
    await mkdir(mountPoint);
    await mkdir(join(temp.path, "plain"));
    mounted = canMount(mountPoint);
  });
  afterAll(async () => {
    if (mounted) execFileSync("umount", [mountPoint]);
    await temp.stop();
  });

  it("passes for a live tmpfs mount and names its type", async (context) => {
    if (!mounted) context.skip();
    const result = await probe(mountPoint);
    expect(result).toMatchObject({ ok: true, details: { fstype: "tmpfs", source: "understudy-test" } });
    expect(result.message).toBe(`mount ${mountPoint} is mounted (tmpfs from understudy-test) and answers.`);
    const wrongType = await probe({ path: mountPoint, fstype: "nfs4" });
    expect(wrongType).toMatchObject({ ok: false, reason: "fstype" });
    expect(wrongType.message).toBe(`mount ${mountPoint} is mounted as tmpfs, expected nfs4.`);
  });

  it("fails for a plain directory and for a missing path", async () => {
    const plain = join(temp.path, "plain");
    expect(await probe(plain)).toMatchObject({ ok: false, reason: "not_mounted", message: `mount ${plain} is a plain directory, not a mount point.` });
    expect(await probe(join(temp.path, "absent"))).toMatchObject({ ok: false, reason: "missing" });
  });

  it("reports hung and kills the checking child when it does not answer", async () => {
    let child: ChildProcess | undefined;
    const stalled = createMountProbe((path) => {
      child = spawnMountChild(path);
      child.kill("SIGSTOP");
      return child;
    });
    const killed = () => new Promise<string | null>((resolve) => child!.once("exit", (_code, signal) => resolve(signal)));
    const result = await probe(join(temp.path, "plain"), stalled, 500);
    expect(result).toMatchObject({ ok: false, reason: "hung" });
    expect(result.message).toBe(`mount ${join(temp.path, "plain")} did not answer a stat within 500ms; the mount looks hung.`);
    const signal = child!.exitCode === null && child!.signalCode === null ? await killed() : child!.signalCode;
    expect(signal).toBe("SIGKILL");
  });
});
