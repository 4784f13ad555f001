// `understudy graph` as a user runs it: the format flag and what each format starts with.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
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

const dir = mkdtempSync(join(tmpdir(), "understudy-graph-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const config = join(dir, "understudy.yaml");
writeFileSync(config, `
version: 1
hosts: { O001: { address: 10.0.0.1, public: true }, H001: { address: 10.0.0.3 } }
services:
  nginx: { role: reverse-proxy, criticality: high, runs_on: [O001] }
  forgejo: { role: app, criticality: high, runs_on: [H001], exposed_via: nginx }
`);

describe("understudy graph", () => {
  test("mermaid by default, dot on request, anything else refused", async () => {
    const mermaid = capture();
    expect(await main(["graph", "--config", config], mermaid.io)).toBe(0);
    expect(mermaid.out()).toMatch(/^flowchart LR\n/);
    expect(mermaid.out()).toContain('s_nginx__O001["nginx<br/>SPOF!"]');
    const dot = capture();
    expect(await main(["graph", "--config", config, "--format", "dot"], dot.io)).toBe(0);
    expect(dot.out()).toMatch(/^digraph understudy \{\n[\s\S]*\n\}\n$/);
    const bad = capture();
    expect(await main(["graph", "--config", config, "--format", "svg"], bad.io)).toBe(2);
    expect(bad.err()).toContain('--format must be mermaid or dot, got "svg"');
  });
});
