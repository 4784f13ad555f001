// `understudy backup` and `understudy restore` as a user meets them, on a local target: run, list,
// verify, prune, restore; exit 2 with a did-you-mean for unknown names and for a damaged snapshot.
import { Writable } from "node:stream";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "./main.js";

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
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "understudy-cli-backup-"));
  const db = new Database(join(dir, "db.sqlite"));
  db.pragma("journal_mode = WAL");
  db.exec("CREATE TABLE t (x); INSERT INTO t VALUES (42);");
  db.close();
  await writeFile(join(dir, "noise_private.key"), "secret-key");
  config = join(dir, "understudy.yaml");
  await writeFile(config, [
    "version: 1",
    "hosts: { L001: { address: 127.0.0.1 } }",
    "services:",
    "  headscale:",
    "    runs_on: [L001]",
    `    data: [{ sqlite: ${join(dir, "db.sqlite")} }, { path: ${join(dir, "noise_private.key")} }]`,
    "    backup: { to: nas, keep: { last: 1 } }",
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

const ids = async () => JSON.parse((await run("backup", "list", "--format", "json")).stdout).snapshots.map((s: { id: string }) => s.id) as string[];

describe("understudy backup / restore", () => {
  it("runs a backup, lists it, verifies it and restores it", async () => {
    const ran = await run("backup", "run");
    expect(ran.code).toBe(0);
    // Piped, progress is a plain line on stderr as each step starts, with the time since the run began.
    expect(ran.stderr.split("\n")).toEqual([
      expect.stringMatching(/^\[ +\d+\.\d s\] headscale: snapshot: copying db\.sqlite \(0\.0 MB\)…$/),
      expect.stringMatching(/^\[ +\d+\.\d s\] headscale: snapshot: computing the sha256 of db\.sqlite \(0\.0 MB\)…$/),
      expect.stringMatching(/^\[ +\d+\.\d s\] headscale: snapshot: running integrity_check on db\.sqlite \(0\.0 MB\)…$/),
      expect.stringMatching(/^\[ +\d+\.\d s\] headscale: snapshot: copying noise_private\.key…$/),
      expect.stringMatching(/^\[ +\d+\.\d s\] headscale: storing on nas \(0\.0 MB\)…$/),
      "",
    ]);
    expect(ran.stdout).toMatch(/^✓ headscale-\d{8}T\d{6}Z-[0-9a-f]{6} → nas\n$/);
    const [id] = await ids();
    expect(await run("backup", "verify")).toMatchObject({ code: 0, stdout: `✓ ${id} on nas: 2 files, 0.0 MB, every SQLite copy ok\n` });
    const to = join(dir, "restored");
    const restored = await run("restore", id!, "--to", to, "--verify");
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain("✓ verified: every file matches the manifest, every SQLite copy passes integrity_check");
    expect(await readFile(join(to, dir, "noise_private.key"), "utf8")).toBe("secret-key");
    const db = new Database(join(to, dir, "db.sqlite"), { readonly: true });
    expect(db.prepare("SELECT x FROM t").pluck().get()).toBe(42);
    db.close();
  });

  it("prunes what keep: no longer keeps, and --dry-run only says so", async () => {
    await run("backup", "run", "headscale");
    await run("backup", "run", "headscale");
    const [older, newer] = await ids();
    expect(await run("backup", "prune", "--dry-run")).toMatchObject({ code: 0, stdout: `would remove ${older} from nas\n1 snapshot would be removed.\n` });
    expect(await ids()).toEqual([older, newer]);
    expect((await run("backup", "prune")).stdout).toBe(`removing ${older} from nas\n1 snapshot removed.\n`);
    expect(await ids()).toEqual([newer]);
  });

  it("exits 2 with a did-you-mean for an unknown service or snapshot id", async () => {
    expect(await run("backup", "run", "headscal")).toMatchObject({ code: 2, stderr: 'understudy: unknown service "headscal"; did you mean "headscale"?; services are: headscale\n' });
    await run("backup", "run");
    const [id] = await ids();
    const typo = `${id!.slice(0, -1)}x`;
    const missing = await run("restore", typo, "--to", join(dir, "r"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`understudy: no complete snapshot "${typo}" in nas; did you mean "${id}"?; \`understudy backup list\` shows them\n`);
    expect(await readdir(dir)).not.toContain("r");
  });

  it("exits 2 when verify finds a damaged snapshot, and restore refuses a non-empty folder", async () => {
    await run("backup", "run");
    const [id] = await ids();
    await writeFile(join(dir, "store", id!, "data", "1-path", "noise_private.key"), "secret-kez");
    const verified = await run("backup", "verify", id!);
    expect(verified.code).toBe(2);
    expect(verified.stdout).toContain(`✗ ${id} on nas is damaged:\n    1-path/noise_private.key: sha256`);
    const restored = await run("restore", id!, "--to", dir);
    expect(restored).toMatchObject({ code: 2 });
    expect(restored.stderr).toContain("is not empty; restore into an empty folder, or pass --force");
  });
});
