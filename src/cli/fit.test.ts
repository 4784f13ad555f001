// The CLI in an 80-column terminal: tables wrap inside their cells at spaces, prose wraps at spaces, and
// every command's --help fits. Checked on examples/homelab.yaml through `main`, as a user runs it.
import { Writable } from "node:stream";
import { describe, expect, test } from "vitest";
import { main } from "./main.js";
import { commands } from "./commands.js";
import { terminalWidth, type Io } from "./io.js";
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
