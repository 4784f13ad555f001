// One conformance suite for every backup target kind, each against the real thing: a local folder,
// OpenSSH's sftp-server (sshd on loopback, host key pinned) and a restic repository (Debian restic).
// Every kind must: round-trip a snapshot, never list a snapshot whose put was killed (kill -9 of the
// process group mid-put), let verify catch a flipped byte, and remove.
import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import { mkdir, readFile, readdir, writeFile, open, symlink } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { takeSnapshot } from "../../src/backup/snapshot.js";
import { backupTargetSchema } from "../../src/backup/config.js";
import { openTarget } from "../../src/backup/targets/registry.js";
import { verifySnapshotDir, verifyStored } from "../../src/backup/verify.js";
import { BackupError } from "../../src/backup/errors.js";
import type { BackupTarget } from "../../src/backup/target.js";
import { requireBinaries } from "./helpers/binaries.js";
import { startSshd as startSftpServer } from "./helpers/sshd.js";
import type { Sshd } from "./helpers/sshd.js";
import { makeTempDir } from "./helpers/temp-dir.js";
import type { TempDir } from "./helpers/temp-dir.js";

const haveSshd = requireBinaries("openssh-server openssh-client", "sshd", "ssh-keygen");
const haveRestic = requireBinaries("restic", "restic");

interface Kind {
  name: string;
  available: boolean;
  /** A fresh, empty target in `dir`; returns its backup_targets entry. */
  create(dir: string): Promise<Record<string, unknown>>;
  /** Flips one byte of what the target stored, below `dir`. */
  corrupt(dir: string): Promise<void>;
}

let sshd: Sshd | undefined;
const env: NodeJS.ProcessEnv = { ...process.env, RESTIC_TEST_PASSWORD: "correct horse" };

async function flipByteIn(file: string, at?: number): Promise<void> {
  const handle = await open(file, "r+");
  try {
    const { size } = await handle.stat();
    const position = at ?? Math.floor(size / 2);
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, position);
    byte[0] = byte[0]! ^ 0xff;
    await handle.write(byte, 0, 1, position);
  } finally {
    await handle.close();
  }
}

async function filesBelow(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesBelow(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** The stored copy of the plain file "notes.txt" in a local-folder layout. */
async function flipStoredNotes(dir: string): Promise<void> {
  const notes = (await filesBelow(dir)).find((file) => file.endsWith("notes.txt"));
  if (!notes) throw new Error("no stored notes.txt to corrupt");
  await flipByteIn(notes);
}

const kinds: Kind[] = [
  { name: "local", available: true, create: async (dir) => ({ local: { path: join(dir, "store") } }), corrupt: (dir) => flipStoredNotes(join(dir, "store")) },
  {
    name: "sftp",
    available: haveSshd,
    create: async (dir) => ({
      sftp: { host: sshd!.host, port: sshd!.port, user: sshd!.user, host_key: sshd!.hostKeyFingerprint, private_key: `file:${sshd!.clientKeyFile}`, path: join(dir, "remote") },
    }),
    corrupt: (dir) => flipStoredNotes(join(dir, "remote")),
  },
  {
    name: "restic",
    available: haveRestic,
    create: async (dir) => {
      const repository = join(dir, "repo");
      execFileSync("restic", ["init", "--quiet"], { env: { ...env, RESTIC_REPOSITORY: repository, RESTIC_PASSWORD: env.RESTIC_TEST_PASSWORD } });
      return { restic: { repository, password: "env:RESTIC_TEST_PASSWORD" } };
    },
    // restic packs are encrypted and authenticated: one flipped byte in each pack file.
    corrupt: async (dir) => {
      for (const pack of await filesBelow(join(dir, "repo", "data"))) await flipByteIn(pack, 40);
    },
  },
];

let source: TempDir;
beforeAll(async () => {
  if (haveSshd) sshd = await startSftpServer();
  source = await makeTempDir("understudy-backup-source-");
  await mkdir(join(source.path, "acme", "certs"), { recursive: true });
  await writeFile(join(source.path, "acme", "certs", "notes.txt"), "a".repeat(64 * 1024));
  await writeFile(join(source.path, "acme", "key.pem"), "-----BEGIN KEY-----\n", { mode: 0o600 });
  await symlink("certs/notes.txt", join(source.path, "acme", "current"));
  execFileSync("sqlite3", [join(source.path, "db.sqlite"), "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1),(2),(3);"]);
});
afterAll(async () => {
  await sshd?.stop();
  await source?.stop();
});

async function stage(dir: string, service = "headscale") {
  return takeSnapshot({ service, stagingRoot: join(dir, "staging"), data: [{ sqlite: join(source.path, "db.sqlite") }, { path: join(source.path, "acme") }] });
}

for (const kind of kinds) {
  describe.skipIf(!kind.available)(`backup target: ${kind.name}`, () => {
    let work: TempDir;
    let entry: Record<string, unknown>;
    let target: BackupTarget;
    beforeEach(async () => {
      work = await makeTempDir(`understudy-target-${kind.name}-`);
      entry = backupTargetSchema.parse(await kind.create(work.path)) as Record<string, unknown>;
      target = await openTarget(entry, { env });
      return async () => {
        await target.close();
        await work.stop();
      };
    });

    it("stores a snapshot, lists it and gives it back byte for byte", async () => {
      const snapshot = await stage(work.path);
      await target.put(snapshot.dir);
      const listed = await target.list();
      expect(listed.map((s) => s.id)).toEqual([snapshot.manifest.id]);
      expect(listed[0]).toMatchObject({ service: "headscale", bytes: expect.any(Number) });
      const back = join(work.path, "back");
      await mkdir(back);
      const manifest = await target.get(snapshot.manifest.id, back);
      expect(manifest).toEqual(snapshot.manifest);
      expect(await verifySnapshotDir(back)).toMatchObject({ ok: true, problems: [] });
      expect(await readFile(join(back, "data", "1-path", "acme", "certs", "notes.txt"), "utf8")).toBe("a".repeat(64 * 1024));
    });

    it("never lists a snapshot whose put was killed with kill -9", async () => {
      // Enough files that the kill lands mid-put: the child says when the first bytes are stored.
      const many = join(work.path, "many");
      await mkdir(many);
      for (let i = 0; i < 400; i++) await writeFile(join(many, `f${i}`), `${i}`.repeat(20_000));
      const snapshot = await takeSnapshot({ service: "headscale", stagingRoot: join(work.path, "staging"), data: [{ path: many }] });
      const child = spawn(process.execPath, ["--import", "./test/integration/backup-fixtures/ts-register.mjs", "test/integration/backup-fixtures/put-child.ts", JSON.stringify(entry), snapshot.dir], { env, detached: true, stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      await new Promise<void>((resolve) => {
        const ready = () => out.includes(kind.name === "restic" ? "started" : "progress");
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          if (ready()) resolve();
        });
        void exited.then(() => resolve());
      });
      if (kind.name === "restic") await waitForFile(join(work.path, "repo", "locks"));
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
      await exited;
      expect(out).not.toContain("complete");
      expect((await target.list()).map((s) => s.id)).not.toContain(snapshot.manifest.id);
    });

    it("lets verify catch one flipped byte", async () => {
      const snapshot = await stage(work.path);
      await target.put(snapshot.dir);
      expect(await verifyStored(target, snapshot.manifest.id)).toMatchObject({ ok: true });
      await kind.corrupt(work.path);
      const result = await verifyStored(target, snapshot.manifest.id);
      expect(result.ok).toBe(false);
      expect(result.problems.join("\n")).toMatch(kind.name === "restic" ? /restic failed/ : /notes\.txt: sha256 .* \(the content changed\)/);
    });

    it("removes a snapshot and keeps the others", async () => {
      const first = await stage(work.path);
      const second = await stage(work.path);
      await target.put(first.dir);
      await target.put(second.dir);
      await target.remove(first.manifest.id);
      expect((await target.list()).map((s) => s.id)).toEqual([second.manifest.id]);
      const back = join(work.path, "back");
      await mkdir(back);
      await expect(target.get(first.manifest.id, back)).rejects.toMatchObject({ kind: "not_found" });
      await expect(target.get("headscale-20990101T000000Z-abcdef", back)).rejects.toBeInstanceOf(BackupError);
    });
  });
}

async function waitForFile(dir: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const names = await readdir(dir).catch(() => []);
    if (names.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("errors that touch nothing", () => {
  let work: TempDir;
  beforeEach(async () => {
    work = await makeTempDir("understudy-target-errors-");
    return () => work.stop();
  });

  async function untouched(dir: string): Promise<string[]> {
    return (await readdir(dir)).sort();
  }

  it.skipIf(!haveRestic)("a wrong restic password is a clear auth error, and a restore target stays as it was", async () => {
    const repository = join(work.path, "repo");
    execFileSync("restic", ["init", "--quiet"], { env: { ...env, RESTIC_REPOSITORY: repository, RESTIC_PASSWORD: "right" } });
    const target = await openTarget(backupTargetSchema.parse({ restic: { repository, password: "env:WRONG" } }) as Record<string, unknown>, { env: { ...env, WRONG: "wrong" } });
    const error = await target.list().catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "auth", message: `restic ${repository}: wrong password (restic found no key for it); nothing was touched` });
    const to = join(work.path, "restore");
    await mkdir(to);
    await writeFile(join(to, "keep.txt"), "mine");
    const { restoreSnapshot } = await import("../../src/backup/restore.js");
    await expect(restoreSnapshot({ target, id: "headscale-20260101T000000Z-abcdef", to, force: true })).rejects.toMatchObject({ kind: "auth" });
    expect(await untouched(to)).toEqual(["keep.txt"]);
    expect(await untouched(work.path)).toEqual(["repo", "restore"]);
  });

  it.skipIf(!haveSshd)("an unreachable SFTP host is a clear error, and a restore target stays as it was", async () => {
    const { freePort } = await import("./helpers/free-port.js");
    const port = await freePort();
    const target = await openTarget(backupTargetSchema.parse({
      sftp: { host: "127.0.0.1", port, user: "nobody", host_key: sshd!.hostKeyFingerprint, private_key: `file:${sshd!.clientKeyFile}`, path: "/srv/backups" },
    }) as Record<string, unknown>, { env });
    await expect(target.list()).rejects.toMatchObject({ kind: "unreachable", message: `nobody@127.0.0.1:${port} is unreachable: connection refused; nothing was touched` });
    const to = join(work.path, "restore");
    const { restoreSnapshot } = await import("../../src/backup/restore.js");
    await expect(restoreSnapshot({ target, id: "headscale-20260101T000000Z-abcdef", to })).rejects.toMatchObject({ kind: "unreachable" });
    expect(await untouched(work.path)).toEqual([]);
    await target.close();
  });

  it.skipIf(!haveSshd)("an SFTP host whose key differs from the pinned one is refused before anything is sent", async () => {
    const pinned = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    const target = await openTarget(backupTargetSchema.parse({
      sftp: { host: sshd!.host, port: sshd!.port, user: sshd!.user, host_key: pinned, private_key: `file:${sshd!.clientKeyFile}`, path: join(work.path, "remote") },
    }) as Record<string, unknown>, { env });
    await expect(target.list()).rejects.toMatchObject({ kind: "host_key", message: expect.stringContaining(`the host key is ${sshd!.hostKeyFingerprint}, but ${pinned} is pinned`) });
    expect(await untouched(work.path)).toEqual([]);
  });
});
