// A consistent copy of a live SQLite database. `VACUUM INTO` reads the database inside one read
// transaction, so the copy is the database as of one commit, WAL frames included, while the service
// keeps writing (in WAL mode a reader never blocks the writer). The online backup API would restart
// on every write by another process and may never finish under a steady load; cp/rsync of the files
// can pair a main file and a WAL from different moments.
import Database from "better-sqlite3";
import { access } from "node:fs/promises";
import { BackupError } from "./errors.js";

/** Copies `source` to `dest` (which must not exist). Waits up to `busyMs` for a rollback-journal writer. */
export async function copySqlite(source: string, dest: string, busyMs = 10_000): Promise<void> {
  try {
    await access(source);
  } catch (error) {
    throw new BackupError("source", `the SQLite database ${source} does not exist or cannot be read`, { cause: error });
  }
  let db: Database.Database;
  try {
    db = new Database(source, { fileMustExist: true, timeout: busyMs });
  } catch (error) {
    throw new BackupError("source", `cannot open the SQLite database ${source}: ${(error as Error).message}`, { cause: error });
  }
  try {
    db.prepare("VACUUM INTO ?").run(dest);
  } catch (error) {
    throw new BackupError("source", `cannot copy the SQLite database ${source}: ${(error as Error).message}`, { cause: error });
  } finally {
    db.close();
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
