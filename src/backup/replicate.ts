// Ships a snapshot held on the agent (the replication cache, see host-snapshot.ts) to a host that does
// not serve the service, with rsync's delta transfer against the replica already there.
//
// Each item goes first into a staging folder beside its destination (`.understudy-incoming-<service>/`),
// with --link-dest on the destination's folder: unchanged files are hard links, changed ones are
// rebuilt from the old replica plus the blocks that differ. Only when every item has arrived does the
// receiving side look at who has the destinations open (/proc, see hosts/open-files.ts), in the same
// script that renames: if any process has the database, its -wal/-shm or any replicated file open, a
// service is running on that copy and the shipment is refused, the staging removed, and nothing under
// the service touched. Else each item is renamed into place (a folder swapped through a `.understudy-old` name), and only then a
// stale -wal/-shm of the old database removed before the rename, so it cannot be replayed into the new
// one. A shipment that breaks off leaves the previous replica whole.
import { dirname, join } from "node:path";
import { isHostFailure } from "../hosts/host-access.js";
import type { HostAccess, HostFailure } from "../hosts/host-access.js";
import { describeHolders, HOLDERS_FRAGMENT, parseHolders } from "../hosts/open-files.js";
import { rsync } from "../hosts/rsync.js";
import { BackupError } from "./errors.js";
import type { BackupErrorKind } from "./errors.js";
import { SQLITE_BLOCK } from "./host-snapshot.js";
import { placeOf } from "./layout.js";
import { DATA_DIR } from "./manifest.js";
import type { Snapshot } from "./snapshot.js";

export interface PushOptions {
  snapshot: Snapshot;
  to: HostAccess;
  /** Where the data paths live on the receiving host ("/" on the primary, `replicate.root` on a standby). */
  root: string;
  timeoutMs?: number;
  signal?: AbortSignal | undefined;
}

export interface PushResult {
  files: number;
  /** Bytes rsync moved to the host (both directions, all items). */
  wireBytes: number;
}

/**
 * One round trip on the receiving host, given (kind, staged, destination) triples: who has any
 * destination open (HOLDERS_FRAGMENT); if anyone, their "pid command file" lines and exit 75 with
 * nothing touched; else each staged item renamed into place (for SQLite, "s", a stale
 * -wal/-shm/-journal goes first). The staging folders (two levels above each staged item) go either
 * way. Check and rename in one script: no round trip between them in which a service could start.
 */
const CHECK_AND_SWAP = [
  'roots=""; k=0',
  'for a; do k=$((k + 1)); if [ $((k % 3)) -eq 0 ]; then roots="$roots$(realpath -m -- "$a")',
  '"; fi; done',
  HOLDERS_FRAGMENT,
  'clean() { k=0; for a; do k=$((k + 1)); if [ $((k % 3)) -eq 2 ]; then rm -rf -- "$(dirname -- "$(dirname -- "$a")")"; fi; done; }',
  'if [ -n "$held" ]; then printf "%s\\n" "$held"; clean "$@"; exit 75; fi',
  "swap() {",
  '  while [ "$#" -gt 0 ]; do',
  '    kind=$1; new=$2; dest=$3; shift 3',
  '    if [ "$kind" = s ]; then rm -f -- "$dest-wal" "$dest-shm" "$dest-journal"; fi',
  '    if [ -d "$new" ] && [ ! -L "$new" ]; then',
  '      rm -rf -- "$dest.understudy-old"',
  '      if [ -e "$dest" ] || [ -L "$dest" ]; then mv -fT -- "$dest" "$dest.understudy-old"; fi',
  '      mv -fT -- "$new" "$dest"; rm -rf -- "$dest.understudy-old"',
  '    elif [ "$new" -ef "$dest" ]; then :',
  '    else mv -fT -- "$new" "$dest"; fi',
  "  done",
  "}",
  'set -e; swap "$@"; clean "$@"',
].join("\n");

export const stagingFolder = (service: string, dest: string) => join(dirname(dest), `.understudy-incoming-${service}`);

export function kindOf(failure: HostFailure): BackupErrorKind {
  if (failure.reason === "host_key") return "host_key";
  if (failure.reason === "auth" || failure.reason === "key") return "auth";
  if (failure.reason === "command") return "source";
  return "unreachable";
}

export async function pushSnapshot(options: PushOptions): Promise<PushResult> {
  const { manifest, dir } = options.snapshot;
  const { to } = options;
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  const signal = options.signal;
  const databases = new Set(manifest.sqlite.map((database) => database.path));
  const planned = manifest.items.map((item, index) => {
    const dest = join(options.root, placeOf(manifest, item.stored));
    return { item, dest, staged: join(stagingFolder(manifest.service, dest), String(index)) };
  });
  const stagingRoots = [...new Set(planned.map(({ dest }) => stagingFolder(manifest.service, dest)))];
  const must = async (argv: string[], what: string) => {
    const result = await to.run(argv, { timeoutMs: 60_000, signal });
    if (isHostFailure(result)) throw new BackupError(kindOf(result), `${what} on ${to.host}: ${result.message}`);
    if (result.code !== 0) throw new BackupError("refused", `${what} on ${to.host} failed: ${result.stderr.trim() || `exit ${result.code}`}`);
  };
  const cleanup = () => to.run(["rm", "-rf", "--", ...stagingRoots], { timeoutMs: 60_000 }).catch(() => undefined);
  let wireBytes = 0;
  let cleaned = false;
  try {
    await must(["sh", "-c", 'for d; do rm -rf -- "$d"; done; for d; do mkdir -p -m 700 -- "$d"; done', "sh", ...planned.map(({ staged }) => staged)], "preparing the staging folders");
    for (const { item, dest, staged } of planned) {
      const pushed = await rsync({ from: join(dir, DATA_DIR, item.stored), to: { access: to, path: `${staged}/` }, args: [`--link-dest=${dirname(dest)}`, ...(databases.has(item.stored) ? [SQLITE_BLOCK] : [])], timeoutMs, signal });
      if (isHostFailure(pushed)) throw new BackupError(kindOf(pushed), `shipping ${item.source} to ${to.host}: ${pushed.message}`);
      wireBytes += pushed.sent + pushed.received;
    }
    const args = planned.flatMap(({ item, dest, staged }) => [databases.has(item.stored) ? "s" : "f", join(staged, item.stored.split("/").pop() ?? ""), dest]);
    const swapped = await to.run(["sh", "-c", CHECK_AND_SWAP, "sh", ...args], { timeoutMs: 60_000, signal });
    if (isHostFailure(swapped)) throw new BackupError(kindOf(swapped), `putting the replica of ${manifest.service} in place on ${to.host}: ${swapped.message}`);
    if (swapped.code === 75) {
      cleaned = true;
      throw new BackupError("refused", `refused to replace the data of ${manifest.service} on ${to.host}: it is in use by a running process (${describeHolders(parseHolders(swapped.stdout.toString()))}). ` +
        `A serving instance is never overwritten; stop the service there (or fail over to it) first. Nothing was changed on ${to.host}.`);
    }
    if (swapped.code !== 0) throw new BackupError("refused", `putting the replica of ${manifest.service} in place on ${to.host} failed: ${swapped.stderr.trim() || `exit ${swapped.code}`}`);
    cleaned = true;
  } finally {
    if (!cleaned) await cleanup();
  }
  return { files: manifest.files.filter((file) => file.type !== "dir").length, wireBytes };
}
