// Opens the agent's SQLite store: WAL, foreign keys, a busy timeout, the schema migrated, and every
// failure a person can fix (not a database, a newer schema, an unwritable directory) a StoreError.
import Database from "better-sqlite3";
import { accessSync, constants } from "node:fs";
import { dirname, resolve } from "node:path";
import { ensureDataDir } from "./data-dir.js";
import { registerHistogramFunctions } from "./histogram.js";
import { migrate } from "./migrations.js";
import { StoreError } from "./store-error.js";

export interface Store {
  readonly db: Database.Database;
  /** The file, or ":memory:". */
  readonly path: string;
  /** A prepared statement, prepared once per store (the hot paths run thousands a second). */
  statement(sql: string): Database.Statement;
  readonly closed: boolean;
  /** Closes the database; calling it again does nothing. */
  close(): void;
}

export interface OpenOptions {
  /** How long a write waits for another connection's lock before failing. */
  busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

export function openStore(path: string, options: OpenOptions = {}): Store {
  const memory = path === ":memory:";
  const where = memory ? path : resolve(path);
  if (!memory) checkDirectory(dirname(where));
  let db: Database.Database;
  try {
    db = new Database(where, { timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  } catch (error) {
    throw explain(error, where);
  }
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    registerHistogramFunctions(db);
    migrate(db, where);
  } catch (error) {
    db.close();
    throw explain(error, where);
  }
  return handle(db, where);
}

function handle(db: Database.Database, path: string): Store {
  const statements = new Map<string, Database.Statement>();
  return {
    db,
    path,
    statement(sql) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = db.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
    get closed() {
      return !db.open;
    },
    close() {
      if (db.open) db.close();
    },
  };
}

function checkDirectory(dir: string): void {
  ensureDataDir(dir);
  try {
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new StoreError("The state directory is not writable", dir, "Give the agent's user write access to it (chown/chmod), or set agents.data_dir elsewhere.", { cause: error });
  }
}

/** Turns SQLite's codes into what a person can act on; anything else stays a bug with its cause. */
function explain(error: unknown, where: string): Error {
  if (error instanceof StoreError) return error;
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case "SQLITE_NOTADB":
      return new StoreError("The state store is not a SQLite database", where, "Move the file aside (the agent then starts an empty store) or restore it from a backup.", { cause: error });
    case "SQLITE_CORRUPT":
      return new StoreError("The state store is corrupt", where, "Move the file aside (the agent then starts an empty store) or restore it from a backup; `sqlite3 FILE .recover` may save its history.", { cause: error });
    case "SQLITE_CANTOPEN":
      return new StoreError("Cannot open the state store", where, "Check that the path is a file this user can read and write, in a directory it can write.", { cause: error });
    case "SQLITE_READONLY":
    case "SQLITE_READONLY_DIRECTORY":
    case "SQLITE_PERM":
      return new StoreError("The state store is read-only", where, "Give the agent's user write access to the file and its directory (the WAL lives beside it).", { cause: error });
    case "SQLITE_BUSY":
      return new StoreError("The state store is locked by another process", where, "Stop the other Understudy agent using this data directory, or give each agent its own agents.data_dir.", { cause: error });
    default:
      return new Error(`opening the state store ${where} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
