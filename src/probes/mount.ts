// The mount kind: a path is a live mount point (listed in /proc/self/mountinfo, or on another device
// than its parent) that answers stat/statfs in time. The looking is done by a child process that is
// killed on timeout: a hung NFS mount blocks stat() in the kernel and would otherwise hang the agent.
// `options` requires mount options (an NFS client's `soft`, `timeo=50`, `nofail`): see mount-options.ts.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import type { ChildProcess } from "node:child_process";
import { isAbsolute } from "node:path";
import { z } from "zod";
import { formatDuration } from "../config/duration.js";
import { defineProbe } from "./probe.js";
import { MOUNT_CHILD_SCRIPT } from "./mount-child.js";
import type { MountReport } from "./mount-child.js";
import { fstabOptions, isUserspaceOnly, missingOptions } from "./mount-options.js";
import { failed, passed, raceAbort, stopwatch } from "./result.js";

const pathSchema = z
  .string()
  .describe("The mount point, an absolute path.")
  .refine((path) => isAbsolute(path), { message: 'expected an absolute path such as "/mnt/media"' });

const mountObjectSchema = z.strictObject({
  path: pathSchema,
  fstype: z.string().optional().describe('The file system type expected there, e.g. "nfs4" or "cifs" (as /proc/self/mountinfo names it).'),
  options: z
    .array(z.string().min(1).regex(/^[^,\s]+$/, { message: 'one option per item, e.g. ["soft", "timeo=50"], without commas or spaces' }))
    .min(1)
    .optional()
    .describe(
      'Mount options the mount must have, e.g. ["soft", "timeo=50", "nofail"]: "name" is met by the flag or any name=value, "name=value" needs that value. `soft` fails on a hard mount. Options only mount(8) reads (nofail, noauto, _netdev, x-…) are looked for in /etc/fstab.',
    ),
});

export const mountSchema = z
  .union([pathSchema.transform((path) => mountObjectSchema.parse({ path })), mountObjectSchema])
  .describe('A mount check: an absolute path, or { path, fstype, options }.');

export type MountSpec = z.output<typeof mountSchema>;

/** Starts the child that inspects `path`; replaceable so tests can stand in a child that never answers. */
export type MountChildSpawner = (path: string, mountinfo?: string) => ChildProcess;

export const spawnMountChild: MountChildSpawner = (path, mountinfo = "/proc/self/mountinfo") =>
  spawn(process.execPath, ["-e", MOUNT_CHILD_SCRIPT, "--", path, mountinfo], { stdio: ["ignore", "pipe", "ignore"] });

/** Where the kind reads the kernel's and mount(8)'s view; tests hand it crafted files. */
export interface MountFiles {
  mountinfo: string;
  fstab: string;
}

const SYSTEM_FILES: MountFiles = { mountinfo: "/proc/self/mountinfo", fstab: "/etc/fstab" };

/** Runs the child; resolves with its report, or undefined when it exits without one. */
function inspect(path: string, mountinfo: string, spawnChild: MountChildSpawner, signal: AbortSignal): Promise<MountReport | undefined> {
  return new Promise((resolve) => {
    const child = spawnChild(path, mountinfo);
    let output = "";
    const abandon = () => {
      // SIGKILL takes effect once the kernel call returns; until then nothing may wait for the child.
      child.kill("SIGKILL");
      child.stdout?.destroy();
      child.unref();
    };
    signal.addEventListener("abort", abandon, { once: true });
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => (output += chunk));
    child.on("error", () => resolve(undefined));
    child.once("close", () => {
      signal.removeEventListener("abort", abandon);
      try {
        resolve(JSON.parse(output) as MountReport);
      } catch {
        resolve(undefined);
      }
    });
  });
}

/** The fstab entry's options for the mount, undefined when it has none or fstab cannot be read (a failure says so). */
async function readFstabOptions(fstab: string, mountPoints: string[]): Promise<string[] | undefined> {
  try {
    return fstabOptions(await readFile(fstab, "utf8"), mountPoints);
  } catch {
    return undefined;
  }
}

export function createMountProbe(spawnChild: MountChildSpawner, files: MountFiles = SYSTEM_FILES) {
  return defineProbe({
    kind: "mount",
    schema: mountSchema,
    describe: (spec) => `mount ${spec.path}`,
    async run(spec, ctx) {
      const elapsed = stopwatch();
      const target = `mount ${spec.path}`;
      const report = await raceAbort<MountReport | "hung" | undefined>(ctx.signal, inspect(spec.path, files.mountinfo, spawnChild, ctx.signal), () => "hung" as const);
      const latencyMs = elapsed();
      // For this kind a timeout means the stat did not come back: the mount is hung.
      if (report === "hung" || ctx.signal.aborted) {
        return failed("hung", `${target} did not answer a stat within ${formatDuration(ctx.timeoutMs)}; the mount looks hung.`, latencyMs);
      }
      if (report === undefined) return failed("error", `${target} could not be inspected: the checking process ended without a report.`, latencyMs);
      if ("error" in report) {
        const reason = report.error === "ENOENT" ? "missing" : "error";
        return failed(reason, `${target} could not be inspected: ${report.message}.`, latencyMs);
      }
      const details = { real_path: report.real, fstype: report.fstype, source: report.source };
      if (!report.mounted) return failed("not_mounted", `${target} is a plain ${report.directory ? "directory" : "file"}, not a mount point.`, latencyMs, details);
      if (spec.fstype !== undefined && report.fstype !== spec.fstype) {
        return failed("fstype", `${target} is mounted as ${report.fstype ?? "an unknown type"}, expected ${spec.fstype}.`, latencyMs, details);
      }
      if (spec.options !== undefined) {
        if (report.options === undefined) {
          return failed("options", `${target} is a mount point that ${files.mountinfo} does not list, so its options cannot be checked.`, latencyMs, details);
        }
        const fstab = spec.options.some(isUserspaceOnly) ? await readFstabOptions(files.fstab, [spec.path, report.real]) : undefined;
        const missing = missingOptions(spec.options, report.options, fstab, files.fstab);
        const withOptions = { ...details, options: report.options };
        if (missing.length > 0) return failed("options", `${target} is mounted with ${missing.join("; ")}.`, latencyMs, withOptions);
        return passed(`${target} is mounted (${report.fstype ?? "unknown type"}) with ${spec.options.join(", ")} and answers.`, latencyMs, withOptions);
      }
      return passed(`${target} is mounted${report.fstype ? ` (${report.fstype}${report.source ? ` from ${report.source}` : ""})` : ""} and answers.`, latencyMs, details);
    },
  });
}

export const mount = createMountProbe(spawnMountChild);
