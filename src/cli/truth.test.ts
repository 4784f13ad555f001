// What the CLI says is true: the README's sample outputs are what the commands print (at 80 columns,
// abridged only by "…" lines), a config without services gets no score, and examples/homelab.yaml keeps
// the agent's state out of examples/.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, test } from "vitest";
import { main } from "./main.js";
import type { Io } from "./io.js";
import { loadConfig } from "../config/load.js";
import { fixtureApp, fixtureConfig, TOKENS } from "../api/app-fixture.js";
import { resolveDataDir } from "../store/data-dir.js";

async function run(argv: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const sink = () => new Writable({ write(chunk, _encoding, done) { out += String(chunk); done(); } });
  const io: Io = { stdout: sink(), stderr: sink(), env: { COLUMNS: "80" } };
  const code = await main(argv, io);
  return { code, out };
}

/** The README's fenced blocks that start with `$ node bin/understudy.js …`. */
function readmeSamples(): Array<{ argv: string[]; parts: string[] }> {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  return [...readme.matchAll(/```\n\$ node bin\/understudy\.js ([^\n]+)\n([\s\S]*?)```/g)].map((match) => ({
    argv: match[1]!.split(" "),
    // The runs of lines between "…" lines: each must be in the output as written.
    parts: match[2]!.split(/^…\n/m).map((part) => part.replace(/\n$/, "")).filter((part) => part !== ""),
  }));
}

describe("the README's sample outputs", () => {
  const samples = readmeSamples();
  test("there are samples for analyze and plan", () => {
    expect(samples.map((sample) => sample.argv[0])).toEqual(expect.arrayContaining(["analyze", "plan"]));
  });

  test.each(samples.map((sample) => [sample.argv.join(" "), sample] as const))("understudy %s prints what the README shows", async (_, sample) => {
    const { code, out } = await run(sample.argv);
    expect(code).toBe(0);
    expect(sample.parts.join("\n").split("\n").length).toBeGreaterThan(5);
    for (const part of sample.parts) expect(out).toContain(`${part}\n`);
  });
});

describe("a config with no services", () => {
  const dir = mkdtempSync(join(tmpdir(), "understudy-truth-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, "understudy.yaml");
  writeFileSync(config, "version: 1\nhosts:\n  A: { address: 10.0.0.1 }\nservices: {}\n");

  test("analyze says there is nothing to score, not 100/100", async () => {
    const { code, out } = await run(["analyze", "--config", config]);
    expect(code).toBe(0);
    expect(out).not.toContain("100/100");
    expect(out).toContain("Nothing to score: the config has no services.");
  });

  test("plan says there is nothing to plan or score", async () => {
    const { code, out } = await run(["plan", "--config", config]);
    expect(code).toBe(0);
    expect(out).not.toMatch(/score 100/);
    expect(out).toContain("Nothing to plan or score: the config has no services.");
  });

  test("analyze --format json has a null score and the reason, not 100", async () => {
    const { code, out } = await run(["analyze", "--config", config, "--format", "json"]);
    expect(code).toBe(0);
    expect(JSON.parse(out).score).toEqual({ value: null, reason: expect.stringContaining("Nothing to score: the config has no services."), services: 0, survive_any_single_failure: 0, exposed: [], spofs: 0 });
  });

  test("the dashboard's /api/analysis says the same", async () => {
    // The API fixture's users and tokens, its services taken away.
    const fixture = await fixtureApp({}, { ...(await fixtureConfig()), services: {} });
    try {
      const response = await fixture.app.request("/api/analysis", { headers: { authorization: `Bearer ${TOKENS.viewer}` } });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { score: { value: unknown; reason: string } };
      expect(body.score.value).toBeNull();
      expect(body.score.reason).toContain("Nothing to score");
    } finally {
      await fixture.close();
    }
  });
});

describe("examples/homelab.yaml's data folder", () => {
  test("the agent's state goes to ~/.local/state/understudy, not into examples/", () => {
    const file = resolve("examples/homelab.yaml");
    const loaded = loadConfig(file);
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    const dataDir = resolveDataDir(loaded.config.agents?.data_dir, { HOME: "/home/me" }, dirname(file));
    expect(dataDir).toBe("/home/me/.local/state/understudy");
    expect(dataDir.startsWith(dirname(file))).toBe(false);
  });
});
