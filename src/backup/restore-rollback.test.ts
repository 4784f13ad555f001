// A restore that fails while placing items (here: --no-verify on a snapshot that lost its second item)
// puts back what the first item replaced: what was in --to is never lost to a half-done restore.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { takeSnapshot } from "./snapshot.js";
import { LocalTarget } from "./targets/local.js";
import { restoreSnapshot } from "./restore.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "understudy-rollback-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

it("puts back what it replaced when a later item cannot be placed", async () => {
  const first = join(dir, "src", "first");
  const second = join(dir, "src", "second.txt");
  await mkdir(first, { recursive: true });
  await writeFile(join(first, "a.txt"), "snapshot a");
  await writeFile(second, "snapshot b");
  const target = new LocalTarget(join(dir, "store"));
  const snapshot = await takeSnapshot({ service: "app", stagingRoot: join(dir, "staging"), data: [{ path: first }, { path: second }] });
  await target.put(snapshot.dir);
  await rm(join(dir, "store", snapshot.manifest.id, "data", "1-path"), { recursive: true });

  const to = join(dir, "to");
  await mkdir(join(to, first), { recursive: true });
  await writeFile(join(to, first, "a.txt"), "mine a");
  await writeFile(join(to, first, "only-mine.txt"), "mine too");
  await writeFile(join(to, second), "mine b");

  await expect(restoreSnapshot({ target, id: snapshot.manifest.id, to, force: true })).rejects.toMatchObject({ kind: "corrupt", message: expect.stringContaining("1-path/second.txt: missing") });
  await expect(restoreSnapshot({ target, id: snapshot.manifest.id, to, force: true, verify: false })).rejects.toMatchObject({ kind: "corrupt", message: `items[1] (${second}) is not in the snapshot (1-path/second.txt is missing); nothing was restored` });
  expect((await readdir(join(to, first))).sort()).toEqual(["a.txt", "only-mine.txt"]);
  expect(await readFile(join(to, first, "a.txt"), "utf8")).toBe("mine a");
  expect(await readFile(join(to, second), "utf8")).toBe("mine b");
  expect((await readdir(join(to, dir, "src"))).sort()).toEqual(["first", "second.txt"]);
  expect(await readdir(to)).toEqual([dir.split("/")[1]]);
});
