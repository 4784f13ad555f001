// `understudy init` in a real pseudo-terminal (util-linux's `script`), as a person runs it: the
// installed CLI, readline in terminal mode, answers typed in. The config it writes loads and holds the
// checks, standby, dependency and notifier typed, and an empty first answer is met with a prompt's words.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { ensureBuilt, ROOT } from "./agent-harness.js";
import { requireBinaries } from "./helpers/binaries.js";
import { makeTempDir, type TempDir } from "./helpers/temp-dir.js";

const available = requireBinaries("bsdutils", "script");

/** Runs `understudy init --output FILE` on a pty, typing each answer once the previous prompt shows. */
function initOnPty(file: string, answers: string[]): Promise<{ code: number | null; screen: string }> {
  const command = `node ${join(ROOT, "bin/understudy.js")} init --output ${file}`;
  const child = spawn("script", ["-qec", command, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, TERM: "xterm", COLUMNS: "100" } });
  let screen = "";
  let typed = 0;
  let from = 0;
  child.stdout.on("data", (chunk: Buffer) => {
    screen += chunk.toString();
    // A prompt ends with ": " (or "> "); type the next answer when a new one shows after the last answer.
    if (/(: |> )$/.test(screen.slice(from)) && typed < answers.length) {
      from = screen.length;
      child.stdin.write(`${answers[typed++]}\r`);
    }
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`init did not finish; the screen so far:\n${screen}`));
    }, 60_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, screen });
    });
  });
}

describe.skipIf(!available)("understudy init on a pseudo-terminal", () => {
  let dir: TempDir;
  beforeAll(async () => {
    await ensureBuilt();
    dir = await makeTempDir("understudy-init-pty-");
  }, 240_000);
  afterAll(() => dir?.stop());

  it("writes what was typed: hosts, a service with a standby and checks, a dependency, a public service, a notifier", async () => {
    const file = join(dir.path, "understudy.yaml");
    const { code, screen } = await initOnPty(file, [
      "", "vps", "203.0.113.7", "pi", "192.168.1.11", "",
      "headscale", "vps", "pi", "control-plane", "critical", "http https://hs.example.org/health", "",
      "derp", "pi", "", "", "", "tcp 192.168.1.11:3478", "",
      "",
      "", "", "headscale", "",
      "headscale",
      "gotify", "https://gotify.example.org", "",
    ]);
    expect(code, screen).toBe(0);
    expect(screen).toContain("Please type a name for your first host (e.g. nas), or press Ctrl-C to stop.");
    expect(screen).toMatch(/wrote .*understudy\.yaml: 2 hosts, 2 services; it loads\./);
    const loaded = loadConfig(file);
    if (!loaded.ok) throw new Error(readFileSync(file, "utf8"));
    const { services, notify } = loaded.config;
    expect(services.headscale).toMatchObject({ primary: "vps", standby: ["pi"], criticality: "critical", public: true });
    expect(services.headscale?.checks).toMatchObject([{ http: expect.anything() }]);
    expect(services.derp).toMatchObject({ runs_on: ["pi"], depends_on: ["headscale"], public: false });
    expect(services.derp?.checks).toMatchObject([{ tcp: expect.anything() }]);
    expect(notify).toMatchObject([{ gotify: { url: "https://gotify.example.org", token: "env:GOTIFY_TOKEN" } }]);
  }, 120_000);
});
