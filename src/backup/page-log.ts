// What the replication cache knows about each database it holds: which generation of the cache's content
// it is, which pages each of the last generations changed, and (when the cache is the source's database
// with its WAL replayed) the WAL it was folded from. With it a cycle ships only the pages changed since
// the generation a standby's spare holds (src/backup/replicate.ts), and pulls only the WAL frames the
// source wrote since the last cycle (src/backup/host-snapshot.ts), instead of rsync reading both whole
// copies on both links. Anything not known (a full pull, a cycle that broke off, another agent's cache)
// is null, and the shipment falls back to rsync, which makes the copy exact whatever it held.
import { randomBytes } from "node:crypto";
import { open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../fs/atomic-file.js";
import { buildWal } from "./wal.js";

/** The largest log of changed pages shipped as such (it is built in memory). */
const MAX_DELTA = 64 * 1024 * 1024;

/** How many generations' page lists are kept: a spare older than that gets rsync. */
const KEPT = 8;

export interface CacheState {
  /** Random, made with the cache: a generation of another cache (another agent, a wiped cache) never matches. */
  lineage: string;
  gen: number;
  /** Set before a cycle writes the cache, cleared when it is whole again: what a broken cycle left is unknown. */
  dirty?: boolean | undefined;
  /** The cache is the source's database with this WAL replayed up to `end` (its basis file holds those bytes). */
  wal?: { header: string; end: number } | undefined;
  /** When the copy last passed integrity_check (ISO 8601); frames replayed since keep it. */
  checked_at?: string | undefined;
  /** Pages each generation changed (its number as the key), null when not known. */
  pages: Record<string, number[] | null>;
}

const stateFile = (folder: string, name: string) => join(folder, `.${name}.state.json`);
export const basisFile = (folder: string, name: string) => join(folder, `.${name}-wal.basis`);
export const genId = (state: CacheState) => `${state.lineage}.${state.gen}`;

export async function readCacheState(folder: string, name: string): Promise<CacheState> {
  try {
    const state = JSON.parse(await readFile(stateFile(folder, name), "utf8")) as CacheState;
    if (typeof state.lineage === "string" && /^[0-9a-f]+$/.test(state.lineage) && Number.isInteger(state.gen) && typeof state.pages === "object") return state;
  } catch {
    // none yet, or unreadable: a new lineage
  }
  return { lineage: randomBytes(6).toString("hex"), gen: 0, pages: {} };
}

export async function writeCacheState(folder: string, name: string, state: CacheState): Promise<void> {
  await writeFileAtomic(stateFile(folder, name), `${JSON.stringify(state)}\n`, 0o600);
}

/** The state after a cycle that made generation gen + 1 with `changed` pages (null: not known). */
export function nextState(state: CacheState, changed: number[] | null, wal: CacheState["wal"]): CacheState {
  const gen = state.gen + 1;
  const pages: Record<string, number[] | null> = { [gen]: changed };
  for (let g = gen - 1; g > gen - KEPT && g > 0; g--) if (state.pages[g] !== undefined) pages[g] = state.pages[g] ?? null;
  // A copy pulled whole (changed not known) is not the one that was checked.
  const checked = changed !== null && state.checked_at !== undefined ? { checked_at: state.checked_at } : {};
  return { lineage: state.lineage, gen, ...(wal ? { wal } : {}), ...checked, pages };
}

export async function forgetCacheState(folder: string, name: string): Promise<void> {
  await Promise.all([rm(stateFile(folder, name), { force: true }), rm(basisFile(folder, name), { force: true })]);
}

/** The pages changed from generation `from` (an id) to the state's, sorted; undefined when any step is not known. */
export function pagesSince(state: CacheState, from: string): number[] | undefined {
  const [lineage, number] = from.split(".");
  const since = Number(number);
  if (lineage !== state.lineage || !Number.isInteger(since) || since > state.gen || state.dirty) return undefined;
  const union = new Set<number>();
  for (let g = since + 1; g <= state.gen; g++) {
    const changed = state.pages[g];
    if (!changed) return undefined;
    for (const page of changed) union.add(page);
  }
  return [...union].sort((a, b) => a - b);
}

/** The generations a delta to the state's can be made from (the state's own included), newest first. */
export function usableFrom(state: CacheState): string[] {
  if (state.dirty) return [];
  const ids: string[] = [];
  for (let g = state.gen; g >= 0 && g > state.gen - KEPT; g--) {
    if (pagesSince(state, `${state.lineage}.${g}`) === undefined) break;
    ids.push(`${state.lineage}.${g}`);
  }
  return ids;
}

/** What a push needs of one database in the cache: its generation, and deltas to it. */
export interface DeltaSource {
  gen: string;
  /** Generations a delta can be made from. */
  usable: string[];
  since: (from: string) => Promise<PageDelta | undefined>;
}

export interface PageDelta {
  /** A WAL of one transaction (see wal.ts) with the pages, page 1 marked WAL mode as the log needs. */
  wal: Buffer;
  frames: number;
  /** The database's size in bytes after it. */
  size: number;
}

/**
 * The log that brings a copy at generation `from` to the cache's database at `path` now: page 1 always
 * (a fold rewrites its header), every page changed since, none past the end; undefined when the
 * changes since `from` are not known.
 */
export async function deltaSince(path: string, state: CacheState, from: string): Promise<PageDelta | undefined> {
  const changed = pagesSince(state, from);
  if (changed === undefined) return undefined;
  const file = await open(path, "r");
  try {
    const { size } = await file.stat();
    const head = Buffer.alloc(100);
    await file.read(head, 0, 100, 0);
    const raw = head.readUInt16BE(16);
    const pageSize = raw === 1 ? 65536 : raw;
    if (pageSize < 512 || size % pageSize !== 0 || size === 0) return undefined;
    const count = size / pageSize;
    // A log built in memory: past MAX_DELTA (a VACUUM rewrote everything), rsync does it better.
    if (changed.length * pageSize > MAX_DELTA) return undefined;
    const pages: Array<{ pgno: number; data: Buffer }> = [];
    for (const pgno of new Set([1, ...changed])) {
      if (pgno > count) continue;
      const data = Buffer.alloc(pageSize);
      await file.read(data, 0, pageSize, (pgno - 1) * pageSize);
      if (pgno === 1) data.writeUInt16BE(0x0202, 18);
      pages.push({ pgno, data });
    }
    return { wal: buildWal(pageSize, pages, count), frames: pages.length, size };
  } finally {
    await file.close();
  }
}
