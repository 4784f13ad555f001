// The manifest checks on their own (pure): what a snapshot taken by understudy looks like passes,
// including a folder and a database inside it; every way out of the folder is named by its entry.
import { describe, expect, it } from "vitest";
import { manifestText } from "./manifest.js";
import type { Manifest, ManifestEntry } from "./manifest.js";
import { manifestPathProblems, openManifest } from "./manifest-check.js";

const meta = { mode: 0o644, uid: 1000, gid: 1000, mtime_ms: 0 };
const file = (path: string, extra: Partial<ManifestEntry> = {}): ManifestEntry => ({ path, type: "file", size: 1, sha256: "0".repeat(64), ...meta, ...extra });

function manifest(change: (m: Manifest) => void = () => undefined): Manifest {
  const m: Manifest = {
    format: 1, id: "app-20260101T000000Z-abcdef", service: "app", host: "h", created_at: "2026-01-01T00:00:00.000Z",
    items: [
      { kind: "path", source: "/var/lib/app/", stored: "0-path/app" },
      { kind: "sqlite", source: "/var/lib/app/db.sqlite", stored: "1-sqlite/db.sqlite" },
      { kind: "command", source: "pg_dump app", stored: "2-command/pg_dump.out" },
    ],
    files: [
      { path: "0-path/app", type: "dir", ...meta, mode: 0o755 },
      file("0-path/app/a.txt"),
      { path: "0-path/app/current", type: "symlink", target: "/etc/ssl/cert.pem", ...meta },
      file("1-sqlite/db.sqlite"),
      file("2-command/pg_dump.out"),
    ],
    sqlite: [{ path: "1-sqlite/db.sqlite", integrity_check: "ok" }],
  };
  change(m);
  return m;
}

describe("manifest checks", () => {
  it("pass a snapshot as understudy takes it: nested items, a trailing slash, a symlink pointing anywhere", () => {
    expect(manifestPathProblems(manifest())).toEqual([]);
    expect(openManifest(manifestText(manifest()), "m").digest).toBe("verified");
  });

  it.each([
    ["a files[] path with ..", (m: Manifest) => void (m.files[1]!.path = "0-path/app/../../x"), 'files[1] "0-path/app/../../x": the path has a ".." segment (it would leave the folder)'],
    ["an absolute files[] path", (m: Manifest) => void (m.files[1]!.path = "/etc/passwd"), 'files[1] "/etc/passwd": the path is an absolute path'],
    ["a files[] path of no item", (m: Manifest) => void (m.files[1]!.path = "9-path/x"), 'files[1] "9-path/x": belongs to no item'],
    ["a file beneath a symlink", (m: Manifest) => void m.files.push(file("0-path/app/current/x")), 'files[5] "0-path/app/current/x": lies beneath the symlink files[2] "0-path/app/current" (it would be written through it)'],
    ["an item placed beneath another's symlink", (m: Manifest) => void (m.items[1]!.source = "/var/lib/app/current/db.sqlite"), 'files[3] "1-sqlite/db.sqlite": would be restored at var/lib/app/current/db.sqlite, through the symlink files[2] "0-path/app/current" restored at var/lib/app/current'],
    ["a dump placed beneath a symlink", (m: Manifest) => void (m.items.push({ kind: "path", source: "/understudy-dumps", stored: "3-path/d" }), m.files.push({ path: "3-path/d", type: "symlink", target: "/etc", ...meta })), 'files[4] "2-command/pg_dump.out": would be restored at understudy-dumps/pg_dump.out, through the symlink files[5] "3-path/d" restored at understudy-dumps'],
    ["an item source with ..", (m: Manifest) => void (m.items[0]!.source = "../../etc"), 'items[0] "0-path/app": its source ../../etc has a "." or ".." segment (it would be restored outside the folder)'],
    ["an item source of the whole folder", (m: Manifest) => void (m.items[0]!.source = "/"), 'items[0] "0-path/app": its source "/" would be restored over the whole folder'],
    ["an absolute stored path", (m: Manifest) => void (m.items[2]!.stored = "/2-command/x"), 'items[2] "/2-command/x": its stored path is an absolute path'],
    ["overlapping items", (m: Manifest) => void (m.items[1]!.stored = "0-path/app/db.sqlite"), 'items[1] "0-path/app/db.sqlite": overlaps items[0] "0-path/app"'],
    ["a database that is not a file", (m: Manifest) => void (m.sqlite[0]!.path = "0-path/app"), 'sqlite[0] "0-path/app": not a file of the snapshot'],
    ["a mode with file-type bits", (m: Manifest) => void (m.files[1]!.mode = 0o106777), 'files[1] "0-path/app/a.txt": mode 106777 is more than permission bits (at most 7777)'],
  ])("refuse %s, naming the entry", (_name, change, problem) => {
    expect(manifestPathProblems(manifest(change))).toContain(problem);
  });

  it("catch an edited manifest by its digest, and accept an old one without a digest", () => {
    const text = manifestText(manifest());
    expect(() => openManifest(text.replace('"size": 1', '"size": 2'), "m.json")).toThrow("m.json was changed after it was written (its digest does not match its content)");
    expect(openManifest(JSON.stringify(manifest()), "m.json").digest).toBe("absent");
  });
});
