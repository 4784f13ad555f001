import Database from "better-sqlite3";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore } from "./db.js";
import { MIGRATIONS } from "./migrations.js";
import { StoreError } from "./store-error.js";
import { resolveDataDir } from "./data-dir.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "understudy-db-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function openError(path: string): StoreError {
  try {
    openStore(path).close();
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    return error as StoreError;
  }
  throw new Error("expected openStore to fail");
}

describe("openStore", () => {
  it("creates a private directory and a WAL database at the current schema", () => {
    const path = join(dir, "state", "understudy.db");
    const store = openStore(path);
    expect(statSync(join(dir, "state")).mode & 0o777).toBe(0o700);
    expect(store.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(store.db.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(store.db.pragma("synchronous", { simple: true })).toBe(1); // NORMAL
    expect(store.db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    store.close();
    store.close();
    expect(store.closed).toBe(true);
  });

  it("opens an in-memory store for tests and tools", () => {
    const store = openStore(":memory:");
    expect(store.db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    store.close();
  });

  it("re-opens an existing store without touching its data", () => {
    const path = join(dir, "understudy.db");
    const first = openStore(path);
    first.db.prepare("INSERT INTO state (key, value, updated_at) VALUES ('k', '1', 5)").run();
    first.close();
    const second = openStore(path);
    expect(second.db.prepare("SELECT value FROM state WHERE key = 'k'").pluck().get()).toBe("1");
    expect(second.db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    second.close();
  });

  it("explains a file that is not a SQLite database, without a stack", () => {
    const path = join(dir, "understudy.db");
    writeFileSync(path, Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919) % 251)));
    const error = openError(path);
    expect(error.message).toContain("is not a SQLite database");
    expect(error.message).toContain(path);
    expect(error.message).toContain("Move the file aside");
    expect(error.message).not.toMatch(/\n\s+at /);
  });

  it("refuses a store written by a newer version", () => {
    const path = join(dir, "understudy.db");
    openStore(path).close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    const error = openError(path);
    expect(error.message).toContain(`schema version ${MIGRATIONS.length + 1}; this build knows up to ${MIGRATIONS.length}`);
    expect(error.message).toContain("Upgrade Understudy");
  });

  it("refuses another program's SQLite file instead of migrating it", () => {
    const path = join(dir, "other.db");
    const raw = new Database(path);
    raw.exec("CREATE TABLE notes (body TEXT)");
    raw.close();
    expect(openError(path).message).toContain("belongs to another program");
  });

  it("explains a data directory that cannot be created", () => {
    writeFileSync(join(dir, "file"), "x");
    const error = openError(join(dir, "file", "understudy.db"));
    expect(error.message).toContain("Cannot create the state directory");
    expect(error.message).toContain(join(dir, "file"));
  });

  it.skipIf(process.getuid?.() === 0)("explains a data directory that is not writable (as an ordinary user; root writes anywhere, so a root run checks the same through the CLI as nobody below)", () => {
    const locked = join(dir, "locked");
    mkdirSync(locked, { mode: 0o500 });
    chmodSync(locked, 0o500);
    expect(openError(join(locked, "understudy.db")).message).toContain("not writable");
  });

  it.runIf(process.getuid?.() === 0)("explains a data directory that is not writable (as root: `understudy history` run as nobody)", () => {
    chmodSync(dir, 0o755);
    const locked = join(dir, "locked");
    mkdirSync(locked, { mode: 0o755 });
    const config = join(dir, "understudy.yaml");
    writeFileSync(config, "version: 1\nhosts: { A: { address: 127.0.0.1 } }\nservices: { s: { runs_on: [A] } }\nagents: { data_dir: locked }\n", { mode: 0o644 });
    const cli = join(import.meta.dirname, "..", "..", "bin", "understudy.js");
    const run = spawnSync(process.execPath, [cli, "history", "--config", config], { encoding: "utf8", uid: 65534, gid: 65534 });
    expect(run.stderr).toContain(`The state directory is not writable: ${locked}`);
    expect(run.stderr).toContain("Give the agent's user write access to it");
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.status).toBe(2);
  });
});

describe("resolveDataDir", () => {
  it("prefers data_dir, then $STATE_DIRECTORY, then ./.understudy", () => {
    expect(resolveDataDir("state", { STATE_DIRECTORY: "/var/lib/understudy" }, "/etc/understudy")).toBe("/etc/understudy/state");
    expect(resolveDataDir(undefined, { STATE_DIRECTORY: "/var/lib/understudy:/var/lib/other" }, "/etc")).toBe("/var/lib/understudy");
    expect(resolveDataDir(undefined, {}, "/home/me")).toBe("/home/me/.understudy");
  });

  it("a data_dir starting with ~/ is in $HOME, not beside the config", () => {
    expect(resolveDataDir("~/.local/state/understudy", { HOME: "/home/me" }, "/src/understudy/examples")).toBe("/home/me/.local/state/understudy");
    expect(resolveDataDir("~", { HOME: "/home/me" }, "/etc")).toBe("/home/me");
    expect(resolveDataDir("~other/state", { HOME: "/home/me" }, "/etc")).toBe("/etc/~other/state");
  });
});
