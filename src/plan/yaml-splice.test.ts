// The edits written into YAML text: each case's file, read back, is the config the same edits make in
// memory (so `plan` measures what `--apply` writes), and the user's other lines are untouched.
import { describe, expect, test } from "vitest";
import { parseConfig } from "../config/load.js";
import type { ConfigDocument } from "../config/schema.js";
import { applyEdits, type ConfigEdit } from "./change.js";
import { spliceEdits } from "./yaml-splice.js";
import { unifiedDiff } from "./diff.js";

function load(text: string): ConfigDocument {
  const result = parseConfig(text, "test.yaml");
  if (!result.ok) throw new Error(`${result.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join("\n")}\n${text}`);
  return result.config;
}

/** Splices the edits and checks the file reads back as the in-memory edit of the original. */
function written(text: string, edits: ConfigEdit[], note?: string): string {
  const out = spliceEdits(text, edits, note);
  expect(load(out)).toEqual(applyEdits(load(text), edits));
  return out;
}

const HEAD = "version: 1\nhosts:\n  A: { address: 10.0.0.1 }   # first\n  B: { address: 10.0.0.2 }\n";

describe("spliceEdits", () => {
  test("a service added to an empty `services: {}` becomes a block entry with its note", () => {
    const out = written(`${HEAD}services: {}\n`, [{ op: "set", path: ["services", "web"], value: { runs_on: ["A", "B"], checks: [{ tcp: "10.0.0.1:80", on: "A" }] } }], "added by test");
    expect(out).toBe(`${HEAD}services:\n  # added by test\n  web:\n    runs_on: [A, B]\n    checks:\n      - tcp: 10.0.0.1:80\n        on: A\n`);
  });

  test("a host follows its siblings' flow style; a list written as one name becomes a flow list", () => {
    const text = `${HEAD}services:\n  proxy: { runs_on: A }\n  app:\n    runs_on: B\n    exposed_via: proxy   # the only way in\n`;
    const out = written(text, [
      { op: "set", path: ["hosts", "C"], value: { address: "c.invalid", description: "new, set its address" } },
      { op: "append", path: ["services", "app", "exposed_via"], value: "tunnel" },
      { op: "set", path: ["services", "tunnel"], value: { runs_on: ["A"] } },
    ]);
    expect(out).toContain('  B: { address: 10.0.0.2 }\n  C: { address: c.invalid, description: "new, set its address" }\n');
    expect(out).toContain("    exposed_via: [proxy, tunnel]   # the only way in\n");
  });

  test("a flow-map service: runs_on renamed to primary, the standby inserted next to it, a key added inside the braces", () => {
    const text = `${HEAD}services:\n  app: { runs_on: [A], criticality: high }   # keep me\n`;
    const out = written(text, [
      { op: "rename", path: ["services", "app", "runs_on"], to: "primary", value: "A" },
      { op: "set", path: ["services", "app", "standby"], value: ["B"] },
      { op: "set", path: ["services", "app", "recovery"], value: { strategy: "manual-failover", rto: "15m" } },
    ]);
    expect(out).toContain("  app: { primary: A, standby: [B], criticality: high, recovery: { strategy: manual-failover, rto: 15m } }   # keep me\n");
  });

  test("a block list of checks gets a block item after its last one; comments inside the list stay", () => {
    const text = `${HEAD}services:\n  nas:\n    runs_on: [A]\n    checks:\n      # the mount\n      - mount: { path: /mnt/data }\n        interval: 1m\n    recovery: { strategy: rebuild, rto: 1h }   # honest\n`;
    const out = written(text, [
      { op: "append", path: ["services", "nas", "checks"], value: { ping: "10.0.0.1", on: "A" } },
      { op: "set", path: ["services", "nas", "checks", 0, "mount"], value: { path: "/mnt/data", options: ["soft", "nofail"] } },
      { op: "append", path: ["services", "nas", "runs_on"], value: "B" },
    ]);
    expect(out).toContain("    runs_on: [A, B]\n    checks:\n      # the mount\n      - mount: { path: /mnt/data, options: [soft, nofail] }\n        interval: 1m\n      - ping: 10.0.0.1\n        on: A\n    recovery: { strategy: rebuild, rto: 1h }   # honest\n");
  });

  test("an empty flow list grows inside its brackets, and a replaced value keeps the comment after it", () => {
    const text = `${HEAD}services:\n  hs:\n    primary: A\n    standby: []        # nothing yet\n    recovery: { strategy: rebuild, rto: 2h }   # today\n`;
    const out = written(text, [
      { op: "append", path: ["services", "hs", "standby"], value: "B" },
      { op: "set", path: ["services", "hs", "recovery"], value: { strategy: "automatic-failover", rto: "1m" } },
      { op: "set", path: ["services", "hs", "failover"], value: { mode: "automatic" } },
    ]);
    expect(out).toContain("    standby: [B]        # nothing yet\n    recovery: { strategy: automatic-failover, rto: 1m }   # today\n    failover: { mode: automatic }\n");
  });
});

describe("unifiedDiff", () => {
  test("removed lines before added ones, three lines of context, hunk headers as diff -u writes them", () => {
    const before = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"].join("\n");
    const after = ["a", "b", "c", "d", "E", "f", "g", "h", "i", "j", "k"].join("\n");
    expect(unifiedDiff(before, after, "a/x", "b/x")).toBe("--- a/x\n+++ b/x\n@@ -2,9 +2,10 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n i\n j\n+k\n");
    expect(unifiedDiff(before, before, "a/x", "b/x")).toBe("");
  });
});
