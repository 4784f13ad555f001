// A consistent snapshot of a service's data taken on the host that serves it, through its HostAccess
// (local or SSH), and pulled into a folder on the agent with rsync's delta transfer:
//   - each SQLite database is copied on that host with the sqlite3 CLI's `VACUUM INTO` (one read
//     transaction: the database as of one commit, WAL frames included, while the service writes; the
//     CLI's `.backup` restarts on every write by another process and may never finish under load),
//     into a temporary folder there, and integrity-checked there before it is pulled (backups), or on
//     the agent after the pull, beside the push that follows (replication: `checkOn: "agent"`);
//   - each `path:` is pulled from where it lives (a folder mirrored with --delete);
//   - each `command:` dump runs on that host, its stdout to a file in the temporary folder.
// `into` may hold the previous snapshot (the replication cache): rsync then sends only the blocks
// that changed; with `track`, a WAL-mode database whose log was not restarted since the last cycle
// sends only the frames written since (TAIL), and the pages they changed are kept for the push
// (page-log.ts). The manifest is written last, as takeSnapshot does; the host's temporary folder is
// removed whatever happens. Paths are read at `root` + path on the host ("/" on the primary).
import { copyFile, lstat, mkdir, open, readdir, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { isHostFailure } from "../hosts/host-access.js";
import type { HostAccess, HostFailure } from "../hosts/host-access.js";
import { rsync } from "../hosts/rsync.js";
import { BackupError } from "./errors.js";
import { DATA_DIR, MANIFEST_FILE, sha256File, writeManifest } from "./manifest.js";
import type { Manifest, ManifestEntry, ManifestItem } from "./manifest.js";
import type { DataItem, Snapshot } from "./snapshot.js";
import { newSnapshotId } from "./snapshot-id.js";
import { basisFile, deltaSince, genId, nextState, readCacheState, usableFrom, writeCacheState } from "./page-log.js";
import type { CacheState, DeltaSource } from "./page-log.js";
import { foldWal, integrityCheckOffThread } from "./sqlite-copy.js";
import { pagesWrittenSince, parseWal } from "./wal.js";
import { stepReporter } from "./progress.js";
import type { SnapshotProgressListener } from "./progress.js";

export interface HostSnapshotRequest {
  service: string;
  data: readonly DataItem[];
  /** The host the data lives on. */
  access: HostAccess;
  /** Where the data paths live on that host: "/" on the primary, `replicate.root` on a standby. */
  root: string;
  /** The local snapshot folder (data/ and manifest.json inside); may hold the previous one. */
  into: string;
  /** sha256 of every file in the manifest (backups, for verify); replication skips it. */
  hash: boolean;
  /**
   * Where each database copy is integrity-checked: on the host before it is pulled (backups: the
   * manifest records the result), or on the agent after the pull, off its main thread, while the
   * caller goes on (replication: the check runs beside the push to the standby, `checked` resolves
   * before anything is swapped in, and the serving host does not read the copy a second time).
   */
  checkOn?: "host" | "agent";
  /**
   * Return before the host's temporary folder is removed (`settled` says when it is): the removal's
   * round trip runs beside the caller's next step. The caller awaits `settled` before closing `access`.
   */
  cleanUpBeside?: boolean;
  /**
   * Keep each database's generations and changed pages in `into` (page-log.ts): replication, whose
   * cache a cycle updates. A WAL-mode source pulled live before then gives only its new frames.
   */
  track?: boolean | undefined;
  /** The folder on the host for the temporary copies (default $TMPDIR of the login, else /var/tmp). */
  tempDir?: string | undefined;
  now?: () => Date;
  timeoutMs?: number;
  signal?: AbortSignal | undefined;
  /** Hears each step (the copies on the host, each pull) start and end: a progress display. */
  onProgress?: SnapshotProgressListener | undefined;
}

export interface HostSnapshot extends Snapshot {
  /** Bytes rsync moved pulling it (both directions). */
  wireBytes: number;
  /** Milliseconds spent copying (and checking, on the host) there (`copy`), and pulling to the agent (`pull`). */
  timings: { copy: number; pull: number };
  /**
   * With checkOn "agent": resolves once every database copy passed integrity_check on the agent (then
   * the manifest is written), rejects with a BackupError when one did not. Resolved at once otherwise.
   * Never an unhandled rejection: await it before using the copy.
   */
  checked: Promise<{ ms: number }>;
  /** Resolves once the host's temporary folder is removed (at once unless `cleanUpBeside`); never rejects. */
  settled: Promise<void>;
  /**
   * With `track`: for each database (its stored path), the generation the cache holds now, and the
   * pages that changed since an earlier one as a WAL to replay on a copy at that generation.
   */
  deltas: Map<string, DeltaSource>;
  /** With `track`: which databases came as the frames written since the last cycle ("tail") or whole ("full"). */
  pulls: Record<string, "tail" | "full">;
}

/** The first 32 bytes of a file (a WAL's header: its generation) in hex: `head_of FILE`. */
const HEAD_OF = 'head_of() { head -c 32 "$1" 2>/dev/null | od -An -tx1 | tr -d " \\n"; }';

/** Removes what SQLite may have left beside a database copy (a broken fold's -wal, -shm or journal). */
const removeBeside = (path: string) => Promise.all(["-wal", "-shm", "-journal"].map((suffix) => rm(`${path}${suffix}`, { force: true })));

/**
 * The copy is the database's files, taken by `cp` inside a read transaction (COPY_FILES, run by the
 * sqlite3 shell between BEGIN and COMMIT): in WAL mode that transaction keeps the WAL from being
 * restarted and checkpoints from writing past what it reads, so the copied WAL holds every frame that
 * can differ in the copied database file, and opening the copy replays it up to its last whole
 * commit; in rollback mode it keeps writers out. The one race left (a reader that needs no WAL frame
 * does not stop a restart) shows as a WAL header changed under the copy: then it is taken again, up to
 * three times; after that, or when sqlite3 cannot take it at all, `VACUUM INTO` copies. `cp` is 15
 * times faster than SQLite's own copy and keeps the pages where they are, so rsync's delta is the
 * pages changed. The copy is then checkpointed, set back to rollback mode (as VACUUM INTO writes it)
 * and checked (COPY_DB).
 */
const COPY_FILES = [
  'wal="$US_SRC-wal"',
  HEAD_OF,
  'rm -f "$US_OUT" "$US_OUT-wal" "$US_OUT.copied"',
  'cp "$US_SRC" "$US_OUT" || exit 1',
  'if [ -f "$wal" ]; then cp "$wal" "$US_OUT-wal" || exit 1; [ "$(head_of "$wal")" = "$(head_of "$US_OUT-wal")" ] || exit 1; fi',
  ': > "$US_OUT.copied"',
].join("\n");

/**
 * One database copied into the temporary folder (`sh copy-db.sh SRC OUT CHECK`, the folder being the
 * script's own): COPY_FILES inside a read transaction, else VACUUM INTO; then checkpointed into one file
 * in rollback mode, and integrity-checked when CHECK is "host" (else "deferred" is printed).
 */
const COPY_DB = [
  't=$(dirname -- "$0"); src=$1; out=$2; check=$3',
  // The sqlite3 shell's .shell joins its words with spaces: the script's path must have none.
  'copier="$t/copy.sh"',
  'case "$copier" in *[!A-Za-z0-9._/-]*) copier="";; esac',
  // The copy's name is ours (mktemp, a digit): safe inside the SQL string. Another try only for a WAL
  // restarted under the copy; sqlite3 failing (busy past its timeout, .shell not allowed) goes
  // straight to VACUUM INTO, which says why if it fails too.
  'tries=0',
  'while [ -n "$copier" ] && [ "$tries" -lt 3 ] && [ ! -f "$out.copied" ]; do',
  '  US_SRC="$src" US_OUT="$out" sqlite3 -bail -cmd ".timeout 10000" "$src" "BEGIN" "SELECT count(*) FROM sqlite_master" ".shell sh $copier" "COMMIT" >/dev/null 2>&1 || break',
  '  tries=$((tries + 1))',
  'done',
  'if [ -f "$out.copied" ]; then',
  '  rm -f "$out.copied"',
  // No fsync: the copy lives for one cycle, and unwritten pages of a file removed are never written.
  '  sqlite3 -bail -cmd "PRAGMA synchronous=OFF" "$out" "PRAGMA journal_mode=DELETE" >/dev/null || { echo "the copy of $src could not be opened" >&2; exit 6; }',
  'else',
  '  rm -f "$out" "$out-wal"',
  '  sqlite3 -bail -cmd ".timeout 10000" "$src" "VACUUM INTO \'$out\'" >/dev/null || { echo "VACUUM INTO of $src failed" >&2; exit 6; }',
  'fi',
  'if [ "$check" = host ]; then sqlite3 -bail "$out" "PRAGMA integrity_check" | tr "\\n" " "; echo; else echo deferred; fi',
].join("\n");

/**
 * A database pulled as it is, under a read transaction held on the host while the agent's rsync reads
 * its files (WAL mode only: there the transaction holds back checkpoints and WAL restarts, not
 * writers). HOLD runs inside the transaction (`.shell`): it says "held", waits until the pull says
 * "pulled" (or its rsync died, or none began within 30 s), and marks the pull "consistent" when the
 * WAL's header did not change meanwhile (the race COPY_FILES checks too). PULL is rsync's remote
 * command (--rsync-path): it starts rsync only once the transaction is held. Both talk through files
 * in a folder of their own for each try.
 */
const HOLD = [
  'wal="$US_SRC-wal"',
  HEAD_OF,
  'before=$(head_of "$wal")',
  ': > "$US_TRY/held"',
  'n=0',
  'while [ ! -f "$US_TRY/pulled" ]; do',
  '  n=$((n + 1))',
  '  if [ -f "$US_TRY/pulling" ]; then',
  '    pid=$(cat "$US_TRY/pulling" 2>/dev/null)',
  '    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && [ ! -f "$US_TRY/pulled" ]; then exit 0; fi',
  '  elif [ "$n" -gt 600 ]; then exit 0; fi',
  '  sleep 0.05',
  'done',
  '[ "$(head_of "$wal")" = "$before" ] && : > "$US_TRY/consistent"',
  'exit 0',
].join("\n");

const PULL = [
  'try=$1; shift',
  'n=0',
  'while [ ! -f "$try/held" ]; do',
  '  [ -f "$try/failed" ] && { echo "understudy: the read transaction could not be taken" >&2; exit 1; }',
  '  n=$((n + 1)); [ "$n" -gt 600 ] && { echo "understudy: no read transaction within 30 s" >&2; exit 1; }',
  '  sleep 0.05',
  'done',
  'echo $$ > "$try/pulling"',
  'rsync "$@"; rc=$?',
  ': > "$try/pulled"',
  'exit $rc',
].join("\n");

/** Holds a read transaction on SRC for a pull (`sh -c HOLD_CMD sh TEMP TRY SRC`): prints consistent or not. */
const HOLD_CMD = [
  't=$1; try=$2; src=$3',
  'mkdir -p -- "$try" || exit 1',
  // No checkpoint of ours: it would let the next writer restart the WAL, and the next cycle could not
  // take only the frames written since this one (TAIL).
  'US_SRC="$src" US_TRY="$try" sqlite3 -bail -cmd ".timeout 10000" "$src" "BEGIN" "SELECT count(*) FROM sqlite_master" ".shell sh $t/hold.sh" "COMMIT" >/dev/null 2>&1 || : > "$try/failed"',
  'if [ -f "$try/consistent" ]; then echo consistent; else echo inconsistent; fi',
].join("\n");

/** How often a copy that only took new frames since its last check is integrity-checked again. */
export const RECHECK_MS = 10 * 60_000;

/** The most frames a cycle takes as they are (they travel in one answer, held in the agent's memory). */
export const MAX_TAIL = 64 * 1024 * 1024;

/**
 * The frames written since the last cycle, taken inside a read transaction (`.shell`, as HOLD): when the
 * WAL's header is still the one the agent's cache was folded from (US_HDR: the same generation of the
 * log, never restarted since), every frame the cache lacks is in it past US_FROM (the end of the last
 * commit the agent has), and nothing before that offset changed. The bytes from there to the end go to
 * US_OUT, marked whole (US_OUT.ok) when the header did not change meanwhile. The agent checks each frame
 * (salts and checksums chained from the ones it has) and keeps only whole transactions.
 */
const TAIL = [
  'wal="$US_SRC-wal"',
  HEAD_OF,
  '[ "$(head_of "$wal")" = "$US_HDR" ] || exit 0',
  // Where the log's last commit ends: its frame count (mxFrame) in the wal-index's header, kept twice
  // (bytes 16 and 64 of the -shm, the host's byte order, written at each commit), times a frame's
  // length (24 bytes and a page: the header's bytes 8-11). Past it lie frames of an earlier generation
  // the file was not truncated of: not sent. Without a readable -shm, to the end of the file.
  'size=$(stat -c %s "$wal") || exit 0',
  'm1=$(od -An -tu4 -j16 -N4 "$US_SRC-shm" 2>/dev/null | tr -d " "); m2=$(od -An -tu4 -j64 -N4 "$US_SRC-shm" 2>/dev/null | tr -d " ")',
  'page=$(printf "%d" "0x$(printf "%s" "$US_HDR" | cut -c17-24)")',
  'if [ -n "$m1" ] && [ "$m1" = "$m2" ] && [ $((32 + m1 * (24 + page))) -le "$size" ]; then size=$((32 + m1 * (24 + page))); fi',
  // More than MAX_TAIL of new frames (a VACUUM, a bulk import): pulled with rsync, not held in memory.
  `[ $((size - US_FROM)) -le ${MAX_TAIL} ] || exit 0`,
  'if [ "$size" -gt "$US_FROM" ]; then tail -c "+$((US_FROM + 1))" "$wal" | head -c "$((size - US_FROM))" > "$US_OUT" || exit 0; else : > "$US_OUT"; fi',
  '[ "$(head_of "$wal")" = "$US_HDR" ] && : > "$US_OUT.ok"',
  'exit 0',
].join("\n");

/** Between PREPARE's text and the frames it took for the agent (TAIL), raw, one database after another. */
const TAILS_MARK = "UNDERSTUDY-TAILS";

/** Writes a script into the temporary folder: a quoted here-document keeps it as it is. */
const writeScript = (name: string, body: string) => `cat > "$t/${name}" <<'UNDERSTUDY_SCRIPT_END'\n${body}\nUNDERSTUDY_SCRIPT_END`;

/**
 * One round trip on the host: the temporary folder (copies left by an agent killed mid-snapshot more
 * than a day ago go first; a running one is younger) with the scripts above in it, then each database
 * copied into it (COPY_DB) — or, with MODE "live" and a database in WAL mode, left to be pulled live
 * ("live" printed instead of the check line), or, when the agent gives what its cache holds of that
 * database's WAL ("HEADER END" in EXPECT, one line per database, "-" for none), only the frames written
 * since (TAIL: "tail BYTES" printed, the bytes after the text). Prints the folder, then two lines per
 * database (the integrity_check, "deferred", "live" or "tail N"; the source's mode/uid/gid/mtime), then
 * TAILS_MARK and the frames.
 * Over SSH every round trip costs a session; on a loaded host that was seconds each.
 */
const PREPARE = [
  'd="${1:-${TMPDIR:-/var/tmp}}"; mode=$2; expect=$3; shift 3',
  'find "$d" -maxdepth 1 -name "understudy-snapshot.*" -mmin +1440 -exec rm -rf {} + 2>/dev/null',
  't=$(mktemp -d "$d/understudy-snapshot.XXXXXX") || exit 5',
  'echo "$t"',
  writeScript("copy.sh", COPY_FILES),
  writeScript("copy-db.sh", COPY_DB),
  writeScript("hold.sh", HOLD),
  writeScript("pull.sh", PULL),
  writeScript("tail.sh", TAIL),
  // A live pull passes the folder's path in rsync's remote command and to .shell: no spaces, no quotes.
  'case "$t" in *[!A-Za-z0-9._/-]*) [ "$mode" = live ] && mode=agent;; esac',
  "i=0",
  'for src; do',
  '  [ -f "$src" ] || { echo "the SQLite database $src does not exist on this host" >&2; exit 3; }',
  '  command -v sqlite3 >/dev/null || { echo "the sqlite3 command is not installed on this host (apt-get install sqlite3)" >&2; exit 4; }',
  '  if [ "$mode" = live ] && [ "$(sqlite3 -cmd ".timeout 3000" "$src" "PRAGMA journal_mode" 2>/dev/null)" = wal ]; then',
  '    known=$(printf "%s\\n" "$expect" | sed -n "$((i + 1))p")',
  '    case "$known" in',
  '      [0-9a-f]*" "[0-9]*) US_SRC="$src" US_OUT="$t/$i.tail" US_HDR="${known% *}" US_FROM="${known#* }" sqlite3 -bail -cmd ".timeout 10000" "$src" "BEGIN" "SELECT count(*) FROM sqlite_master" ".shell sh $t/tail.sh" "COMMIT" >/dev/null 2>&1;;',
  '    esac',
  '    if [ -f "$t/$i.tail.ok" ]; then echo "tail $(stat -c %s "$t/$i.tail")"; else echo live; fi',
  '  else sh "$t/copy-db.sh" "$src" "$t/$i.sqlite" "$([ "$mode" = host ] && echo host || echo agent)" || exit $?; fi',
  '  stat -c "%a %u %g %Y" "$src"',
  "  i=$((i + 1))",
  "done",
  `echo ${TAILS_MARK}`,
  'i=0; for src; do if [ -f "$t/$i.tail.ok" ]; then cat "$t/$i.tail"; fi; i=$((i + 1)); done',
].join("\n");

/**
 * rsync's block for a SQLite copy. Its default (√size: 32 KB for 1 GB) sends a whole block for every
 * changed 4 KB page, so 1 MB rewritten at scattered places cost 8 MB a hop; a block of two pages
 * keeps that near the bytes changed, while the block checksums (one per block, both ways) stay
 * about 1.5 MB a hop for 1 GB.
 */
export const SQLITE_BLOCK = "--block-size=8192";

const DUMP = 'out="$1"; shift; umask 077; "$@" > "$out"';

const fail = (failure: HostFailure, what: string): never => {
  throw new BackupError(failure.reason === "host_key" ? "host_key" : failure.reason === "auth" || failure.reason === "key" ? "auth" : failure.reason === "command" ? "source" : "unreachable", `${what}: ${failure.message}`);
};

async function walk(dir: string, relative: string, hash: boolean): Promise<ManifestEntry[]> {
  const stats = await lstat(dir);
  const meta = { mode: stats.mode & 0o7777, uid: stats.uid, gid: stats.gid, mtime_ms: stats.mtimeMs };
  if (stats.isSymbolicLink()) {
    return [{ path: relative, type: "symlink", target: await readlink(dir), ...meta }];
  }
  if (stats.isDirectory()) {
    const entries: ManifestEntry[] = [{ path: relative, type: "dir", ...meta }];
    for (const name of (await readdir(dir)).sort()) entries.push(...(await walk(join(dir, name), `${relative}/${name}`, hash)));
    return entries;
  }
  if (!stats.isFile()) return [];
  return [{ path: relative, type: "file", size: stats.size, ...(hash ? { sha256: await sha256File(dir) } : {}), ...meta }];
}

export async function snapshotOnHost(request: HostSnapshotRequest): Promise<HostSnapshot> {
  const { access } = request;
  const timeoutMs = request.timeoutMs ?? 30 * 60_000;
  const signal = request.signal;
  const at = (request.now ?? (() => new Date()))();
  const id = newSnapshotId(request.service, at);
  const dataDir = join(request.into, DATA_DIR);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // Until the new manifest is written, the folder is not a complete snapshot.
  await rm(join(request.into, MANIFEST_FILE), { force: true });
  const databases = request.data.flatMap((item, index) => ("sqlite" in item ? [{ index, item }] : []));
  const copying = stepReporter(request.onProgress, { step: "copy", item: databases.map(({ item }) => item.sqlite).join(", "), host: access.host });
  if (databases.length > 0) copying.start();
  const copyStarted = performance.now();
  const checkOn = request.checkOn ?? "host";
  // rsync's remote command (--rsync-path) is what lets a pull wait for the transaction: over SSH only.
  const mode = checkOn === "agent" && access.kind === "ssh" ? "live" : checkOn;
  // What the cache holds of each database (replication); marked dirty before the cycle writes its copy.
  const states = new Map<number, CacheState>();
  if (request.track) {
    for (const { index, item } of databases) states.set(index, await readCacheState(join(dataDir, `${index}-sqlite`), basename(item.sqlite)));
  }
  const expect = databases.map(({ index }) => {
    const state = states.get(index);
    return mode === "live" && state?.wal && !state.dirty ? `${state.wal.header} ${state.wal.end}` : "-";
  }).join("\n");
  const made = await access.run(["sh", "-c", PREPARE, "sh", request.tempDir ?? "", mode, expect, ...databases.map(({ item }) => join(request.root, item.sqlite))], { timeoutMs, signal });
  if (isHostFailure(made)) return fail(made, `cannot snapshot ${request.service} on ${access.host}`);
  const mark = made.stdout.indexOf(`\n${TAILS_MARK}\n`);
  const [temp = "", ...copied] = made.stdout.subarray(0, mark >= 0 ? mark : made.stdout.length).toString().split("\n");
  let tails = mark >= 0 ? made.stdout.subarray(mark + TAILS_MARK.length + 2) : Buffer.alloc(0);
  if (made.code !== 0) {
    if (temp.startsWith("/")) await access.run(["rm", "-rf", "--", temp], { timeoutMs: 30_000 });
    throw new BackupError("source", made.code === 5 || !temp.startsWith("/")
      ? `cannot snapshot ${request.service} on ${access.host}: mktemp failed: ${made.stderr.trim()}`
      : `cannot copy the SQLite database of ${request.service} on ${access.host}: ${made.stderr.trim() || `exit ${made.code}`}`);
  }
  if (databases.length > 0) copying.end(0);
  const copyMs = performance.now() - copyStarted;
  const pullStarted = performance.now();
  let wireBytes = 0;
  const items: ManifestItem[] = [];
  const files: ManifestEntry[] = [];
  const sqlite: Manifest["sqlite"] = [];
  /** The agent's checks of the pulled copies (checkOn "agent"), each started once its copy is in. */
  const checks: Array<Promise<void>> = [];
  const deltas: HostSnapshot["deltas"] = new Map();
  const pulls: HostSnapshot["pulls"] = {};
  const pull = async (from: string, to: string, args: readonly string[] = [], item = from) => {
    const pulling = stepReporter(request.onProgress, { step: "pull", item, host: access.host });
    pulling.start();
    const pulled = await rsync({ from: { access, path: from }, to, args, timeoutMs, signal });
    if (isHostFailure(pulled)) fail(pulled, `cannot pull ${from} of ${request.service} from ${access.host}`);
    else {
      wireBytes += pulled.sent + pulled.received;
      pulling.end(pulled.received);
    }
  };
  /**
   * A WAL-mode database pulled as it is while HOLD keeps a read transaction open on the host (PULL
   * waits for it), its -wal beside it, then folded into one rollback-mode file on the agent. Up to
   * three tries while the WAL restarted under the pull; false when none was consistent or the
   * transaction could not be taken (the caller copies on the host instead).
   */
  const pullLive = async (source: string, folder: string, tryBase: string, item: string): Promise<false | { wal: CacheState["wal"] }> => {
    const name = basename(source);
    // rsync's filter patterns would read these as wildcards.
    if (/[*?[\\]/.test(name)) return false;
    const local = join(folder, name);
    const pulling = stepReporter(request.onProgress, { step: "pull", item, host: access.host });
    pulling.start();
    const given = (): false => {
      pulling.end(0);
      return false;
    };
    // The last pull's WAL, kept as the basis of this one's: the frames written since are what crosses.
    const basis = basisFile(folder, name);
    for (let attempt = 1; attempt <= 3; attempt++) {
      // A -shm or -journal beside the cached copy is a broken fold's; the -wal is the basis again (and
      // --delete removes it when the source has none now): nothing stale is replayed.
      await removeBeside(local);
      await copyFile(basis, `${local}-wal`).catch(() => undefined);
      const tryDir = `${tryBase}.try-${attempt}`;
      const holding = access.run(["sh", "-c", HOLD_CMD, "sh", temp, tryDir, source], { timeoutMs, signal });
      const pulled = await rsync({
        from: { access, path: `${dirname(source)}/` }, to: `${folder}/`, timeoutMs, signal,
        args: [SQLITE_BLOCK, "--inplace", "--no-whole-file", "--ignore-times", "--no-perms", "--no-owner", "--no-group",
          `--rsync-path=sh ${temp}/pull.sh ${tryDir}`, "--delete", `--include=/${name}`, `--include=/${name}-wal`, "--exclude=*"],
      });
      // A pull that never started must not keep the transaction waiting for it.
      if (isHostFailure(pulled)) await access.run(["sh", "-c", 'mkdir -p -- "$1" && : > "$1/pulled"', "sh", tryDir], { timeoutMs: 30_000 });
      const held = await holding;
      if (isHostFailure(pulled) || isHostFailure(held)) {
        if (isHostFailure(held)) fail(held, `cannot hold a read transaction on ${source} of ${request.service} on ${access.host}`);
        return given();
      }
      wireBytes += pulled.sent + pulled.received;
      if (held.stdout.toString().trim() !== "consistent") continue;
      await copyFile(`${local}-wal`, basis).catch(() => rm(basis, { force: true }));
      const folded = await foldWal(local);
      if (folded !== "ok") throw new BackupError("source", `the copy of ${source} pulled from ${access.host} could not be opened on the agent: ${folded}`);
      pulling.end(pulled.received);
      // What the next cycle's TAIL continues: this log up to its last commit, when there is one.
      const log = parseWal(await readFile(basis).catch(() => Buffer.alloc(0)));
      return { wal: log && { header: log.header.toString("hex"), end: log.end } };
    }
    return given();
  };
  /**
   * The frames the source wrote since the last cycle (TAIL), replayed into the cached copy: the last
   * pull's log up to its last commit with these frames after it, folded in as a live pull is. Undefined,
   * the cache untouched, when they do not continue that log; a fold that fails throws (the cache is then
   * unknown, and the caller pulls it whole). The pages changed: page 1 (a fold rewrites its header) and
   * every page a new frame wrote.
   */
  const foldTail = async (local: string, basis: string, known: NonNullable<CacheState["wal"]>, tail: Buffer): Promise<{ wal: CacheState["wal"]; changed: number[] } | undefined> => {
    const before = await readFile(basis).catch(() => undefined);
    if (before === undefined || before.length < known.end) return undefined;
    const joined = Buffer.concat([before.subarray(0, known.end), tail]);
    const wal = parseWal(joined);
    if (wal === undefined || wal.header.toString("hex") !== known.header || wal.end < known.end) return undefined;
    const log = joined.subarray(0, wal.end);
    const changed = pagesWrittenSince(wal, known.end);
    if (changed.length > 0) {
      await removeBeside(local);
      // The copy's header says WAL mode (bytes 18 and 19), so that SQLite replays the log beside it.
      const file = await open(local, "r+");
      try {
        await file.write(Buffer.from([2, 2]), 0, 2, 18);
      } finally {
        await file.close();
      }
      await writeFile(`${local}-wal`, log);
      const folded = await foldWal(local);
      if (folded !== "ok") throw new BackupError("source", `the frames pulled from ${access.host} could not be replayed into the agent's copy: ${folded}`);
      const size = (await stat(local)).size;
      if (size !== wal.pages * wal.pageSize) throw new BackupError("source", `the agent's copy is ${size} bytes after the frames pulled from ${access.host}, not ${wal.pages * wal.pageSize}`);
    }
    await writeFile(basis, log);
    return { wal: { header: known.header, end: wal.end }, changed: changed.length > 0 ? [1, ...changed] : [] };
  };
  try {
    const kept = new Set<string>();
    for (const [index, item] of request.data.entries()) {
      if ("sqlite" in item) {
        const folder = `${index}-sqlite`;
        const stored = `${folder}/${basename(item.sqlite)}`;
        kept.add(folder);
        await mkdir(join(dataDir, folder), { recursive: true });
        const copy = `${temp}/${databases.findIndex((database) => database.index === index)}.sqlite`;
        const line = 2 * databases.findIndex((database) => database.index === index);
        const [check = "", statLine = ""] = [copied[line], copied[line + 1]];
        let integrity = check.trim();
        const source = join(request.root, item.sqlite);
        const state = states.get(index);
        const name = basename(item.sqlite);
        // Until the new state is written below, what the copy holds is not known (a cycle that breaks
        // off in between leaves it so: the next one pulls it whole).
        if (state) await writeCacheState(join(dataDir, folder), name, { ...state, dirty: true });
        // What this cycle changed in the cache (null: not known) and the log it is folded from now.
        let changed: number[] | null = null;
        let log: CacheState["wal"];
        /** The new copy is in the cache already (the frames since the last cycle, or a live pull). */
        let arrived = false;
        if (integrity.startsWith("tail ")) {
          const bytes = Number(integrity.slice(5));
          const tail = tails.subarray(0, bytes);
          tails = tails.subarray(bytes);
          wireBytes += tail.length;
          const known = state?.wal;
          const fast = known && await foldTail(join(dataDir, stored), basisFile(join(dataDir, folder), name), known, tail).catch(() => undefined);
          if (fast) {
            ({ changed, wal: log } = fast);
            integrity = "deferred";
            arrived = true;
            pulls[item.sqlite] = "tail";
          } else {
            integrity = "live";
          }
        }
        if (integrity === "live") {
          pulls[item.sqlite] = "full";
          const live = await pullLive(source, join(dataDir, folder), copy.replace(/\.sqlite$/, ""), item.sqlite);
          if (live) {
            log = live.wal;
            integrity = "deferred";
            arrived = true;
          } else {
            integrity = "copy";
          }
        }
        if (integrity === "copy") {
          // No consistent live pull (sqlite3 could not hold the transaction, the WAL restarted under
          // every try): copied on the host as for a backup.
          await removeBeside(join(dataDir, stored));
          const copiedNow = await access.run(["sh", `${temp}/copy-db.sh`, source, copy, "agent"], { timeoutMs, signal });
          if (isHostFailure(copiedNow)) fail(copiedNow, `cannot copy ${item.sqlite} of ${request.service} on ${access.host}`);
          else if (copiedNow.code !== 0) throw new BackupError("source", `cannot copy the SQLite database ${item.sqlite} of ${request.service} on ${access.host}: ${copiedNow.stderr.trim() || `exit ${copiedNow.code}`}`);
          integrity = "deferred";
        }
        if (integrity !== "ok" && !(checkOn === "agent" && integrity === "deferred")) throw new BackupError("source", `the copy of ${item.sqlite} on ${access.host} fails integrity_check (${integrity}); the source database may be damaged`);
        // In place: the cache is the agent's own (nothing reads it while a cycle writes it, and with the
        // manifest removed above it counts as incomplete until the end), so only changed blocks are
        // written; -I: a copy of the same size made in the same second is not "unchanged".
        if (!arrived) {
          pulls[item.sqlite] = "full";
          await pull(copy, join(dataDir, stored), [SQLITE_BLOCK, "--inplace", "--no-whole-file", "--ignore-times"], item.sqlite);
        }
        const next = state && nextState(state, changed, log);
        if (next) {
          await writeCacheState(join(dataDir, folder), name, next);
          deltas.set(stored, { gen: genId(next), usable: usableFrom(next), since: (from) => deltaSince(join(dataDir, stored), next, from) });
        }
        const [mode = "600", uid = "0", gid = "0", mtime = "0"] = statLine.trim().split(" ");
        const local = await lstat(join(dataDir, stored));
        files.push({
          path: stored, type: "file", size: local.size, ...(request.hash ? { sha256: await sha256File(join(dataDir, stored)) } : {}),
          mode: parseInt(mode, 8), uid: Number(uid), gid: Number(gid), mtime_ms: Number(mtime) * 1000,
        });
        items.push({ kind: "sqlite", source: item.sqlite, stored });
        const entry = { path: stored, integrity_check: integrity };
        sqlite.push(entry);
        // Frames replayed onto a copy that passed integrity_check (checksummed by SQLite, whole
        // transactions only) are checked again only every RECHECK_MS: the check reads the whole copy
        // (seconds per GB), and the swap waits for it.
        const checkedAt = next?.checked_at === undefined ? undefined : Date.parse(next.checked_at);
        if (pulls[item.sqlite] === "tail" && checkedAt !== undefined && Math.abs(at.getTime() - checkedAt) < RECHECK_MS) {
          entry.integrity_check = `not run: frames replayed onto the copy checked at ${next?.checked_at}`;
        } else if (checkOn === "agent") {
          const checking = integrityCheckOffThread(join(dataDir, stored)).then(async (result) => {
            if (result !== "ok") throw new BackupError("source", `the copy of ${item.sqlite} from ${access.host} fails integrity_check on the agent (${result}); the source database may be damaged. Nothing was replaced with it`);
            entry.integrity_check = result;
            if (next) await writeCacheState(join(dataDir, folder), name, { ...next, checked_at: at.toISOString() });
          });
          // Awaited through `checked`; a pull that fails later must not leave it unhandled.
          checking.catch(() => undefined);
          checks.push(checking);
        }
      } else if ("path" in item) {
        const folder = `${index}-path`;
        const stored = `${folder}/${basename(item.path) || "root"}`;
        kept.add(folder);
        await mkdir(join(dataDir, folder), { recursive: true });
        const source = join(request.root, item.path).replace(/\/+$/, "");
        await pull(source, `${join(dataDir, folder)}/`, ["--delete"], item.path);
        files.push(...(await walk(join(dataDir, stored), stored, request.hash)));
        items.push({ kind: "path", source: item.path, stored });
      } else {
        const folder = `${index}-command`;
        const stored = `${folder}/${basename(item.command[0] ?? "dump")}.out`;
        kept.add(folder);
        await mkdir(join(dataDir, folder), { recursive: true });
        const out = `${temp}/${index}.out`;
        const result = await access.run(["sh", "-c", DUMP, "sh", out, ...item.command], { timeoutMs, signal });
        if (isHostFailure(result)) fail(result, `the dump command ${item.command.join(" ")} on ${access.host}`);
        if (!result.ok || result.code !== 0) throw new BackupError("source", `the dump command ${item.command.join(" ")} on ${access.host} exited with ${result.ok ? result.code : "?"}${result.ok && result.stderr.trim() ? `: ${result.stderr.trim()}` : ""}`);
        await pull(out, join(dataDir, stored), [], item.command.join(" "));
        const local = await lstat(join(dataDir, stored));
        files.push({ path: stored, type: "file", size: local.size, ...(request.hash ? { sha256: await sha256File(join(dataDir, stored)) } : {}), mode: 0o600, uid: local.uid, gid: local.gid, mtime_ms: at.getTime() });
        items.push({ kind: "command", source: item.command.join(" "), stored });
      }
    }
    // What an earlier config put in the cache and this one no longer has.
    for (const name of await readdir(dataDir)) if (!kept.has(name)) await rm(join(dataDir, name), { recursive: true, force: true });
  } catch (error) {
    await access.run(["rm", "-rf", "--", temp], { timeoutMs: 30_000 });
    throw error;
  }
  // An SSH round trip of its own: with `cleanUpBeside` it runs while the caller goes on.
  const settled = access.run(["rm", "-rf", "--", temp], { timeoutMs: 30_000 }).then(() => undefined, () => undefined);
  if (!request.cleanUpBeside) await settled;
  const manifest: Manifest = { format: 1, id, service: request.service, host: access.host, created_at: at.toISOString(), items, files, sqlite };
  const pullMs = performance.now() - pullStarted;
  if (checks.length === 0) {
    await writeManifest(request.into, manifest);
    return { dir: request.into, manifest, wireBytes, timings: { copy: copyMs, pull: pullMs }, checked: Promise.resolve({ ms: 0 }), settled, deltas, pulls };
  }
  // The folder counts as a complete snapshot (its manifest) only once every copy passed.
  const checkStarted = performance.now();
  const checked = Promise.all(checks).then(async () => {
    await writeManifest(request.into, manifest);
    return { ms: performance.now() - checkStarted };
  });
  checked.catch(() => undefined);
  return { dir: request.into, manifest, wireBytes, timings: { copy: copyMs, pull: pullMs }, checked, settled, deltas, pulls };
}
