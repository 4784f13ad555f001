// `understudy init` as a user meets it: with flags, and answering questions on a (scripted) terminal.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import { main } from "./main.js";
import { init } from "./init.js";
import { UsageError } from "./io.js";

class Capture extends Writable {
  text = "";
  isTTY = false;
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

const dir = mkdtempSync(join(tmpdir(), "understudy-init-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let count = 0;
const fresh = () => join(dir, `config-${++count}.yaml`);

/** Through main(), as the CLI runs it (the input is not a terminal). */
async function run(argv: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(argv, { stdout, stderr, env: {} });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** init itself, answering from a scripted terminal. */
async function answer(argv: string[], answers: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const input = Object.assign(new PassThrough(), { isTTY: true });
  input.end(answers.map((line) => `${line}\n`).join(""));
  const code = await init(argv, { stdout, stderr, env: {} }, input);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe("understudy init with flags", () => {
  it("writes a commented config that loads, starting with the schema comment, and prints the SPOFs", async () => {
    const file = fresh();
    const result = await run(["init", "--output", file, "--host", "L001=100.64.0.2", "--host", "O001=100.64.0.1", "--host", "H003=10.12.14.1",
      "--service", "headscale@L001:control-plane:critical", "--service", "nginx@O001:reverse-proxy:high", "--service", "adguard@H003,O001:dns:high",
      "--ntfy", "https://ntfy.sh/homelab"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const text = readFileSync(file, "utf8");
    expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=https://understudy.dev/schema/understudy.schema.json");
    expect(text).toMatch(/^ {4}# recovery: \{ strategy: rebuild, rto: 1h \}/m);
    const loaded = loadConfig(file);
    if (!loaded.ok) throw new Error("does not load");
    expect(loaded.config.services.headscale).toMatchObject({ role: "control-plane", criticality: "critical", runs_on: ["L001"] });
    expect(loaded.config.services.adguard?.runs_on).toEqual(["H003", "O001"]);
    expect(loaded.config.notify).toMatchObject([{ ntfy: { url: "https://ntfy.sh/homelab" } }]);
    // L001 and O001 each carry a critical or high service alone; adguard has a replica.
    expect(result.stdout).toMatch(/wrote .*config-1\.yaml: 3 hosts, 3 services; it loads\./);
    expect(result.stdout).toMatch(/Single points of failure \(\d+\):/);
    expect(result.stdout).toMatch(/^ {2}L001: /m);
    expect(result.stdout).toMatch(/^ {2}O001: /m);
    expect(result.stdout).not.toMatch(/^ {2}H003: /m);
  });

  it("refuses to overwrite without --force: exit 2, a clear message, the file unchanged", async () => {
    const file = fresh();
    writeFileSync(file, "my precious config\n");
    const result = await run(["init", "--output", file, "--host", "A=10.0.0.1"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/already exists; nothing was written and the file is unchanged\. Pass --force/);
    expect(readFileSync(file, "utf8")).toBe("my precious config\n");
  });

  it("replaces the file with --force", async () => {
    const file = fresh();
    writeFileSync(file, "old\n");
    const result = await run(["init", "--output", file, "--force", "--host", "A=10.0.0.1", "--service", "web@A"]);
    expect(result.code).toBe(0);
    expect(loadConfig(file).ok).toBe(true);
  });

  it("rejects a service on an undeclared host, writing nothing", async () => {
    const file = fresh();
    const result = await run(["init", "--output", file, "--host", "A=10.0.0.1", "--service", "web@B"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/service web runs on B, which is not a host; add --host B=ADDRESS/);
    expect(existsSync(file)).toBe(false);
  });

  it("asks nothing when the input is not a terminal and says which flags to give", async () => {
    const file = fresh();
    const result = await run(["init", "--output", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not a terminal: give the answers as flags/);
    expect(existsSync(file)).toBe(false);
  });
});

describe("understudy init on a terminal", () => {
  it("asks for hosts, services and a notifier, re-asking after a wrong answer", async () => {
    const file = fresh();
    const result = await answer(["--output", file], [
      "H001", "100.64.0.13",
      "H003", "10.12.14.1",
      "",
      "jellyfin", "H002", "H001", "", "media", "", "",   // H002 is not a host: asked again; no standby, no check
      "adguard", "H003", "", "dns", "urgent", "high", "", // "urgent" is not a criticality: asked again
      "",
      "", "", "", "",   // no dependencies, reached directly
      "",               // nothing public
      "discord", "",
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/H002 is not a host you listed \(H001, H003\); type one of those\./);
    expect(result.stdout).toMatch(/Please type one of critical, high, normal, low, or press Enter for normal\./);
    expect(result.stdout).toMatch(/DISCORD_WEBHOOK_URL/);
    const loaded = loadConfig(file);
    if (!loaded.ok) throw new Error("does not load");
    expect(Object.keys(loaded.config.hosts)).toEqual(["H001", "H003"]);
    expect(loaded.config.services.jellyfin).toMatchObject({ runs_on: ["H001"], role: "media", criticality: "normal" });
    expect(loaded.config.services.adguard).toMatchObject({ runs_on: ["H003"], role: "dns", criticality: "high" });
    expect(loaded.config.notify).toMatchObject([{ discord: { webhook_url: "env:DISCORD_WEBHOOK_URL" } }]);
    expect(result.stdout).toMatch(/^ {2}H003: /m);
  });

  it("writes nothing when the input ends halfway", async () => {
    const file = fresh();
    await expect(answer(["--output", file], ["H001"])).rejects.toThrow(new UsageError("the input ended before every question was answered; nothing was written"));
    expect(existsSync(file)).toBe(false);
  });
});
