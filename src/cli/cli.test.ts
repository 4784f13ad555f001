// The command line as a user meets it: exit codes, messages on stderr, no stack traces, plain text when piped.
import { Writable } from "node:stream";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "./main.js";

class Capture extends Writable {
  text = "";
  isTTY = false;
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

async function run(...argv: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(argv, { stdout, stderr, env: {} });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const dir = mkdtempSync(join(tmpdir(), "understudy-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string) {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const small = `version: 1
hosts:
  A: { address: 10.0.0.1 }
  B: { address: 10.0.0.2 }
services:
  web: { runs_on: [A, B], criticality: high }
  db: { runs_on: [B], criticality: critical, recovery: { strategy: restore-from-backup, rto: 30m }, target: { rto: 5m } }
  app: { runs_on: [A], depends_on: [db] }
`;

describe("understudy CLI", () => {
  it("validate: prints a summary for a good config", async () => {
    const result = await run("validate", "--config", file("good.yaml", small));
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toMatch(/good\.yaml is valid: 2 hosts, 3 services, 0 checks/);
  });

  it("validate: every error at once on stderr, exit 2, no stack trace", async () => {
    const path = file("bad.yaml", small.replace("runs_on: [A, B]", "run_on: [A, B]").replace("depends_on: [db]", "depends_on: [dbb]"));
    const result = await run("validate", "--config", path);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`${path}:6:10: error: services.web.run_on: unknown key "run_on"; did you mean "runs_on"?`);
    expect(result.stderr).toContain("2 errors; nothing was changed.");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("a bad config stops every command, not just validate", async () => {
    const result = await run("analyze", "--config", file("cycle.yaml", small.replace("db: { runs_on: [B],", "db: { runs_on: [B], depends_on: [app],")));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/dependency cycle: (db → app → db|app → db → app)/);
  });

  it("analyze: a plain table when piped, SPOFs first", async () => {
    const result = await run("analyze", "--config", file("good.yaml", small));
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain("\u001b[");
    expect(result.stdout).toMatch(/^Single points of failure \(2\), worst first\n/);
    // 82 columns of cells in an 80-column width (piped output is 80 wide): "db (service)" wraps, which adds
    // the fewest lines, and the rest stays on one line.
    expect(result.stdout).toMatch(/\nB\s+critical\s+restore-from-backup 30m ✗ target\s+loses db and with it app\ndb\s+critical.*\n\(service\)\n/);
  });

  it("analyze --format json follows the documented contract", async () => {
    const result = await run("analyze", "--config", file("good.yaml", small), "--format", "json");
    const json = JSON.parse(result.stdout);
    expect(Object.keys(json)).toEqual(["failures", "spofs", "score"]);
    expect(json.spofs[0]).toEqual({
      component: "B", kind: "host", unavailable: ["db", "app"], degraded: [], degraded_after_s: {}, fails_over: [], interrupted: [],
      severity: "critical", recovery: { strategy: "restore-from-backup", rto_s: 1800 }, meets_target: false, reason: "loses db and with it app",
    });
  });

  it("analyze --fail and --depth 2", async () => {
    const whatIf = await run("analyze", "--config", file("good.yaml", small), "--fail", "A,B", "--format", "json");
    expect(JSON.parse(whatIf.stdout).what_if.unavailable).toEqual(["db", "web", "app"]);
    const markdown = await run("analyze", "--config", file("good.yaml", small), "--depth", "2", "--format", "markdown");
    expect(markdown.stdout).toContain("## Failing pairs (N+1 check): 2");
    expect(markdown.stdout).toContain("| A + B | web | critical |");
  });

  it("unknown names, flags, formats and commands are usage errors with suggestions", async () => {
    const path = file("good.yaml", small);
    expect(await run("analyze", "--config", path, "--fail", "C")).toMatchObject({ code: 2, stderr: expect.stringContaining('"C" is neither a host nor a service') });
    expect(await run("analyze", "--config", path, "--fial", "A")).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown option --fial; did you mean "--fail"?') });
    expect(await run("analyze", "--config", path, "--format", "yml")).toMatchObject({ code: 2, stderr: expect.stringContaining("--format must be one of table, json, markdown") });
    expect(await run("analyse")).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "analyse"; did you mean "analyze"?') });
  });

  it("a missing config file says where it looked and what to do", async () => {
    const result = await run("analyze", "--config", join(dir, "nope.yaml"));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("nope.yaml: error: cannot read the config (no such file); pass --config FILE");
  });

  it("schema prints a JSON Schema", async () => {
    const result = await run("schema");
    const schema = JSON.parse(result.stdout);
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["version", "hosts", "services", "agents", "notify"]));
  });

  it("help lists the commands", async () => {
    const result = await run("--help");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/analyze\s+single points of failure/);
  });
});
