// The config fuzzer: mutated configs (from examples/*.yaml, the README's snippets and a config with every
// kind, src/config/fuzz-fixture.ts) through `understudy validate`: in process for every one, and through
// the real CLI (bin/understudy.js, a child process with a hard time limit) for a sample. Each must exit
// 0 or 2 with every problem placed at file:line:column, never 70, never a stack trace, never a hang, and
// no kind's schema may throw (the guard would catch it, see guard-schema.ts, but it is still a bug).
//
//   UNDERSTUDY_FUZZ_RUNS=20000 UNDERSTUDY_FUZZ_SEED=42 npx vitest run src/config/fuzz.test.ts
//
// Defaults: 2,000 configs in process, 25 through the CLI, a random seed (printed by fast-check on a
// failure with the path of the failing case: set UNDERSTUDY_FUZZ_SEED to it to reproduce).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../cli/main.js";
import { ensureBuilt, ROOT } from "../../test/integration/agent-harness.js";
import { fuzzSeeds } from "./fuzz-fixture.js";
import { GUARD_MARK } from "./guard-schema.js";

const RUNS = Number(process.env.UNDERSTUDY_FUZZ_RUNS ?? 2_000);
const CLI_RUNS = Number(process.env.UNDERSTUDY_FUZZ_CLI ?? 25);
const SEED = process.env.UNDERSTUDY_FUZZ_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.UNDERSTUDY_FUZZ_SEED);
/** One config's budget: generous for a loaded CI machine, far below anything that hangs. */
const BUDGET_MS = Number(process.env.UNDERSTUDY_FUZZ_BUDGET_MS ?? 5_000);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const ODD_STRINGS = [
  "", " ", "http://exa mple.com/x", "http://[::1/topic", "https://", "ftp://example.org/x", "http://a b", "//no-scheme", "http://:0",
  "../../../etc/passwd", "/", "..", "env:", "file:", "env:1BAD", "file:relative", "-5m", "0s", "1e999s", "99999999999999999999d", "5 m", "1h-30m",
  "ünïcödé ✓ 🚀", "\u0000", "\u202e", "a".repeat(3_000), "*", "${HOME}", "{{ .Name }}", "0x10", "1_000", "true", "null", "[", "{", "#", "SHA256:",
  "300.300.300.300", "::", "localhost:99999", "host:-1", "0 0 31 2 *", "99 99 * * *", "Mars/Olympus", "2026-13-45T25:61",
];
const ODD_NUMBERS = [0, -1, -0.5, 1.5, 2 ** 53, 1e308, -1e308, 65_536, 4_294_967_296, Number.MAX_SAFE_INTEGER + 2];

const oddValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(...ODD_STRINGS, ...ODD_NUMBERS, null, true, false, [], {}, [null], { "": null }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Bad values shaped like the good one they replace: a URL by a broken URL, a duration by an odd one… */
const SPOILED: [RegExp, Json[]][] = [
  [/:\/\//, ["http://exa mple.com/x", "http://[::1/topic", "https://", "http://a b", "ftp://x/y", "http://:0", "https://h/%zz", "http://h:99999/", "//h/x", "http://"]],
  [/^\d+(\.\d+)?(ms|s|m|h|d)/, ["-5m", "0s", "1e999s", "99999999999999999999d", "5 m", "1h-30m", "ms", "1.5.5s", "-0s", "∞s"]],
  [/^(\/|file:|env:)/, ["../../../etc/passwd", "relative/path", "", "/", "file:", "env:", "env:1X", "file:../x", "/\u0000", "C:\\x"]],
  [/^\d+(\.\d+){3}(:\d+)?$|^[a-z0-9.-]+\.[a-z]{2,}(:\d+)?$/i, ["300.300.300.300", "::", "host:-1", "localhost:99999", "exa mple.org", "-", "[::1", "a..b", ".", "1.2.3"]],
];

function spoiled(value: Json, pick: number): Json {
  if (typeof value === "number") return ODD_NUMBERS[pick % ODD_NUMBERS.length]!;
  const pool = typeof value === "string" ? SPOILED.find(([shape]) => shape.test(value))?.[1] : undefined;
  return (pool ?? ODD_STRINGS)[pick % (pool ?? ODD_STRINGS).length]!;
}

type Mutation =
  | { op: "delete" | "swap-type" | "duplicate"; at: number }
  | { op: "spoil"; at: number; pick: number }
  | { op: "replace"; at: number; value: Json }
  | { op: "insert"; at: number; key: string; value: Json }
  | { op: "rename"; at: number; key: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constantFrom("delete" as const, "swap-type" as const, "duplicate" as const), at: fc.nat() }),
  { weight: 2, arbitrary: fc.record({ op: fc.constant("spoil" as const), at: fc.nat(), pick: fc.nat() }) },
  fc.record({ op: fc.constant("replace" as const), at: fc.nat(), value: oddValue }),
  fc.record({ op: fc.constant("insert" as const), at: fc.nat(), key: fc.oneof(fc.constantFrom("url", "http", "password", "checks", "on", "dns", "x", "__proto__", "constructor"), fc.string({ maxLength: 12 })), value: oddValue }),
  fc.record({ op: fc.constant("rename" as const), at: fc.nat(), key: fc.string({ maxLength: 12 }) }),
);

type TextEdit = { op: "none" } | { op: "truncate"; at: number } | { op: "duplicate-line"; at: number } | { op: "insert-line"; at: number; line: string };
const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<TextEdit>({ op: "none" }) },
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("duplicate-line" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("insert-line" as const), at: fc.nat(), line: fc.oneof(fc.constantFrom("  url: x", "- - -", "&a [*a]", "!!binary xx", ": :", "\t"), fc.string({ maxLength: 30 })) }),
);

/** Every container node and where it sits: mutations pick one by index. */
function places(root: Json): { parent: Json[] | { [key: string]: Json }; key: string | number }[] {
  const found: { parent: Json[] | { [key: string]: Json }; key: string | number }[] = [];
  const walk = (node: Json) => {
    if (node === null || typeof node !== "object") return;
    const entries: [string | number, Json][] = Array.isArray(node) ? node.map((value, index) => [index, value]) : Object.entries(node);
    for (const [key, value] of entries) {
      found.push({ parent: node, key });
      walk(value);
    }
  };
  walk(root);
  return found;
}

function swapType(value: Json): Json {
  if (typeof value === "string") return Number.isNaN(Number(value)) ? value.length : Number(value);
  if (typeof value === "number") return String(value);
  if (Array.isArray(value)) return Object.fromEntries(value.map((item, index) => [String(index), item]));
  if (value !== null && typeof value === "object") return Object.values(value);
  return value === null ? "null" : [value];
}

function mutate(seed: Json, mutations: Mutation[]): Json {
  const root = structuredClone(seed);
  for (const change of mutations) {
    const all = places(root);
    const place = all[change.at % Math.max(1, all.length)];
    if (!place) continue;
    const { parent, key } = place;
    const get = () => (parent as Record<string | number, Json>)[key]!;
    const set = (value: Json) => ((parent as Record<string | number, Json>)[key] = value);
    if (change.op === "delete") {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
    } else if (change.op === "replace") set(change.value);
    else if (change.op === "spoil") set(spoiled(get(), change.pick));
    else if (change.op === "swap-type") set(swapType(get()));
    else if (change.op === "duplicate") {
      if (Array.isArray(parent)) parent.push(structuredClone(get()));
      else parent[`${String(key)}_`] = structuredClone(get());
    } else if (change.op === "insert") {
      const target = get();
      if (Array.isArray(target)) target.push(change.value);
      else if (target !== null && typeof target === "object") Object.defineProperty(target, change.key, { value: change.value, enumerable: true, writable: true, configurable: true });
      else set(change.value);
    } else if (change.op === "rename" && !Array.isArray(parent)) {
      const value = get();
      delete parent[key as string];
      Object.defineProperty(parent, change.key, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  return root;
}

function edit(text: string, change: TextEdit): string {
  if (change.op === "none") return text;
  if (change.op === "truncate") return text.slice(0, change.at % (text.length + 1));
  const lines = text.split("\n");
  const at = change.at % lines.length;
  lines.splice(at, 0, change.op === "duplicate-line" ? lines[at]! : change.line);
  return lines.join("\n");
}

/** The seeds as data: configs as they are, README snippets laid over the first example. */
function seedDocuments(): Json[] {
  const { configs, parts } = fuzzSeeds(ROOT);
  const whole = configs.map(([, text]) => parse(text) as Json);
  const base = whole[0] as { [key: string]: Json };
  const merged = parts.map(([, text]) => {
    const part = parse(text) as { [key: string]: Json };
    const out: { [key: string]: Json } = structuredClone(base);
    for (const [key, value] of Object.entries(part)) {
      const current = out[key];
      out[key] = current && value && typeof current === "object" && typeof value === "object" && !Array.isArray(value) ? { ...(current as object), ...value } : value;
    }
    return out;
  });
  return [...whole, ...merged];
}

const mutatedConfig = (seeds: Json[]) =>
  fc.tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 }), textEdit)
    .map(([seed, mutations, change]) => edit(stringify(mutate(seed, mutations), { aliasDuplicateObjects: false }), change));

class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

/** What must hold of every run of validate, in process or not. */
function judge(file: string, code: number | null, stderr: string, ms: number, budget: number): void {
  const where = `seed ${SEED}`;
  expect(stderr, where).not.toMatch(/internal error|\n\s+at .+:\d+:\d+\)?\n|TypeError|RangeError|SyntaxError: /);
  expect(stderr, where).not.toContain(GUARD_MARK);
  expect([0, 2], `${where} exit code; stderr:\n${stderr}`).toContain(code);
  expect(ms, `${where} took ${Math.round(ms)} ms`).toBeLessThan(budget);
  if (code !== 2) return;
  for (const line of stderr.split("\n").filter(Boolean)) {
    // Each problem at its place; then the count. A file cut short is still a file with lines.
    expect(line, where).toMatch(new RegExp(`^(${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:[1-9]\\d*:[1-9]\\d*: (error|warning): .+|\\d+ errors?; nothing was changed\\.)$`));
  }
}

describe(`config fuzzer (seed ${SEED})`, () => {
  const dir = mkdtempSync(join(tmpdir(), "understudy-fuzz-"));
  const seeds = seedDocuments();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("starts from configs that are valid", async () => {
    for (const [index, seed] of seeds.entries()) {
      const file = join(dir, `seed-${index}.yaml`);
      writeFileSync(file, stringify(seed));
      const stderr = new Capture();
      expect(await main(["validate", "--config", file], { stdout: new Capture(), stderr, env: {} }), stderr.text).toBe(0);
    }
  });

  it(`${RUNS} mutated configs through validate in process: exit 0 or 2, each problem placed, no stack`, async () => {
    const file = join(dir, "understudy.yaml");
    await fc.assert(
      fc.asyncProperty(mutatedConfig(seeds), async (text) => {
        writeFileSync(file, text);
        const stdout = new Capture();
        const stderr = new Capture();
        const started = performance.now();
        const code = await main(["validate", "--config", file], { stdout, stderr, env: {} });
        judge(file, code, stderr.text, performance.now() - started, BUDGET_MS);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
  }, Math.max(60_000, RUNS * 250));

  describe.skipIf(CLI_RUNS === 0)("through the real CLI", () => {
    beforeAll(ensureBuilt, 600_000);

    it(`${CLI_RUNS} mutated configs through \`understudy validate\` in a child process with a hard time limit`, () => {
      const samples = fc.sample(mutatedConfig(seeds), { seed: SEED + 1, numRuns: CLI_RUNS });
      for (const [index, text] of samples.entries()) {
        const file = join(dir, `cli-${index}.yaml`);
        writeFileSync(file, text);
        const started = performance.now();
        const run = spawnSync(process.execPath, [join(ROOT, "bin/understudy.js"), "validate", "--config", file], { encoding: "utf8", timeout: BUDGET_MS * 4, env: { ...process.env, NO_COLOR: "1" } });
        expect(run.signal, `seed ${SEED}: sample ${index} was killed (a hang?):\n${text}`).toBeNull();
        expect(run.status, `seed ${SEED}: sample ${index}:\n${text}\n${run.stderr}`).not.toBe(70);
        // A child process also pays node's start-up: its budget is wider, and the kill above is the hard limit.
        judge(file, run.status, run.stderr, performance.now() - started, BUDGET_MS * 4);
      }
    }, Math.max(120_000, CLI_RUNS * BUDGET_MS * 4));
  });
});
