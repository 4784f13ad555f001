// A consistent copy of a live SQLite database. `VACUUM INTO` reads the database inside one read
// transaction, so the copy is the database as of one commit, WAL frames included, while the service
// keeps writing (in WAL mode a reader never blocks the writer). The online backup API would restart
// on every write by another process and may never finish under a steady load; cp/rsync of the files
// can pair a main file and a WAL from different moments.
// The copy and its integrity check run in a worker thread: each is one synchronous SQLite call that
// takes seconds on a few hundred MB, and on the main thread it would freeze the agent (its checks,
// its API) and any progress display. While the worker copies, the copy's size on disk is the progress
// (VACUUM INTO writes the new file page by page; the expected size is the source's used pages).
import Database from "better-sqlite3";
import { access, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { BackupError } from "./errors.js";

/** The worker, as plain JavaScript (it runs as is, from the sources under test and from dist/). */
const WORKER = `
const { workerData, parentPort } = require("node:worker_threads");
const Database = require(workerData.module);
const { op, source, dest, busyMs } = workerData;
let db;
try {
  db = op === "check" ? new Database(source, { readonly: true, fileMustExist: true }) : new Database(source, { fileMustExist: true, timeout: busyMs ?? 5000 });
} catch (error) {
  parentPort.postMessage({ ok: false, stage: "open", message: error.message });
  return;
}
try {
  if (op === "copy") {
    const pageSize = db.pragma("page_size", { simple: true });
    const used = db.pragma("page_count", { simple: true }) - db.pragma("freelist_count", { simple: true });
    parentPort.postMessage({ expected: pageSize * used });
    db.prepare("VACUUM INTO ?").run(dest);
    parentPort.postMessage({ ok: true });
  } else if (op === "fold") {
    db.pragma("synchronous = OFF");
    parentPort.postMessage({ ok: true, result: db.pragma("journal_mode = DELETE", { simple: true }) === "delete" ? "ok" : "the journal mode stayed WAL" });
  } else {
    parentPort.postMessage({ ok: true, result: db.prepare("PRAGMA integrity_check").pluck().all().join("; ") });
  }
} catch (error) {
  parentPort.postMessage({ ok: false, stage: op, message: error.message });
} finally {
  db.close();
}
`;

type WorkerMessage = { expected: number } | { ok: true; result?: string } | { ok: false; stage: string; message: string };

const betterSqlite3 = createRequire(import.meta.url).resolve("better-sqlite3");

function inWorker(data: { op: "copy" | "check" | "fold"; source: string; dest?: string; busyMs?: number }, onExpected?: (bytes: number) => void): Promise<{ ok: true; result?: string } | { ok: false; stage: string; message: string }> {
  // Wrapped in a function so that the worker's early `return` is legal.
  const worker = new Worker(`(() => {${WORKER}})()`, { eval: true, workerData: { ...data, module: betterSqlite3 } });
  return new Promise((resolve, reject) => {
    let settled = false;
    worker.on("message", (message: WorkerMessage) => {
      if ("expected" in message) onExpected?.(message.expected);
      else {
        settled = true;
        resolve(message);
      }
    });
    worker.once("error", (error) => {
      settled = true;
      reject(error);
    });
    worker.once("exit", (code) => {
      if (!settled) reject(new Error(`the SQLite worker stopped (exit ${code}) before it answered`));
    });
  });
}

export interface CopyOptions {
  /** How long to wait for a rollback-journal writer (ms). */
  busyMs?: number;
  /** Called as the copy grows: bytes written, bytes expected (known once the source is open). */
  onBytes?: (done: number, expected: number | undefined) => void;
  /** How often the copy's size is read for onBytes (ms). */
  everyMs?: number;
}

/** Copies `source` to `dest` (which must not exist), off the main thread. */
export async function copySqlite(source: string, dest: string, options: CopyOptions = {}): Promise<void> {
  try {
    await access(source);
  } catch (error) {
    throw new BackupError("source", `the SQLite database ${source} does not exist or cannot be read`, { cause: error });
  }
  let expected: number | undefined;
  const poll = options.onBytes === undefined ? undefined : setInterval(() => {
    stat(dest).then((stats) => options.onBytes?.(stats.size, expected), () => options.onBytes?.(0, expected));
  }, options.everyMs ?? 200);
  let answer: Awaited<ReturnType<typeof inWorker>>;
  try {
    answer = await inWorker({ op: "copy", source, dest, busyMs: options.busyMs ?? 10_000 }, (bytes) => {
      expected = bytes;
      options.onBytes?.(0, bytes);
    });
  } catch (error) {
    throw new BackupError("source", `cannot copy the SQLite database ${source}: ${(error as Error).message}`, { cause: error });
  } finally {
    if (poll !== undefined) clearInterval(poll);
  }
  if (!answer.ok) {
    throw new BackupError("source", answer.stage === "open"
      ? `cannot open the SQLite database ${source}: ${answer.message}`
      : `cannot copy the SQLite database ${source}: ${answer.message}`);
  }
}

/** `PRAGMA integrity_check` of a copy, opened read-only: "ok" or the problems SQLite lists. */
export function integrityCheck(path: string): string {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const rows = db.prepare("PRAGMA integrity_check").pluck().all() as string[];
    return rows.join("; ");
  } catch (error) {
    return `unreadable: ${(error as Error).message}`;
  } finally {
    db?.close();
  }
}

/** integrityCheck off the main thread (the same answer; seconds on a large copy). */
export async function integrityCheckOffThread(path: string): Promise<string> {
  try {
    const answer = await inWorker({ op: "check", source: path });
    return answer.ok ? answer.result ?? "" : `unreadable: ${answer.message}`;
  } catch (error) {
    return `unreadable: ${(error as Error).message}`;
  }
}

/**
 * A database copied with its -wal beside it (a live pull, host-snapshot.ts) made one file: the WAL
 * replayed up to its last whole commit and checkpointed in, the journal mode set back to rollback (as
 * VACUUM INTO writes it), off the main thread. "ok", or what went wrong.
 */
export async function foldWal(path: string): Promise<string> {
  try {
    const answer = await inWorker({ op: "fold", source: path });
    return answer.ok ? answer.result ?? "" : `${answer.stage}: ${answer.message}`;
  } catch (error) {
    return (error as Error).message;
  }
}
