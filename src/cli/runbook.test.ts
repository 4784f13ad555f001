// `understudy runbook` as a user runs it: the committed homelab runbooks are in step with the config;
// --check names stale, missing and extra files (exit 1) and the command to regenerate; --output writes
// one file per page; unknown names exit 2 with a suggestion.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, test } from "vitest";
import { main } from "./main.js";
import type { Io } from "./io.js";

function capture(): { io: Io; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  const sink = (append: (text: string) => void) => new Writable({ write(chunk, _encoding, done) { append(String(chunk)); done(); } });
  return { io: { stdout: sink((text) => (out += text)), stderr: sink((text) => (err += text)), env: {} }, out: () => out, err: () => err };
}

const root = new URL("../../", import.meta.url).pathname;
const homelab = join(root, "examples/homelab.yaml");

async function run(...argv: string[]) {
  const { io, out, err } = capture();
  const code = await main(["runbook", ...argv], io);
  return { code, out: out(), err: err() };
}

/** A scratch copy of the homelab config and its runbooks. */
const scratchDirs: string[] = [];
afterAll(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

function scratch() {
  const dir = mkdtempSync(join(tmpdir(), "understudy-runbook-"));
  scratchDirs.push(dir);
  const config = join(dir, "understudy.yaml");
  cpSync(homelab, config);
  const runbooks = join(dir, "runbooks");
  return { dir, config, runbooks };
}

describe("understudy runbook --check", () => {
  test("the committed examples/runbooks are what examples/homelab.yaml generates", async () => {
    const result = await run("--check", join(root, "examples/runbooks"), "--config", homelab);
    expect(result.out).toContain("in step with the config");
    expect(result.code).toBe(0);
  });

  test("a config change makes the pages it touches stale (exit 1, named, with the command)", async () => {
    const { config, runbooks } = scratch();
    expect((await run("--config", config, "--output", runbooks)).code).toBe(0);
    writeFileSync(config, readFileSync(config, "utf8").replace("recovery: { strategy: rebuild, rto: 30m }   # bcachefs", "recovery: { strategy: rebuild, rto: 45m }   # bcachefs"));
    const result = await run("--check", runbooks, "--config", config);
    expect(result.code).toBe(1);
    expect(result.out).toContain(`stale    ${join(runbooks, "services/nfs.md")}`);
    expect(result.out).toContain(`stale    ${join(runbooks, "hosts/H002.md")}`);
    expect(result.out).not.toContain("services/headscale.md");
    expect(result.out).toContain(`understudy runbook --output ${runbooks}`);
  });

  test("a missing and an extra file are named", async () => {
    const { config, runbooks } = scratch();
    await run("--config", config, "--output", runbooks);
    rmSync(join(runbooks, "hosts/H002.md"));
    writeFileSync(join(runbooks, "services/old-service.md"), "# gone\n");
    const result = await run("--check", runbooks, "--config", config);
    expect(result.code).toBe(1);
    expect(result.out).toContain(`missing  ${join(runbooks, "hosts/H002.md")}`);
    expect(result.out).toContain(`extra    ${join(runbooks, "services/old-service.md")}`);
    // Regenerating puts it back in step and removes the page of the service that is gone.
    expect((await run("--config", config, "--output", runbooks)).out).toContain("removed services/old-service.md");
    expect((await run("--check", runbooks, "--config", config)).code).toBe(0);
  });

  test("html: one self-contained file per page, checked in the same way", async () => {
    const { config, runbooks } = scratch();
    expect((await run("--config", config, "--output", runbooks, "--format", "html")).code).toBe(0);
    const l001 = readFileSync(join(runbooks, "hosts/L001.html"), "utf8");
    expect(l001).toMatch(/^<!doctype html>/);
    expect(l001).toContain('<a href="../services/headscale.html">headscale</a>');
    expect((await run("--check", runbooks, "--config", config, "--format", "html")).code).toBe(0);
  });
});

describe("understudy runbook NAME", () => {
  test("prints one page to stdout", async () => {
    const result = await run("H003", "--config", homelab);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^# Host H003/);
  });
  test("an unknown name exits 2 with did you mean", async () => {
    const result = await run("L01", "--config", homelab);
    expect(result.code).toBe(2);
    expect(result.err).toContain('"L01" is neither a host nor a service');
    expect(result.err).toMatch(/did you mean.*L001/i);
  });
});
