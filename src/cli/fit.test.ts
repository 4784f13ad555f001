// The CLI in an 80-column terminal: tables wrap inside their cells at spaces, prose wraps at spaces, and
// every command's --help fits. Checked on examples/homelab.yaml through `main`, as a user runs it, and
// on import's report, backup list and drill --list.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import Database from "better-sqlite3";
import { afterAll, describe, expect, test } from "vitest";
import { DrillJournal } from "../drill/journal.js";
import { beginInjecting, beginRestoring, detected, finished, injected, newDrill, sawFailure, serving, switched } from "../drill/machine.js";
import { storePathIn } from "../store/data-dir.js";
import { openStore } from "../store/db.js";
import { main } from "./main.js";
import { commands } from "./commands.js";
import { colors, terminalWidth, type Io } from "./io.js";
import { renderAgents } from "./agents.js";
import { textTable } from "./table.js";

function capture(env: NodeJS.ProcessEnv, tty?: { columns: number }): { io: Io; out: () => string } {
  let out = "";
  const sink = () => Object.assign(new Writable({ write(chunk, _encoding, done) { out += String(chunk); done(); } }), tty ? { isTTY: true, columns: tty.columns } : {});
  return { io: { stdout: sink(), stderr: sink(), env: { ...env, NO_COLOR: "1" } }, out: () => out };
}

async function run(argv: string[], columns: number): Promise<string> {
  const { io, out } = capture({ COLUMNS: String(columns) });
  expect(await main(argv, io)).toBe(0);
  return out();
}

const isRule = (line: string) => /^[─ ]+$/.test(line);
const words = (text: string) => text.split("\n").filter((line) => !isRule(line)).flatMap((line) => line.split(/\s+/)).filter(Boolean);

describe.each([["analyze"], ["analyze", "--depth", "2"], ["plan"], ["analyze", "--fail", "H001,nfs"]])("understudy %s on examples/homelab.yaml", (...command) => {
  const argv = [...command, "--config", "examples/homelab.yaml"];

  test("at 80 columns no line is wider than 80, and every word is whole", async () => {
    const narrow = await run(argv, 80);
    const wide = await run(argv, 10_000);
    const tooWide = narrow.split("\n").filter((line) => line.length > 80);
    expect(tooWide).toEqual([]);
    // The wide output has lines over 80 (so the test can fail): the narrow one wrapped them.
    expect(wide.split("\n").some((line) => line.length > 80)).toBe(true);
    const whole = new Set(words(wide));
    expect(words(narrow).filter((word) => !whole.has(word))).toEqual([]);
    // Nothing lost or duplicated by wrapping: the same words (a table's cells interleave, so unordered).
    expect(words(narrow).sort()).toEqual(words(wide).sort());
  });
});

describe("the width", () => {
  test("a terminal's own width wins over $COLUMNS; else $COLUMNS; else 80", () => {
    expect(terminalWidth(capture({ COLUMNS: "120" }, { columns: 100 }).io)).toBe(100);
    expect(terminalWidth(capture({ COLUMNS: "120" }).io)).toBe(120);
    expect(terminalWidth(capture({ COLUMNS: "wide" }).io)).toBe(80);
    expect(terminalWidth(capture({}).io)).toBe(80);
  });

  test("a 60-column terminal gets a 60-column plan", async () => {
    const { io, out } = capture({}, { columns: 60 });
    expect(await main(["plan", "--config", "examples/homelab.yaml"], io)).toBe(0);
    expect(out().split("\n").filter((line) => line.length > 60)).toEqual([]);
  });
});

describe("textTable", () => {
  test("a cell wraps at spaces inside its column; the header rule is one line as wide as the columns", () => {
    const table = textTable(["Name", "Impact"], [["nginx", "every service exposed through the reverse proxy becomes unreachable from outside"]], 40);
    expect(table).toBe([
      "Name   Impact",
      "─────  ─────────────────────────────────",
      "nginx  every service exposed through the",
      "       reverse proxy becomes unreachable",
      "       from outside",
    ].join("\n"));
  });

  test("a word longer than any room left is cut, the only case a word is split", () => {
    const table = textTable(["a", "b"], [["x", "y".repeat(30)]], 20);
    expect(table.split("\n").every((line) => line.length <= 20)).toBe(true);
    expect(table.replace(/[^y]/g, "")).toHaveLength(30);
  });

  test("without a width (JSON-free callers) a table is as wide as its cells", () => {
    expect(textTable(["k", "v"], [["a", "b ".repeat(60).trim()]])).toContain("b ".repeat(60).trim());
  });
});

describe("--help", () => {
  test.each(Object.keys(commands))("understudy %s --help fits 80 columns", async (name) => {
    const help = await run([name, "--help"], 80);
    expect(help.length).toBeGreaterThan(0);
    expect(help.split("\n").filter((line) => line.length > 80)).toEqual([]);
  });

  test("understudy --help fits 80 columns", async () => {
    expect((await run(["--help"], 80)).split("\n").filter((line) => line.length > 80)).toEqual([]);
  });
});

/** At 80 columns no line is wider, the wide output was wider (so the test can fail), and nothing is lost. */
function fits(narrow: string, wide: string): void {
  expect(narrow.split("\n").filter((line) => line.length > 80)).toEqual([]);
  expect(wide.split("\n").some((line) => line.length > 80)).toBe(true);
  // The same characters, whitespace and rules aside (a table's cells interleave when they wrap).
  const letters = (text: string) => [...text.replace(/[\s─]/g, "")].sort().join("");
  expect(letters(narrow)).toBe(letters(wide));
}

describe("more commands at 80 columns", () => {
  const dir = mkdtempSync(join(tmpdir(), "understudy-fit-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function both(argv: string[], stream: "stdout" | "stderr" = "stdout"): Promise<[string, string]> {
    const outputs: string[] = [];
    for (const columns of [80, 10_000]) {
      let out = "";
      const sink = (keep: boolean) => new Writable({ write(chunk, _encoding, done) { if (keep) out += String(chunk); done(); } });
      const io: Io = { stdout: sink(stream === "stdout"), stderr: sink(stream === "stderr"), env: { COLUMNS: String(columns), NO_COLOR: "1" } };
      await main(argv, io);
      outputs.push(out);
    }
    return [outputs[0]!, outputs[1]!];
  }

  test("import's table and notes (Gatus's documented config)", async () => {
    const [narrow, wide] = await both(["import", "gatus", "test/fixtures/import/gatus-documented.yaml"], "stderr");
    expect(narrow).toContain("Outcome");
    fits(narrow, wide);
  });

  test("backup list", async () => {
    const db = new Database(join(dir, "vaultwarden.sqlite"));
    db.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1);");
    db.close();
    const config = join(dir, "backup.yaml");
    writeFileSync(config, [
      "version: 1",
      "hosts: { L001: { address: 127.0.0.1 } }",
      "services:",
      "  vaultwarden:",
      "    runs_on: [L001]",
      `    data: [{ sqlite: ${join(dir, "vaultwarden.sqlite")} }]`,
      "    backup: { to: offsite-usb-disk }",
      "backup_targets:",
      `  offsite-usb-disk: { local: { path: ${join(dir, "store")} } }`,
      `agents: { data_dir: ${join(dir, "state")} }`,
      "",
    ].join("\n"));
    const quiet = { stdout: new Writable({ write(_c, _e, done) { done(); } }), stderr: new Writable({ write(_c, _e, done) { done(); } }), env: {} };
    expect(await main(["backup", "run", "--config", config], quiet)).toBe(0);
    const [narrow, wide] = await both(["backup", "list", "--config", config]);
    expect(narrow).toContain("vaultwarden-");
    fits(narrow, wide);
  }, 30_000);

  test("drill --list", async () => {
    const config = join(dir, "drill.yaml");
    writeFileSync(config, `version: 1\nhosts: { L001: { address: 10.0.0.1 }, O001: { address: 10.0.0.2 } }\nservices:\n  headscale: { primary: L001, standby: [O001] }\nagents: { data_dir: ${join(dir, "drill-state")} }\n`);
    mkdirSync(join(dir, "drill-state"));
    const store = openStore(storePathIn(join(dir, "drill-state")));
    try {
      const t = Date.parse("2026-12-01T03:00:00Z");
      const journal = new DrillJournal(store);
      let drill = journal.begin(newDrill({ service: "headscale", scenario: "kill-host", mode: "agent", primary: "L001", standby: "O001", owner: { host: "test", pid: 1 }, targetRtoMs: 60_000, startedAt: t }));
      drill = injected(beginInjecting(drill, t + 10, 120_000), t + 20, "stopped");
      drill = serving(switched(detected(sawFailure(drill, t + 1_000), t + 2_020, t + 2_030, undefined), t + 2_100, "dns"), t + 2_120, { marker: "missing", lostMs: 4_000, note: "the last write was lost" });
      journal.save(finished(beginRestoring(drill, undefined), t + 5_000, false, "failed", "served from O001 in 2.1 s, but a write was lost"));
    } finally {
      store.close();
    }
    const [narrow, wide] = await both(["drill", "--list", "--config", config]);
    expect(narrow).toContain("headscale");
    fits(narrow, wide);
  });
});

describe("understudy agents at 80 columns", () => {
  test("three agents, one leading, with URLs and what they see down", () => {
    const now = Date.parse("2026-12-04T12:00:00Z");
    const agent = (name: string, leader: boolean, down: string[]) => ({
      name, version: "0.1.0+git.c20dac3", url: `https://${name}.tail0a1b2c.ts.net:8470/`, leader, startedAt: now - 86_400_000, leaseSince: now - 3_600_000,
      lease: "694d7a3b1c2e5f01", observations: 42, lastObservationAt: now - 12_000, down,
    });
    const list = { prefix: "/understudy", leader: "vps-frankfurt", token: 7, revision: 90, orphans: [], gone: [], agents: [
      agent("vps-frankfurt", true, []), agent("home-pi-livingroom", false, ["headscale@L001", "nginx@O001", "adguard@H003", "nfs@H001"]), agent("nas", false, []),
    ] };
    const plain = colors({ stdout: new Writable(), stderr: new Writable(), env: {} });
    fits(renderAgents(list, now, 10_000, plain, 80), renderAgents(list, now, 10_000, plain, 10_000));
  });
});
