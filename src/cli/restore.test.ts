// `understudy restore` and `understudy backup verify` through the CLI, on a local target, as a user
// meets a damaged or crafted snapshot: restore verifies by default (exit 2, nothing placed, what was in
// --to kept), --no-verify restores a damaged one anyway and says what is wrong, and a manifest whose
// paths leave the folder is refused by both commands with the entry named.
import { Writable } from "node:stream";
import { createHash } from "node:crypto";
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "./main.js";
import { manifestText } from "../backup/manifest.js";
import type { Manifest } from "../backup/manifest.js";

class Capture extends Writable {
  text = "";
  isTTY = false;
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

let dir: string;
let config: string;
let key: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "understudy-cli-restore-"));
  key = join(dir, "live", "noise_private.key");
  await mkdir(join(dir, "live"));
  await writeFile(key, "secret-key");
  config = join(dir, "understudy.yaml");
  await writeFile(config, [
    "version: 1",
    "hosts: { L001: { address: 127.0.0.1 } }",
    "services:",
    "  headscale:",
    "    runs_on: [L001]",
    `    data: [{ path: ${key} }]`,
    "    backup: { to: nas }",
    "backup_targets:",
    `  nas: { local: { path: ${join(dir, "store")} } }`,
    "agents:",
    `  data_dir: ${join(dir, "state")}`,
    "",
  ].join("\n"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main([...argv, "--config", config], { stdout, stderr, env: {} });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

async function backedUp(): Promise<string> {
  expect((await run("backup", "run")).code).toBe(0);
  return (await readdir(join(dir, "store")))[0]!;
}

describe("understudy restore of a damaged or crafted snapshot", () => {
  it("verifies by default: a damaged snapshot exits 2, places nothing and keeps what --to held", async () => {
    const id = await backedUp();
    await writeFile(join(dir, "store", id, "data", "0-path", "noise_private.key"), "secret-kez");
    const to = join(dir, "to");
    await mkdir(join(to, dir, "live"), { recursive: true });
    await writeFile(join(to, key), "the copy already here");
    const restored = await run("restore", id, "--to", to, "--force");
    expect(restored.code).toBe(2);
    expect(restored.stderr).toMatch(new RegExp(`^understudy: snapshot ${id} is damaged \\(0-path/noise_private.key: sha256 [0-9a-f]{12}…, expected [0-9a-f]{12}… \\(the content changed\\)\\); nothing was restored\\. \`understudy restore ${id} --no-verify\` restores it anyway, as it is\\n$`));
    expect(await readFile(join(to, key), "utf8")).toBe("the copy already here");
    expect(await readdir(to)).toEqual([dir.split("/")[1]]);
    const fresh = await run("restore", id, "--to", join(dir, "fresh"));
    expect(fresh.code).toBe(2);
    expect(await readdir(dir)).not.toContain("fresh");
  });

  it("--no-verify restores a damaged snapshot anyway, saying what is wrong", async () => {
    const id = await backedUp();
    await writeFile(join(dir, "store", id, "data", "0-path", "noise_private.key"), "secret-kez");
    const to = join(dir, "to");
    const restored = await run("restore", id, "--to", to, "--no-verify");
    expect(restored).toMatchObject({ code: 0, stderr: "" });
    expect(restored.stdout).toMatch(/! restored with --no-verify although the snapshot is damaged: 0-path\/noise_private.key: sha256 .* \(the content changed\)/);
    expect(await readFile(join(to, key), "utf8")).toBe("secret-kez");
    expect((await run("restore", id, "--to", join(dir, "x"), "--verify", "--no-verify")).stderr).toContain("--verify and --no-verify contradict each other");
  });

  it("refuses a manifest whose path leaves the folder, in restore and in backup verify, naming the entry", async () => {
    const id = await backedUp();
    const file = join(dir, "store", id, "manifest.json");
    const manifest = JSON.parse(await readFile(file, "utf8")) as Manifest;
    const canary = join(dir, "canary.txt");
    await writeFile(canary, "canary");
    const path = `0-path/${"../".repeat(30)}${canary.slice(1)}`;
    manifest.files.push({ path, type: "file", size: 6, sha256: createHash("sha256").update("canary").digest("hex"), mode: 0o6777, uid: process.getuid!(), gid: process.getgid!(), mtime_ms: 0 });
    await writeFile(file, manifestText(manifest));
    const before = { listing: (await readdir(dir)).sort(), mode: (await lstat(canary)).mode, mtime: (await lstat(canary)).mtimeMs };
    const verified = await run("backup", "verify", id);
    expect(verified.code).toBe(2);
    expect(verified.stdout).toContain(`✗ ${id} on nas is damaged:\n    ${file} is unsafe: files[1] "${path}": the path has a ".." segment (it would leave the folder); the snapshot was refused`);
    const restored = await run("restore", id, "--to", join(dir, "to"));
    expect(restored.code).toBe(2);
    expect(restored.stderr).toContain(`files[1] "${path}": the path has a ".." segment`);
    expect({ listing: (await readdir(dir)).sort(), mode: (await lstat(canary)).mode, mtime: (await lstat(canary)).mtimeMs }).toEqual(before);
  });
});
