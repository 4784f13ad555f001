// The restic kind against the real restic: a repository made by the test in its temp folder, with
// snapshots taken now and (with --time) three days ago on another host, read with the right password,
// a wrong one, and at a path that holds no repository.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { restic } from "../../src/probes/restic.js";
import type { ProbeResult } from "../../src/probes/probe.js";
import { requireBinaries } from "./helpers/binaries.js";
import { makeTempDir } from "./helpers/temp-dir.js";
import type { TempDir } from "./helpers/temp-dir.js";
import { probeContext } from "./helpers/probe-context.js";
import type { TestContext } from "./helpers/probe-context.js";

const PASSWORD = "correct horse battery staple";
const available = requireBinaries("restic", "restic");

let contexts: TestContext[] = [];
afterEach(() => {
  for (const context of contexts) context.stop();
  contexts = [];
});

describe.skipIf(!available)("restic probe against a real restic repository", () => {
  let temp: TempDir;
  let repository: string;
  let data: string;
  let freshId: string;
  const resticCli = (...args: string[]) =>
    execFileSync("restic", ["--no-cache", ...args], { env: { PATH: process.env.PATH, HOME: temp.path, RESTIC_REPOSITORY: repository, RESTIC_PASSWORD: PASSWORD, TZ: "UTC" }, encoding: "utf8" });

  beforeAll(async () => {
    temp = await makeTempDir();
    repository = join(temp.path, "repo");
    data = join(temp.path, "headscale");
    await mkdir(data);
    await writeFile(join(data, "db.sqlite"), "not really a database");
    resticCli("init", "--quiet");
    resticCli("backup", "--quiet", "--host", "old-host", "--tag", "nightly", "--time", new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 19).replace("T", " "), data);
    const out = resticCli("backup", "--json", "--host", "H001", "--tag", "nightly", "--tag", "headscale", data);
    freshId = (JSON.parse(out.trim().split("\n").at(-1)!) as { snapshot_id: string }).snapshot_id.slice(0, 8);
    await writeFile(join(temp.path, "password"), `${PASSWORD}\n`);
  });
  afterAll(() => temp.stop());

  async function probe(input: Record<string, unknown>, env: NodeJS.ProcessEnv = { RESTIC_PW: PASSWORD }, timeoutMs = 10_000): Promise<ProbeResult> {
    const context = probeContext({ env, timeoutMs });
    contexts.push(context);
    return restic.run(restic.schema.parse({ repository, password: "env:RESTIC_PW", max_age: "1h", ...input }), context.ctx);
  }

  it("passes when the newest snapshot is younger than max_age, and names it", async () => {
    const result = await probe({});
    expect(result).toMatchObject({ ok: true, details: { snapshot: freshId, hostname: "H001", paths: [data] } });
    expect(result.message).toMatch(new RegExp(`^restic ${repository}: the newest snapshot \\(${freshId}\\) is \\d+s old, within 1h\\.$`));
  });

  it("reads the password from a file", async () => {
    expect(await probe({ password: `file:${join(temp.path, "password")}`, path: data, tag: ["nightly", "headscale"] })).toMatchObject({ ok: true });
  });

  it("fails as stale when the newest snapshot of the filtered host is older than max_age", async () => {
    const result = await probe({ host: "old-host", max_age: "2d" });
    expect(result).toMatchObject({ ok: false, reason: "stale", details: { hostname: "old-host" } });
    expect(result.message).toMatch(/with host old-host \([0-9a-f]{8}\) is 3d\S* old, older than max_age 2d\.$/);
    // A clock three days on makes the fresh one stale too.
    const later = probeContext({ env: { RESTIC_PW: PASSWORD }, now: () => Date.now() + 3 * 86_400_000 });
    contexts.push(later);
    expect(await restic.run(restic.schema.parse({ repository, password: "env:RESTIC_PW", max_age: "1d" }), later.ctx)).toMatchObject({ ok: false, reason: "stale" });
  });

  it("fails with no_snapshot when nothing matches the path or tag", async () => {
    const result = await probe({ path: "/var/lib/nothing", tag: "nightly" });
    expect(result).toMatchObject({ ok: false, reason: "no_snapshot" });
    expect(result.message).toBe(`restic ${repository} opened, but holds no snapshot with path /var/lib/nothing and tag nightly.`);
  });

  it("fails clearly on a wrong password, never showing it", async () => {
    const result = await probe({}, { RESTIC_PW: "hunter2-wrong" });
    expect(result).toMatchObject({ ok: false, reason: "auth" });
    expect(result.message).toBe(`restic ${repository} refused the password (wrong password or no key found).`);
    expect(JSON.stringify(result)).not.toContain("hunter2-wrong");
  });

  it("fails clearly when the password's variable is unset or the folder holds no repository", async () => {
    expect(await probe({}, {})).toMatchObject({ ok: false, reason: "secret", message: expect.stringContaining("the environment variable RESTIC_PW is not set") });
    const result = await probe({ repository: join(temp.path, "headscale") });
    expect(result).toMatchObject({ ok: false, reason: "unreachable" });
    expect(result.message).toContain("could not be opened: is it a restic repository, and reachable?");
  });

  it("leaves no lock in the repository and is killed on timeout", async () => {
    expect(await readdir(join(repository, "locks"))).toEqual([]);
    const slow = join(temp.path, "slow-restic");
    await writeFile(slow, "#!/bin/sh\nsleep 30\n", { mode: 0o755 });
    const started = Date.now();
    const result = await probe({ binary: slow }, { RESTIC_PW: PASSWORD }, 300);
    expect(result).toMatchObject({ ok: false, reason: "timeout", message: `restic ${repository} did not answer within 300ms.` });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("fails with the network's reason when a remote (rest:) repository does not answer", async () => {
    const result = await probe({ repository: "rest:http://127.0.0.1:9/" });
    expect(result).toMatchObject({ ok: false, reason: "refused" });
    expect(result.message).toMatch(/^restic rest:http:\/\/127\.0\.0\.1:9\/ could not be reached: connection refused \(.*connection refused.*\)\.$/);
  });

  it("says restic is missing rather than throwing", async () => {
    const result = await probe({ binary: join(temp.path, "no-such-restic") });
    expect(result).toMatchObject({ ok: false, reason: "error" });
    expect(result.message).toContain("was not found (apt-get install -y restic)");
  });
});
