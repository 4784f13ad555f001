// SQLite's write-ahead log, read and written as https://www.sqlite.org/fileformat2.html#walformat
// describes it: what replication needs to ship the pages a cycle changed instead of scanning a whole
// database. A WAL is a 32-byte header, then frames (a 24-byte header and one page each). A frame counts
// when its salts are the header's and its checksum, cumulative from the header's, matches; a
// transaction's last frame carries the database's size in pages (a commit). Reading stops where SQLite's
// own recovery stops: at the first frame that does not count; only what ends in a commit is whole.

const MAGIC_LE = 0x377f0682;
const MAGIC_BE = 0x377f0683;
const VERSION = 3007000;
export const WAL_HEADER = 32;
const FRAME_HEADER = 24;

export interface WalFrame {
  pgno: number;
  /** The database's size in pages after this frame's transaction: non-zero on a commit frame. */
  commit: number;
  /** Where the frame starts in the file. */
  offset: number;
}

export interface ParsedWal {
  pageSize: number;
  /** The header's 32 bytes: equal headers, same generation of the log (salts change at each restart). */
  header: Buffer;
  /** Every frame up to the last commit, in order. */
  frames: WalFrame[];
  /** The offset just past the last commit frame (WAL_HEADER when there is none). */
  end: number;
  /** The database's size in pages at the last commit (0 when there is none). */
  pages: number;
}

/** SQLite's checksum (walChecksumBytes): pairs of 32-bit words, big- or little-endian as the magic says. */
function checksum(data: Buffer, start: number, end: number, bigEndian: boolean, s: [number, number]): [number, number] {
  let [s1, s2] = s;
  for (let at = start; at < end; at += 8) {
    const a = bigEndian ? data.readUInt32BE(at) : data.readUInt32LE(at);
    const b = bigEndian ? data.readUInt32BE(at + 4) : data.readUInt32LE(at + 4);
    s1 = (s1 + a + s2) >>> 0;
    s2 = (s2 + b + s1) >>> 0;
  }
  return [s1, s2];
}

const validPageSize = (size: number) => size >= 512 && size <= 65536 && (size & (size - 1)) === 0;

/** The log's frames up to its last commit, as SQLite's recovery reads them; undefined when the header is not a WAL's. */
export function parseWal(data: Buffer): ParsedWal | undefined {
  if (data.length < WAL_HEADER) return undefined;
  const magic = data.readUInt32BE(0);
  if (magic !== MAGIC_LE && magic !== MAGIC_BE) return undefined;
  const bigEndian = magic === MAGIC_BE;
  const pageSize = data.readUInt32BE(8);
  if (data.readUInt32BE(4) !== VERSION || !validPageSize(pageSize)) return undefined;
  let sum = checksum(data, 0, 24, bigEndian, [0, 0]);
  if (sum[0] !== data.readUInt32BE(24) || sum[1] !== data.readUInt32BE(28)) return undefined;
  const salt1 = data.readUInt32BE(16);
  const salt2 = data.readUInt32BE(20);
  const frames: WalFrame[] = [];
  let committed = 0;
  let end = WAL_HEADER;
  let pages = 0;
  for (let offset = WAL_HEADER; offset + FRAME_HEADER + pageSize <= data.length; offset += FRAME_HEADER + pageSize) {
    const pgno = data.readUInt32BE(offset);
    if (pgno === 0 || data.readUInt32BE(offset + 8) !== salt1 || data.readUInt32BE(offset + 12) !== salt2) break;
    sum = checksum(data, offset, offset + 8, bigEndian, sum);
    sum = checksum(data, offset + FRAME_HEADER, offset + FRAME_HEADER + pageSize, bigEndian, sum);
    if (sum[0] !== data.readUInt32BE(offset + 16) || sum[1] !== data.readUInt32BE(offset + 20)) break;
    const commit = data.readUInt32BE(offset + 4);
    frames.push({ pgno, commit, offset });
    if (commit !== 0) {
      committed = frames.length;
      end = offset + FRAME_HEADER + pageSize;
      pages = commit;
    }
  }
  return { pageSize, header: data.subarray(0, WAL_HEADER), frames: frames.slice(0, committed), end, pages };
}

/** The pages written by the frames that start at or after `from` (a previous parse's `end`). */
export function pagesWrittenSince(wal: ParsedWal, from: number): number[] {
  return [...new Set(wal.frames.filter((frame) => frame.offset >= from).map((frame) => frame.pgno))].sort((a, b) => a - b);
}

/**
 * A log of one transaction that writes `pages` (each a whole page, in any order) and leaves the
 * database `dbPages` long: what SQLite replays into a database whose header says WAL mode, then
 * checkpoints (writing each page in place and truncating the file to `dbPages`). Fresh salts, so
 * it is never mistaken for the continuation of another log.
 */
export function buildWal(pageSize: number, pages: ReadonlyArray<{ pgno: number; data: Buffer }>, dbPages: number): Buffer {
  if (!validPageSize(pageSize)) throw new Error(`bug: page size ${pageSize}`);
  if (pages.length === 0) throw new Error("bug: a log of no page");
  const out = Buffer.alloc(WAL_HEADER + pages.length * (FRAME_HEADER + pageSize));
  out.writeUInt32BE(MAGIC_LE, 0);
  out.writeUInt32BE(VERSION, 4);
  out.writeUInt32BE(pageSize, 8);
  out.writeUInt32BE(0, 12);
  out.writeUInt32BE((Math.random() * 2 ** 32) >>> 0, 16);
  out.writeUInt32BE((Math.random() * 2 ** 32) >>> 0, 20);
  let sum = checksum(out, 0, 24, false, [0, 0]);
  out.writeUInt32BE(sum[0], 24);
  out.writeUInt32BE(sum[1], 28);
  pages.forEach(({ pgno, data }, index) => {
    if (data.length !== pageSize) throw new Error(`bug: page ${pgno} is ${data.length} bytes, not ${pageSize}`);
    const offset = WAL_HEADER + index * (FRAME_HEADER + pageSize);
    out.writeUInt32BE(pgno, offset);
    out.writeUInt32BE(index === pages.length - 1 ? dbPages : 0, offset + 4);
    out.copy(out, offset + 8, 16, 24);
    data.copy(out, offset + FRAME_HEADER);
    sum = checksum(out, offset, offset + 8, false, sum);
    sum = checksum(out, offset + FRAME_HEADER, offset + FRAME_HEADER + pageSize, false, sum);
    out.writeUInt32BE(sum[0], offset + 16);
    out.writeUInt32BE(sum[1], offset + 20);
  });
  return out;
}
