// The mount kind: a path is a live mount point (listed in /proc/self/mountinfo, or on another device
// than its parent) that answers stat/statfs in time. The looking is done by a child process that is
// killed on timeout: a hung NFS mount blocks stat() in the kernel and would otherwise hang the agent.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { isAbsolute } from "node:path";
import { z } from "zod";
import { formatDuration } from "../config/duration.js";
import { defineProbe } from "./probe.js";
import { MOUNT_CHILD_SCRIPT } from "./mount-child.js";
import type { MountReport } from "./mount-child.js";
import { failed, passed, raceAbort, stopwatch } from "./result.js";

const pathSchema = z
  .string()
  .describe("The mount point, an absolute path.")
  .refine((path) => isAbsolute(path), { message: 'expected an absolute path such as "/mnt/media"' });

const mountObjectSchema = z.strictObject({
  path: pathSchema,
  fstype: z.string().optional().describe('The file system type expected there, e.g. "nfs4" or "cifs" (as /proc/self/mountinfo names it).'),
});

export const mountSchema = z
  .union([pathSchema.transform((path) => mountObjectSchema.parse({ path })), mountObjectSchema])
  .describe('A mount check: an absolute path, or { path, fstype }.');

export type MountSpec = z.output<typeof mountSchema>;

/** Starts the child that inspects `path`; replaceable so tests can stand in a child that never answers. */
export type MountChildSpawner = (path: string) => ChildProcess;

export const spawnMountChild: MountChildSpawner = (path) =>
  spawn(process.execPath, ["-e", MOUNT_CHILD_SCRIPT, "--", path], { stdio: ["ignore", "pipe", "ignore"] });

/** Runs the child; resolves with its report, or undefined when it exits without one. */
function inspect(path: string, spawnChild: MountChildSpawner, signal: AbortSignal): Promise<MountReport | undefined> {
  return new Promise((resolve) => {
    const child = spawnChild(path);
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

export function createMountProbe(spawnChild: MountChildSpawner) {
  return defineProbe({
    kind: "mount",
    schema: mountSchema,
    describe: (spec) => `mount ${spec.path}`,
    async run(spec, ctx) {
      const elapsed = stopwatch();
      const target = `mount ${spec.path}`;
      const report = await raceAbort<MountReport | "hung" | undefined>(ctx.signal, inspect(spec.path, spawnChild, ctx.signal), () => "hung" as const);
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
      return passed(`${target} is mounted${report.fstype ? ` (${report.fstype}${report.source ? ` from ${report.source}` : ""})` : ""} and answers.`, latencyMs, details);
    },
  });
}

export const mount = createMountProbe(spawnMountChild);
