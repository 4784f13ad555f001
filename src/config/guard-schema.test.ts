// A value that makes a kind's schema throw is a diagnostic at its key (exit 2), never "internal error"
// (exit 70) or a stack: the ntfy URL from issue 15, and the guard that covers every kind's schema.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { main } from "../cli/main.js";
import { formatDiagnostic } from "./diagnostics.js";
import { GUARD_MARK, guardSchema } from "./guard-schema.js";
import { parseConfig } from "./load.js";

class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

const dir = mkdtempSync(join(tmpdir(), "understudy-guard-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const withNtfy = (url: string) => `version: 1
hosts:
  A: { address: 10.0.0.1 }
services:
  web: { runs_on: [A] }
notify:
  - ntfy: { url: ${JSON.stringify(url)} }
`;

describe("a bad notifier URL", () => {
  it.each(["http://exa mple.com/x", "http://[::1/topic", "https://", "http://a b"])("%s is a diagnostic at notify[0].ntfy.url", (url) => {
    const result = parseConfig(withNtfy(url), "understudy.yaml");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const messages = result.diagnostics.map(formatDiagnostic);
    expect(messages).toEqual([expect.stringMatching(/^understudy\.yaml:7:18: error: notify\[0\]\.ntfy\.url: .*https:\/\/ntfy\.sh\/mytopic/)]);
  });

  it("makes `validate` exit 2 with the place and key, not 70", async () => {
    const file = join(dir, "ntfy.yaml");
    writeFileSync(file, withNtfy("http://exa mple.com/x"));
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await main(["validate", "--config", file], { stdout, stderr, env: {} });
    expect(stderr.text).not.toMatch(/internal error|TypeError|\n\s+at /);
    expect(stderr.text).toContain(`${file}:7:18: error: notify[0].ntfy.url:`);
    expect(code).toBe(2);
  });
});

describe("guardSchema", () => {
  it("turns a refinement that throws into an issue with the refinement's own message", () => {
    const schema = guardSchema(z.object({ url: z.url().refine((url) => new URL(url).pathname !== "/", { message: "needs a path" }) }));
    const result = schema.safeParse({ url: "http://a b" });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => [issue.path, issue.message])).toContainEqual([["url"], "needs a path"]);
  });

  it("turns a transform that throws into an issue saying what was expected", () => {
    const schema = guardSchema(z.object({ port: z.string().transform((text) => { throw new RangeError(`bad ${text}`); }).describe("a port such as 8080") }));
    const result = schema.safeParse({ port: "x" });
    expect(result.error?.issues.map((issue) => [issue.path, issue.message])).toEqual([[["port"], `${GUARD_MARK} (bad x); expected a port such as 8080`]]);
  });

  it("keeps the issues and paths of a nested .parse() that throws inside a transform", () => {
    const inner = z.object({ port: z.number().max(10) });
    const schema = guardSchema(z.object({ target: z.number().transform((port) => inner.parse({ port })) }));
    const result = schema.safeParse({ target: 99 });
    expect(result.error?.issues.map((issue) => issue.path)).toEqual([["target", "port"]]);
  });

  it("reaches superRefine checks inside unions, records, arrays and optional wrappers", () => {
    const leaf = z.string().superRefine((value) => { if (value === "boom") throw new Error("exploded"); });
    const schema = guardSchema(z.object({ a: z.record(z.string(), z.array(z.union([z.number(), leaf]))).optional() }));
    const result = schema.safeParse({ a: { k: [1, "boom"] } });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(`${GUARD_MARK} (exploded)`);
  });
});
