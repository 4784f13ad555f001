// Ships a snapshot held on the agent (the replication cache, see host-snapshot.ts) to a host that does
// not serve the service, with rsync's delta transfer against the replica already there.
//
// A SQLite database is written into a spare copy kept beside its destination
// (`.understudy-spare-<service>/`), in place: only the blocks that differ are written, so a cycle on a
// 1 GB database writes megabytes, not a new gigabyte. When the spare holds a generation of the cache
// the changed pages are known from (GENERATIONS, page-log.ts), only those pages cross, as a WAL the
// host's sqlite3 replays into it (APPLY); else rsync compares the whole file. The spare is the previous
// replica's inode from the last swap (or, the first time, a local copy of the replica), never a file
// anyone has open (checked before it is written). Other items (folders, dumps) go into a staging folder
// beside their destination (`.understudy-incoming-<service>/`), with --link-dest on the destination's
// folder: unchanged files are hard links, changed ones rebuilt from the old replica plus the blocks
// that differ.
//
// Only when every item has arrived does the receiving side look at who has the destinations open
// (/proc, see hosts/open-files.ts), in the same script that renames: if any process has the database,
// its -wal/-shm or any replicated file open, a service is running on that copy and the shipment is
// refused, the staging removed, and nothing under the service touched. Else each item is renamed into
// place (a folder swapped through a `.understudy-old` name; a database's old inode kept as the next
// spare when nothing else links to it), a stale -wal/-shm of the old database removed first, so it
// cannot be replayed into the new one. A shipment that breaks off leaves the previous replica whole.
import { performance } from "node:perf_hooks";
import { basename, dirname, join } from "node:path";
import { isHostFailure } from "../hosts/host-access.js";
import type { HostAccess, HostFailure, RunResult } from "../hosts/host-access.js";
import { describeHolders, HOLDERS_FRAGMENT, parseHolders } from "../hosts/open-files.js";
import { rsync } from "../hosts/rsync.js";
import { BackupError } from "./errors.js";
import type { BackupErrorKind } from "./errors.js";
import { SQLITE_BLOCK } from "./host-snapshot.js";
import { placeOf } from "./layout.js";
import { DATA_DIR } from "./manifest.js";
import type { DeltaSource } from "./page-log.js";
import type { Snapshot } from "./snapshot.js";

export interface PushOptions {
  snapshot: Snapshot;
  to: HostAccess;
  /** Where the data paths live on the receiving host ("/" on the primary, `replicate.root` on a standby). */
  root: string;
  /** Spares already prepared (prepareSpares, while the snapshot was taken), with the generation each holds: not again. */
  prepared?: ReadonlyMap<string, string | undefined> | undefined;
  /** Per database (its stored path): the cache's generation and the changed pages (page-log.ts). Without, rsync. */
  deltas?: ReadonlyMap<string, DeltaSource> | undefined;
  /** Awaited after the files arrived and before anything is swapped in; a rejection swaps nothing. */
  beforeSwap?: (() => Promise<unknown>) | undefined;
  /**
   * True when beforeSwap has resolved already: the last database's pages and the swap then go in one
   * round trip. Without it, only when there is no beforeSwap.
   */
  swapNow?: (() => boolean) | undefined;
  timeoutMs?: number;
  signal?: AbortSignal | undefined;
}

export interface PushResult {
  files: number;
  /** Bytes rsync moved to the host (both directions, all items). */
  wireBytes: number;
  /** Milliseconds: preparing the spare and staging, rsync, the check and swap. */
  timings: { prepare: number; ship: number; swap: number };
  /** Per database (its source path): shipped as the pages changed ("pages") or with rsync ("rsync"). */
  shipped: Record<string, "pages" | "rsync">;
}

/**
 * Which generation of the agent's cache (page-log.ts) a copy on the host holds: records beside its spare
 * (`<spare>.gens`), one line per copy made, "inode size mtime generation". A record counts only while
 * the file is as it was then (same inode, size and modification time, to the nanosecond): a copy that
 * anything wrote since (a service promoted on it, a shipment broken off) has no generation, and gets
 * rsync. A rename keeps all three, so a record follows the spare into place and back.
 */
const GENERATIONS = [
  'stamp() { stat -c "%i %s %.9Y" -- "$1" 2>/dev/null; }',
  'genof() { set -- "$(stamp "$1")" "$2"; [ -n "$1" ] && awk -v s="$1" \'($1 " " $2 " " $3) == s { g = $4 } END { print g }\' "$2.gens" 2>/dev/null; }',
  'record() { s=$(stamp "$1") || return 0; { tail -n 15 "$1.gens" 2>/dev/null; echo "$s $2"; } > "$1.gens.new" && mv -f -- "$1.gens.new" "$1.gens"; }',
].join("\n");

/**
 * One round trip on the receiving host, given (kind, new, destination) triples: who has any destination
 * open (HOLDERS_FRAGMENT); if anyone, their "pid command file" lines and exit 75 with nothing touched;
 * else each item put in place. A database ("s") comes from its spare: a stale -wal/-shm/-journal goes
 * first, the old replica is hard-linked as `<spare>.old` when nothing else links to it, the spare renamed
 * over the destination, and the old inode becomes the next spare; "s=GENERATION" records which generation
 * of the cache the spare holds first. Other items ("f") are renamed from the
 * staging folder, which goes either way (two levels above each staged item). Check and rename in one
 * script: no round trip between them in which a service could start.
 */
const CHECK_AND_SWAP = [
  'roots=""; k=0',
  'for a; do k=$((k + 1)); if [ $((k % 3)) -eq 0 ]; then roots="$roots$(realpath -m -- "$a")',
  '"; fi; done',
  HOLDERS_FRAGMENT,
  GENERATIONS,
  'clean() { while [ "$#" -gt 0 ]; do if [ "$1" = f ]; then rm -rf -- "$(dirname -- "$(dirname -- "$2")")"; fi; shift 3; done; }',
  'if [ -n "$held" ]; then printf "%s\\n" "$held"; clean "$@"; exit 75; fi',
  "swap() {",
  '  while [ "$#" -gt 0 ]; do',
  '    kind=$1; new=$2; dest=$3; shift 3',
  '    if [ "${kind%%=*}" = s ]; then',
  '      gen=${kind#s}; gen=${gen#=}; if [ -n "$gen" ]; then record "$new" "$gen"; fi',
  '      rm -f -- "$dest-wal" "$dest-shm" "$dest-journal" "$new.old"',
  '      if [ -f "$dest" ] && [ ! -L "$dest" ] && [ "$(stat -c %h -- "$dest")" = 1 ]; then ln -- "$dest" "$new.old" 2>/dev/null || true; fi',
  '      mv -fT -- "$new" "$dest"',
  '      if [ -e "$new.old" ]; then mv -fT -- "$new.old" "$new"; fi',
  '    elif [ -d "$new" ] && [ ! -L "$new" ]; then',
  '      rm -rf -- "$dest.understudy-old"',
  '      if [ -e "$dest" ] || [ -L "$dest" ]; then mv -fT -- "$dest" "$dest.understudy-old"; fi',
  '      mv -fT -- "$new" "$dest"; rm -rf -- "$dest.understudy-old"',
  '    elif [ "$new" -ef "$dest" ]; then :',
  '    else mv -fT -- "$new" "$dest"; fi',
  "  done",
  "}",
  'set -e; swap "$@"; clean "$@"',
].join("\n");

/**
 * Before a shipment, given (spare, destination, generations) triples, then "--" and the staging folders:
 * each spare's folder made; a spare left as `.old` by a swap that broke off taken back; a spare some
 * process has open removed (it is only a basis: that process keeps its file). A spare that holds one of
 * the generations (comma-separated: those the agent can ship the changed pages from) is left as it is;
 * else a missing spare is made as a local copy of the replica, an existing one brought up to it in
 * place, so the link carries only what differs from the replica. Prints "gen G" (or "gen -") for each
 * spare: the generation it holds now. Then the staging folders emptied and made.
 */
const PREPARE_TARGET = [
  GENERATIONS,
  'while [ "$#" -gt 0 ] && [ "$1" != -- ]; do',
  '  spare=$1; dest=$2; usable=$3; shift 3',
  '  mkdir -p -m 700 -- "$(dirname -- "$spare")" || exit 1',
  '  if [ ! -e "$spare" ] && [ -f "$spare.old" ]; then mv -fT -- "$spare.old" "$spare"; fi',
  '  rm -f -- "$spare.old"',
  '  roots=$(realpath -m -- "$spare")',
  HOLDERS_FRAGMENT,
  '  if [ -n "$held" ]; then rm -f -- "$spare"; fi',
  '  g=$(genof "$spare" "$spare")',
  '  case ",$usable," in *",$g,"*) if [ -n "$g" ]; then echo "gen $g"; continue; fi;; esac',
  '  if [ ! -e "$spare" ] && [ -f "$dest" ]; then cp -- "$dest" "$spare" || rm -f -- "$spare"',
  // The spare is the replica before last: brought up to the replica here (reads both, writes only the
  // blocks that differ), so the link carries only this cycle's changes, not two cycles'.
  '  elif [ -f "$dest" ]; then rsync -a --inplace --no-whole-file --ignore-times ' + SQLITE_BLOCK + ' -- "$dest" "$spare" || rm -f -- "$spare"; fi',
  // Now a copy of the replica: the replica's generation, if it has one.
  '  g=$(genof "$dest" "$spare")',
  '  if [ -n "$g" ] && [ -f "$spare" ]; then record "$spare" "$g"; echo "gen $g"; else echo "gen -"; fi',
  "done",
  '[ "$#" -gt 0 ] && shift',
  "set -e",
  'for d; do rm -rf -- "$d"; done; for d; do mkdir -p -m 700 -- "$d"; done',
].join("\n");

/**
 * The pages a cycle changed, replayed into a spare that holds the generation they start from (`sh -c
 * APPLY sh SPARE FROM GEN FRAMES SIZE`, the log on stdin, built by page-log.ts): the spare's header set
 * to WAL mode, the log put beside it, the sqlite3 command reads it and checkpoints (SQLite checks every
 * frame's checksum and writes each page in place), the header set back to rollback mode, the size
 * checked, the new generation recorded. Exit 76: the spare is not at FROM (or there is no sqlite3),
 * nothing done; 77: the log was not replayed whole. Either way the caller ships with rsync, which makes
 * the spare exact whatever it holds. The spare is the agent's alone (no service opens it) until the swap.
 */
const APPLY_FN = [
  GENERATIONS,
  'mode() { printf "\\00$2\\00$2" | dd of="$1" bs=1 seek=18 count=2 conv=notrunc 2>/dev/null; }',
  'apply() {',
  '  spare=$1; from=$2; gen=$3; frames=$4; size=$5',
  '  command -v sqlite3 >/dev/null || return 76',
  '  [ -f "$spare" ] && [ "$(genof "$spare" "$spare")" = "$from" ] || return 76',
  '  rm -f -- "$spare-wal" "$spare-shm" "$spare-journal"',
  '  cat > "$spare-wal" || return 77',
  '  mode "$spare" 2 || return 77',
  '  replayed=$(sqlite3 -bail "$spare" "SELECT count(*) FROM sqlite_master" "PRAGMA wal_checkpoint(FULL)" 2>&1 | tail -n 1)',
  '  rm -f -- "$spare-wal" "$spare-shm"',
  '  [ "$replayed" = "0|$frames|$frames" ] || { echo "the standby replayed \\"$replayed\\" of $frames pages" >&2; return 77; }',
  '  mode "$spare" 1 || return 77',
  '  now=$(stat -c %s -- "$spare")',
  '  [ "$now" = "$size" ] || { echo "the spare is $now bytes after the pages, not $size" >&2; return 77; }',
  // A record that cannot be written costs the next cycle a local rsync, not this shipment.
  '  record "$spare" "$gen" || true',
  '}',
].join("\n");
const APPLY = `${APPLY_FN}\napply "$@"`;
/**
 * APPLY, then (when it did) CHECK_AND_SWAP with the arguments after APPLY's five: one round trip, not
 * two. After the swap the spare is the previous replica, one generation behind: the same log, replayed
 * into it here, brings it to this one (the log holds every page changed since FROM, as they are now), so
 * the next cycle ships only its own pages, not two cycles' worth.
 */
const APPLY_AND_SWAP = [
  APPLY_FN,
  'spare=$1; from=$2; gen=$3; frames=$4; size=$5; shift 5',
  'cat > "$spare.pages" || exit 77',
  'apply "$spare" "$from" "$gen" "$frames" "$size" < "$spare.pages" || { rc=$?; rm -f -- "$spare.pages"; exit $rc; }',
  // CHECK_AND_SWAP in a subshell: its exit is the swap's answer, and the catch-up below still runs after it.
  `( ${CHECK_AND_SWAP}
) || { rc=$?; rm -f -- "$spare.pages"; exit $rc; }`,
  'g=$(genof "$spare" "$spare")',
  'if [ -n "$g" ] && [ "${g%.*}" = "${gen%.*}" ] && [ "${from%.*}" = "${gen%.*}" ] && [ "${g##*.}" -ge "${from##*.}" ] && [ "${g##*.}" -lt "${gen##*.}" ]; then',
  '  apply "$spare" "$g" "$gen" "$frames" "$size" < "$spare.pages" || true',
  'fi',
  'rm -f -- "$spare.pages"',
].join("\n");

export const spareFolder = (service: string, dest: string) => join(dirname(dest), `.understudy-spare-${service}`);
/** The spare of the database that is item `index` of the snapshot (its data entry), restored at `dest`. */
export const spareOf = (service: string, dest: string, index: number) => join(spareFolder(service, dest), `${index}-${basename(dest)}`);

/** Where each database of `data` goes on a host whose data paths live under `root`, and its spare there. */
export function sparesFor(service: string, data: ReadonlyArray<{ sqlite: string } | object>, root: string): Array<{ spare: string; dest: string; index: number }> {
  return data.flatMap((item, index) => ("sqlite" in item && typeof item.sqlite === "string" ? [{ dest: join(root, item.sqlite), spare: spareOf(service, join(root, item.sqlite), index), index }] : []));
}

/** PREPARE_TARGET's "gen G" lines, one per spare in order: the generation each holds (undefined: none known). */
function generationsOf(stdout: Buffer, spares: readonly string[]): Map<string, string | undefined> {
  const lines = stdout.toString().split("\n").filter((line) => line.startsWith("gen "));
  return new Map(spares.map((spare, at) => {
    const gen = lines[at]?.slice(4).trim();
    return [spare, gen === undefined || gen === "-" || gen === "" ? undefined : gen];
  }));
}

/**
 * Brings the spares on `to` up to their replicas (PREPARE_TARGET's first half): the part of a shipment
 * that needs nothing from the snapshot, so a cycle runs it on the target while the source copies. A
 * spare's folder, a spare some process has open removed, a missing one made; a spare at one of its
 * `usable` generations left as it is. Resolves each spare made ready with the generation it holds (see
 * GENERATIONS); rejects with a BackupError.
 */
export async function prepareSpares(to: HostAccess, spares: ReadonlyArray<{ spare: string; dest: string; usable?: readonly string[] | undefined }>, options: { timeoutMs?: number; signal?: AbortSignal | undefined } = {}): Promise<Map<string, string | undefined>> {
  if (spares.length === 0) return new Map();
  const prepared = await to.run(["sh", "-c", PREPARE_TARGET, "sh", ...spares.flatMap(({ spare, dest, usable }) => [spare, dest, usable?.join(",") ?? ""]), "--"], { timeoutMs: options.timeoutMs ?? 10 * 60_000, signal: options.signal });
  if (isHostFailure(prepared)) throw new BackupError(kindOf(prepared), `preparing the replica's folders on ${to.host}: ${prepared.message}`);
  if (prepared.code !== 0) throw new BackupError("refused", `preparing the replica's folders on ${to.host} failed: ${prepared.stderr.trim() || `exit ${prepared.code}`}`);
  return generationsOf(prepared.stdout, spares.map(({ spare }) => spare));
}
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
    return databases.has(item.stored)
      ? { item, dest, kind: "s" as const, into: spareOf(manifest.service, dest, index) }
      : { item, dest, kind: "f" as const, into: join(stagingFolder(manifest.service, dest), String(index)) };
  });
  const spares = planned.filter(({ kind, into }) => kind === "s" && !options.prepared?.has(into));
  /** The generation each spare holds (PREPARE_TARGET's answer). */
  const gens = new Map<string, string | undefined>(options.prepared ?? []);
  const shipped: PushResult["shipped"] = {};
  const staged = planned.filter(({ kind }) => kind === "f");
  const stagingRoots = [...new Set(staged.map(({ dest }) => stagingFolder(manifest.service, dest)))];
  const cleanup = () => stagingRoots.length === 0 ? Promise.resolve() : to.run(["rm", "-rf", "--", ...stagingRoots], { timeoutMs: 60_000 }).catch(() => undefined);
  let wireBytes = 0;
  let cleaned = false;
  const started = performance.now();
  let shipStarted = started;
  let swapStarted = started;
  try {
    if (spares.length > 0 || staged.length > 0) {
      const prepared = await to.run(["sh", "-c", PREPARE_TARGET, "sh", ...spares.flatMap(({ into, dest, item }) => [into, dest, options.deltas?.get(item.stored)?.usable.join(",") ?? ""]), "--", ...staged.map(({ into }) => into)], { timeoutMs: 10 * 60_000, signal });
      if (isHostFailure(prepared)) throw new BackupError(kindOf(prepared), `preparing the replica's folders on ${to.host}: ${prepared.message}`);
      if (prepared.code !== 0) throw new BackupError("refused", `preparing the replica's folders on ${to.host} failed: ${prepared.stderr.trim() || `exit ${prepared.code}`}`);
      for (const [spare, gen] of generationsOf(prepared.stdout, spares.map(({ into }) => into))) gens.set(spare, gen);
    }
    shipStarted = performance.now();
    const swapArgs = planned.flatMap(({ item, dest, kind, into }) => {
      const gen = kind === "s" ? options.deltas?.get(item.stored)?.gen : undefined;
      return [gen === undefined ? kind : `${kind}=${gen}`, kind === "s" ? into : join(into, item.stored.split("/").pop() ?? ""), dest];
    });
    const checkSwap = (swapped: RunResult) => {
      if (isHostFailure(swapped)) throw new BackupError(kindOf(swapped), `putting the replica of ${manifest.service} in place on ${to.host}: ${swapped.message}`);
      if (swapped.code === 75) {
        cleaned = true;
        throw new BackupError("refused", `refused to replace the data of ${manifest.service} on ${to.host}: it is in use by a running process (${describeHolders(parseHolders(swapped.stdout.toString()))}). ` +
          `A serving instance is never overwritten; stop the service there (or fail over to it) first. Nothing was changed on ${to.host}.`);
      }
      if (swapped.code !== 0) throw new BackupError("refused", `putting the replica of ${manifest.service} in place on ${to.host} failed: ${swapped.stderr.trim() || `exit ${swapped.code}`}`);
      cleaned = true;
    };
    let swappedWithLast = false;
    // Folders and dumps first: the last database's pages can then carry the swap with them.
    const order = [...planned.filter(({ kind }) => kind !== "s"), ...planned.filter(({ kind }) => kind === "s")];
    for (const [at, { item, dest, kind, into }] of order.entries()) {
      const source = kind === "s" ? options.deltas?.get(item.stored) : undefined;
      const from = gens.get(into);
      const delta = source && from !== undefined ? await source.since(from) : undefined;
      if (delta) {
        const withSwap = at === order.length - 1 && (options.swapNow?.() ?? options.beforeSwap === undefined);
        const applyArgs = [into, from ?? "", source?.gen ?? "", String(delta.frames), String(delta.size)];
        const applied = await to.run(withSwap ? ["sh", "-c", APPLY_AND_SWAP, "sh", ...applyArgs, ...swapArgs] : ["sh", "-c", APPLY, "sh", ...applyArgs], { stdin: delta.wal, timeoutMs, signal });
        if (isHostFailure(applied)) throw new BackupError(kindOf(applied), `shipping ${item.source} to ${to.host}: ${applied.message}`);
        wireBytes += delta.wal.length;
        if (applied.ok && applied.code !== 76 && applied.code !== 77) {
          shipped[item.source] = "pages";
          if (withSwap) {
            checkSwap(applied);
            swappedWithLast = true;
          }
          continue;
        }
        // Not at that generation after all, or not replayed whole: rsync makes the spare exact.
      }
      if (kind === "s") shipped[item.source] = "rsync";
      // A database: in place into its spare (no reader; the whole-file checksum still checks the result),
      // every time (-I: a copy made in the same second with the same size is not "unchanged").
      const args = kind === "s" ? [SQLITE_BLOCK, "--inplace", "--no-whole-file", "--ignore-times"] : [`--link-dest=${dirname(dest)}`];
      const pushed = await rsync({ from: join(dir, DATA_DIR, item.stored), to: { access: to, path: kind === "s" ? into : `${into}/` }, args, timeoutMs, signal });
      if (isHostFailure(pushed)) throw new BackupError(kindOf(pushed), `shipping ${item.source} to ${to.host}: ${pushed.message}`);
      wireBytes += pushed.sent + pushed.received;
    }
    swapStarted = performance.now();
    await options.beforeSwap?.();
    if (!swappedWithLast) checkSwap(await to.run(["sh", "-c", CHECK_AND_SWAP, "sh", ...swapArgs], { timeoutMs: 60_000, signal }));
  } finally {
    if (!cleaned) await cleanup();
  }
  const timings = { prepare: shipStarted - started, ship: swapStarted - shipStarted, swap: performance.now() - swapStarted };
  return { files: manifest.files.filter((file) => file.type !== "dir").length, wireBytes, timings, shipped };
}
