// rsync between the agent and a host (local or over SSH with the pinned key, see ssh-command.ts), with
// its delta transfer: only the blocks that differ from the file already at the destination cross the
// link. Never --inplace: rsync writes a temporary file beside the destination and renames it, so a
// reader sees the old file or the new one. Returns the bytes rsync counted on the wire (--stats).
import { runLocal } from "./local-host.js";
import { hostFailure, isHostFailure } from "./host-access.js";
import type { HostAccess, HostFailure } from "./host-access.js";

export interface RsyncSide {
  access: HostAccess;
  path: string;
}

export interface RsyncResult {
  ok: true;
  /** Bytes the local rsync sent and received (file data, checksums, file lists). */
  sent: number;
  received: number;
}

const count = (stats: string, label: string): number => Number(new RegExp(`${label}: ([\\d,.]+)`).exec(stats)?.[1]?.replace(/[,.]/g, "") ?? 0);

async function spec(side: RsyncSide | string): Promise<{ arg: string; shell?: string | undefined; remote: boolean } | HostFailure> {
  if (typeof side === "string") return { arg: side, remote: false };
  const transport = await side.access.rsyncTransport();
  if (isHostFailure(transport)) return transport;
  return { arg: `${transport.prefix}${side.path}`, shell: transport.shell, remote: transport.prefix !== "" };
}

/** rsync -a from one side to the other; at most one side may be over SSH. */
export async function rsync(options: { from: RsyncSide | string; to: RsyncSide | string; args?: readonly string[]; timeoutMs: number; signal?: AbortSignal | undefined }): Promise<RsyncResult | HostFailure> {
  const from = await spec(options.from);
  if (isHostFailure(from)) return from;
  const to = await spec(options.to);
  if (isHostFailure(to)) return to;
  if (from.remote && to.remote) throw new Error("bug: rsync between two remote hosts; relay through the agent");
  const shell = from.shell ?? to.shell;
  const ioTimeout = Math.max(5, Math.ceil(options.timeoutMs / 1000));
  const argv = ["rsync", "-a", "--numeric-ids", "--stats", `--timeout=${ioTimeout}`, ...(shell ? ["-e", shell] : []), ...(options.args ?? []), from.arg, to.arg];
  const where = typeof options.to === "string" ? (typeof options.from === "string" ? "the agent" : options.from.access.host) : options.to.access.host;
  const result = await runLocal("the agent", argv, { timeoutMs: options.timeoutMs, signal: options.signal });
  if (!result.ok) return result;
  const stderr = result.stderr.trim().split("\n").slice(-3).join(" / ");
  // 24: some source files vanished while the tree was read (a live folder): what exists was copied.
  if (result.code === 0 || result.code === 24) {
    const stats = result.stdout.toString();
    return { ok: true, sent: count(stats, "Total bytes sent"), received: count(stats, "Total bytes received") };
  }
  if (result.code === 255 || result.code === 12 || result.code === 10) return hostFailure("unreachable", `rsync to/from ${where} could not connect (exit ${result.code}): ${stderr}`);
  if (result.code === 30 || result.code === 35) return hostFailure("timeout", `rsync to/from ${where} timed out (exit ${result.code}): ${stderr}`);
  return hostFailure("command", `rsync ${typeof options.from === "string" ? options.from : `${options.from.access.host}:${options.from.path}`} → ${typeof options.to === "string" ? options.to : `${options.to.access.host}:${options.to.path}`} failed (exit ${result.code}): ${stderr}`);
}
