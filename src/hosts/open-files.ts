// Which processes on a host have a file (or anything under a folder) open: the receiving side of
// replication asks before it renames over a replica, so a serving instance's database is never
// replaced under it. Read from /proc/<pid>/fd/* with one `ls -l` on the host (no lsof or fuser needed);
// an SQLite database counts as open when its -wal, -shm or -journal is. The paths are resolved on the
// host first (`realpath -m`), as /proc shows resolved paths. Processes whose fd folder the login user
// may not read (another user's, when not root) are not seen, which is why the README asks for root or
// the service's own user.

export interface OpenHolder {
  pid: number;
  command: string;
  /** The open file as /proc shows it ("… (deleted)" when it was unlinked while open). */
  file: string;
}

/**
 * The check as a shell fragment, for a script that acts in the same breath (replicate.ts checks and
 * renames in one round trip, so nothing starts on the data between the two). Expects the paths,
 * resolved (`realpath -m`), one per line in $roots; sets $held to a "pid command file" line per holder.
 */
export const HOLDERS_FRAGMENT = [
  "held=$(LC_ALL=C ls -l /proc/[0-9]*/fd/ 2>/dev/null | ROOTS=\"$roots\" awk '",
  '  BEGIN { n = split(ENVIRON["ROOTS"], R, "\\n") }',
  '  /^\\/proc\\/[0-9]+\\/fd\\/?:$/ { split($0, p, "/"); pid = p[3]; next }',
  '  { i = index($0, " -> "); if (i == 0 || pid == "") next; f = substr($0, i + 4); sub(/ \\(deleted\\)$/, "", f)',
  '    for (k = 1; k <= n; k++) { r = R[k]; if (r == "") continue',
  '      if (f == r || index(f, r "/") == 1 || f == r "-wal" || f == r "-shm" || f == r "-journal") { print pid " " f; break } } }\' |',
  '  while read -r pid file; do printf "%s %s %s\\n" "$pid" "$(cat "/proc/$pid/comm" 2>/dev/null || echo "?")" "$file"; done)',
].join("\n");

/** Reads HOLDERS_FRAGMENT's "pid command file" lines. */
export function parseHolders(text: string): OpenHolder[] {
  return text.split("\n").filter(Boolean).map((line) => {
    const [pid = "0", command = "?", ...file] = line.split(" ");
    return { pid: Number(pid), command, file: file.join(" ") };
  });
}

/** "pid 123 (headscale) has /var/lib/headscale/db.sqlite-wal open", for messages. */
export const describeHolders = (holders: readonly OpenHolder[]): string =>
  holders.slice(0, 3).map((holder) => `pid ${holder.pid} (${holder.command}) has ${holder.file} open`).join("; ") + (holders.length > 3 ? `; and ${holders.length - 3} more` : "");
