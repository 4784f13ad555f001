// Which processes on a host have a file (or anything under a folder) open: the receiving side of
// replication asks before it renames over a replica, so a serving instance's database is never
// replaced under it. Read from /proc/<pid>/fd/* with one `ls -l` on the host (no lsof or fuser needed);
// an SQLite database counts as open when its -wal, -shm or -journal is. The paths are resolved on the
// host first (`realpath -m`), as /proc shows resolved paths. Processes whose fd folder we may not read
// (another user's, when not root) are counted in `unreadable`: the check sees only what the login
// user may see, which is why the README asks for root or the service's own user.
import { commandFailure, isHostFailure } from "./host-access.js";
import type { HostAccess, HostFailure } from "./host-access.js";

export interface OpenHolder {
  pid: number;
  command: string;
  /** The open file as /proc shows it ("… (deleted)" when it was unlinked while open). */
  file: string;
}

const SCRIPT = 'for p in "$@"; do realpath -m -- "$p"; done; echo "--- understudy fds"; LC_ALL=C ls -l /proc/[0-9]*/fd/ 2>&1; true';

function matches(file: string, roots: readonly string[]): boolean {
  const path = file.replace(/ \(deleted\)$/, "");
  return roots.some((root) => path === root || path.startsWith(`${root}/`) || ["-wal", "-shm", "-journal"].some((suffix) => path === `${root}${suffix}`));
}

export async function openHolders(access: HostAccess, paths: readonly string[], options: { timeoutMs?: number; signal?: AbortSignal | undefined } = {}): Promise<{ ok: true; holders: OpenHolder[]; unreadable: number } | HostFailure> {
  const argv = ["sh", "-c", SCRIPT, "sh", ...paths];
  const result = await access.run(argv, { timeoutMs: options.timeoutMs ?? 30_000, signal: options.signal });
  if (isHostFailure(result)) return result;
  const text = result.stdout.toString();
  const marker = text.indexOf("--- understudy fds\n");
  if (result.code !== 0 || marker < 0) return commandFailure(access, ["realpath", "/ ls -l /proc/*/fd"], result);
  const roots = text.slice(0, marker).split("\n").filter(Boolean);
  const holders: OpenHolder[] = [];
  let unreadable = 0;
  let pid = 0;
  for (const line of text.slice(marker).split("\n")) {
    const header = /^\/proc\/(\d+)\/fd\/?:$/.exec(line);
    if (header) {
      pid = Number(header[1]);
      continue;
    }
    if (/Permission denied/.test(line)) unreadable += 1;
    const arrow = line.indexOf(" -> ");
    if (arrow < 0 || pid === 0) continue;
    const file = line.slice(arrow + 4);
    if (matches(file, roots) && !holders.some((holder) => holder.pid === pid && holder.file === file)) holders.push({ pid, command: "", file });
  }
  if (holders.length > 0) {
    const pids = [...new Set(holders.map((holder) => String(holder.pid)))];
    const names = await access.run(["sh", "-c", 'for p; do printf "%s " "$p"; cat "/proc/$p/comm" 2>/dev/null || echo "?"; done', "sh", ...pids], { timeoutMs: options.timeoutMs ?? 30_000, signal: options.signal });
    const comm = new Map(isHostFailure(names) ? [] : names.stdout.toString().split("\n").map((line) => [Number(line.split(" ")[0]), line.slice(line.indexOf(" ") + 1)] as const));
    for (const holder of holders) holder.command = comm.get(holder.pid) ?? "?";
  }
  return { ok: true, holders, unreadable };
}

/** "pid 123 (headscale) has /var/lib/headscale/db.sqlite-wal open", for messages. */
export const describeHolders = (holders: readonly OpenHolder[]): string =>
  holders.slice(0, 3).map((holder) => `pid ${holder.pid} (${holder.command}) has ${holder.file} open`).join("; ") + (holders.length > 3 ? `; and ${holders.length - 3} more` : "");
