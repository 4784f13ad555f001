// Which process owns a failover run or a drill, so that another process (the agent restarted while a
// person's `understudy failover` runs, a second CLI) never resumes work that is still being done. A
// process is named by host and pid, and on Linux also by the kernel's boot id and the process's start
// time (/proc/<pid>/stat), so a pid reused after a crash or a reboot is not taken for the owner.
import { readFileSync } from "node:fs";
import { hostname } from "node:os";

export interface Owner {
  host: string;
  pid: number;
  /** /proc/sys/kernel/random/boot_id when it was recorded (absent off Linux). */
  boot?: string | undefined;
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat field 22). */
  since?: number | undefined;
}

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
};

const bootId = (): string | undefined => read("/proc/sys/kernel/random/boot_id")?.trim() || undefined;

function startTicks(pid: number): number | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so count from the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const value = Number(fields[19]);
  return Number.isFinite(value) ? value : undefined;
}

/** A process on this host as an owner (tests name a child process this way). */
export const ownerOf = (pid: number): Owner => ({ host: hostname(), pid, boot: bootId(), since: startTicks(pid) });

export const currentOwner = (): Owner => ownerOf(process.pid);

export const isSelf = (owner: Owner): boolean => owner.host === hostname() && owner.pid === process.pid;

/**
 * Whether the owner still runs: true or false on this host; undefined when it was another host (nothing
 * here can tell). A different boot, or a pid now held by a process that started at another time, is not
 * the owner.
 */
export function ownerAlive(owner: Owner): boolean | undefined {
  if (owner.host !== hostname()) return undefined;
  if (owner.boot !== undefined && bootId() !== undefined && owner.boot !== bootId()) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  if (owner.since !== undefined) {
    const since = startTicks(owner.pid);
    if (since !== undefined && since !== owner.since) return false;
  }
  return true;
}
