// Snapshot, verify and restore through the local target, on a temporary tree: what a user checks
// after a restore (content, mode, mtime, symlinks, the dump's output) and what restore refuses.
import { chmod, lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, utimes, writeFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { takeSnapshot } from "./snapshot.js";
import { LocalTarget } from "./targets/local.js";
import { restoreSnapshot } from "./restore.js";
import { verifyStored } from "./verify.js";
import { readManifest } from "./manifest.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "understudy-snapshot-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function acmeTree(): Promise<string> {
  const acme = join(dir, "src", "acme");
  await mkdir(join(acme, "certs"), { recursive: true });
  await writeFile(join(acme, "certs", "cert.pem"), "CERT");
  await writeFile(join(acme, "key.pem"), "KEY");
  await chmod(join(acme, "key.pem"), 0o640);
  await utimes(join(acme, "key.pem"), new Date("2025-06-01T00:00:00Z"), new Date("2025-06-01T00:00:00Z"));
  await symlink("certs/cert.pem", join(acme, "current.pem"));
  return acme;
}

describe("snapshot and restore", () => {
  it("restores a tree with its mode, mtime and symlinks, and a dump command's output", async () => {
    const acme = await acmeTree();
    const target = new LocalTarget(join(dir, "store"));
    const snapshot = await takeSnapshot({ service: "web", stagingRoot: join(dir, "staging"), data: [{ path: acme }, { command: ["printf", "%s", "dumped"] }] });
    await target.put(snapshot.dir);
    const to = join(dir, "restore");
    const result = await restoreSnapshot({ target, id: snapshot.manifest.id, to, verify: true });
    expect(result.verify).toMatchObject({ ok: true, problems: [] });
    const key = await lstat(join(to, acme, "key.pem"));
    expect(key.mode & 0o777).toBe(0o640);
    expect(key.mtime.toISOString()).toBe("2025-06-01T00:00:00.000Z");
    expect(await readlink(join(to, acme, "current.pem"))).toBe("certs/cert.pem");
    expect(await readFile(join(to, acme, "current.pem"), "utf8")).toBe("CERT");
    expect(await readFile(join(to, "understudy-dumps", "printf.out"), "utf8")).toBe("dumped");
  });

  it("writes the manifest last: a staging folder without one is not a snapshot", async () => {
    const acme = await acmeTree();
    const snapshot = await takeSnapshot({ service: "web", stagingRoot: join(dir, "staging"), data: [{ path: acme }] });
    const manifest = await readManifest(snapshot.dir);
    expect(manifest.files.map((f) => `${f.type} ${f.path}`)).toEqual([
      "dir 0-path/acme", "dir 0-path/acme/certs", "file 0-path/acme/certs/cert.pem", "symlink 0-path/acme/current.pem", "file 0-path/acme/key.pem",
    ]);
    await rm(join(snapshot.dir, "manifest.json"));
    await expect(readManifest(snapshot.dir)).rejects.toMatchObject({ kind: "corrupt" });
  });

  it("fails a snapshot whose dump command fails, naming the command and its stderr", async () => {
    await expect(takeSnapshot({ service: "db", stagingRoot: join(dir, "staging"), data: [{ command: ["sh", "-c", "echo 'no such database' >&2; exit 3"] }] }))
      .rejects.toMatchObject({ kind: "source", message: "the dump command sh -c echo 'no such database' >&2; exit 3 exited with 3: no such database" });
  });

  it("catches a flipped byte in a stored snapshot, and restore --verify then restores nothing", async () => {
    const acme = await acmeTree();
    const target = new LocalTarget(join(dir, "store"));
    const snapshot = await takeSnapshot({ service: "web", stagingRoot: join(dir, "staging"), data: [{ path: acme }] });
    await target.put(snapshot.dir);
    await writeFile(join(dir, "store", snapshot.manifest.id, "data", "0-path", "acme", "key.pem"), "KEZ");
    const result = await verifyStored(target, snapshot.manifest.id);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.stringMatching(/^0-path\/acme\/key\.pem: sha256 [0-9a-f]{12}…, expected [0-9a-f]{12}… \(the content changed\)$/)]);
    await expect(restoreSnapshot({ target, id: snapshot.manifest.id, to: join(dir, "restore"), verify: true })).rejects.toMatchObject({ kind: "corrupt" });
    expect(await readdir(dir)).not.toContain("restore");
  });

  it("restoring a database in place removes the WAL of the one it replaces", async () => {
    const Database = (await import("better-sqlite3")).default;
    const file = join(dir, "live.sqlite");
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.exec("CREATE TABLE t (x); INSERT INTO t VALUES ('snapshot');");
    db.close();
    const target = new LocalTarget(join(dir, "store"));
    const snapshot = await takeSnapshot({ service: "app", stagingRoot: join(dir, "staging"), data: [{ sqlite: file }] });
    await target.put(snapshot.dir);
    const to = join(dir, "restore");
    await mkdir(join(to, dir), { recursive: true });
    await writeFile(join(to, `${file}-wal`), "frames of another database");
    await restoreSnapshot({ target, id: snapshot.manifest.id, to, force: true, verify: true });
    expect((await readdir(join(to, dir))).sort()).toEqual(["live.sqlite"]);
    const restored = new Database(join(to, file), { readonly: true });
    expect(restored.prepare("SELECT x FROM t").pluck().get()).toBe("snapshot");
    restored.close();
  });

  it("refuses a non-empty folder unless forced, and then replaces only the snapshot's paths", async () => {
    const acme = await acmeTree();
    const target = new LocalTarget(join(dir, "store"));
    const snapshot = await takeSnapshot({ service: "web", stagingRoot: join(dir, "staging"), data: [{ path: acme }] });
    await target.put(snapshot.dir);
    const to = join(dir, "restore");
    await mkdir(join(to, acme), { recursive: true });
    await writeFile(join(to, "other.txt"), "mine");
    await writeFile(join(to, acme, "stale.pem"), "old");
    await expect(restoreSnapshot({ target, id: snapshot.manifest.id, to })).rejects.toMatchObject({ kind: "refused", message: expect.stringContaining("pass --force") });
    await restoreSnapshot({ target, id: snapshot.manifest.id, to, force: true });
    expect(await readFile(join(to, "other.txt"), "utf8")).toBe("mine");
    expect((await readdir(join(to, acme))).sort()).toEqual(["certs", "current.pem", "key.pem"]);
  });
});
