// `understudy init` asks what a homelab owner knows, on a (scripted) terminal: each service's checks,
// standbys, what it depends on and is reached through, which services are public, and notifiers of
// any kind. The written config loads and holds those answers as real keys, not comments.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { afterAll, expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import { notifierKinds } from "../notify/registry.js";
import { init } from "./init.js";

class Capture extends Writable {
  text = "";
  isTTY = true;
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

const dir = mkdtempSync(join(tmpdir(), "understudy-init-interview-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function answer(file: string, answers: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const input = Object.assign(new PassThrough(), { isTTY: true });
  input.end(answers.map((line) => `${line}\n`).join(""));
  const code = await init(["--output", file], { stdout, stderr, env: {} }, input);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

it("writes each service's checks, standbys, dependencies, proxy and public flag, and notifiers of any kind", async () => {
  const file = join(dir, "homelab.yaml");
  const result = await answer(file, [
    "vps", "203.0.113.7", "nas", "192.168.1.10", "pi", "192.168.1.11", "",
    // headscale on the VPS, the Pi takes over; two checks
    "headscale", "vps", "pi", "control-plane", "critical",
    "http https://hs.example.org/health", "tcp 203.0.113.7:443", "",
    // caddy on the VPS, no standby; a check of a kind that does not exist is asked again
    "caddy", "vps", "", "reverse-proxy", "high", "htp https://example.org/", "tls example.org:443", "",
    // jellyfin on the NAS; a dns check needs its keys: asked again
    "jellyfin", "nas", "", "media", "", "dns nas.lan", "dns { name: nas.lan, server: 192.168.1.1 }", "",
    "",
    // headscale: nothing; caddy: nothing; jellyfin: needs headscale, reached through caddy
    "", "", "", "", "headscale", "caddy",
    "jellyfin, headscale",
    // PagerDuty (a secret only), then ntfy with a wrong URL first
    "pagerduty", "ntfy", "not a url", "https://ntfy.sh/homelab", "",
  ]);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('"htp" is not a kind of check; the kinds are http, tcp');
  expect(result.stdout).toMatch(/That dns check does not fit: .*Write it as dns \{ … \}/);
  expect(result.stdout).toMatch(/That is not a url: /);
  expect(result.stdout).toContain("routing_key is a secret: the config reads it from $PAGERDUTY_ROUTING_KEY");

  const text = readFileSync(file, "utf8");
  expect(text).toMatch(/^ {4}checks:\n {6}- \{ http: https:\/\/hs\.example\.org\/health \}\n {6}- \{ tcp: 203\.0\.113\.7:443 \}$/m);
  const loaded = loadConfig(file);
  if (!loaded.ok) throw new Error(`does not load: ${JSON.stringify(loaded.diagnostics)}`);
  const { services, notify } = loaded.config;
  expect(services.headscale).toMatchObject({ primary: "vps", standby: ["pi"], role: "control-plane", criticality: "critical", public: true });
  expect(services.headscale?.checks).toMatchObject([{ http: expect.anything() }, { tcp: expect.anything() }]);
  expect(services.caddy).toMatchObject({ runs_on: ["vps"], public: false });
  expect(services.caddy?.checks).toHaveLength(1);
  expect(services.jellyfin).toMatchObject({ depends_on: ["headscale"], exposed_via: ["caddy"], public: true });
  expect(services.jellyfin?.checks).toMatchObject([{ dns: { name: "nas.lan", server: { host: "192.168.1.1", port: 53 } } }]);
  expect(notify).toMatchObject([{ pagerduty: { routing_key: "env:PAGERDUTY_ROUTING_KEY" } }, { ntfy: { url: "https://ntfy.sh/homelab" } }]);
  expect(result.stdout).toMatch(/wrote .*homelab\.yaml: 3 hosts, 3 services; it loads\./);
  // With its standby, headscale is not a single point of failure; caddy alone on the VPS is.
  expect(result.stdout).not.toMatch(/^ {2}pi: /m);
  expect(result.stdout).toMatch(/^ {2}vps: /m);
});

it("offers every notifier kind, and asks for a kind's keys from its schema (lists, optional keys)", async () => {
  const file = join(dir, "notifiers.yaml");
  const result = await answer(file, [
    "nas", "192.168.1.10", "", "", // one host, no services (so no links to ask for)
    // Signal: URL, sender, recipients (a list)
    "signal", "http://signal-api:8080", "+4915112345678", "+4915187654321, group.abc123==",
    // Apprise needs urls or an api_url: its optional keys are asked until it is complete
    "apprise", "y", "",
  ]);
  expect(result.code).toBe(0);
  for (const kind of notifierKinds) expect(result.stdout).toContain(kind.kind);
  const loaded = loadConfig(file);
  if (!loaded.ok) throw new Error(`does not load: ${JSON.stringify(loaded.diagnostics)}`);
  expect(loaded.config.notify).toMatchObject([
    { signal: { url: "http://signal-api:8080", number: "+4915112345678", recipients: ["+4915187654321", "group.abc123=="] } },
    { apprise: { urls: "env:APPRISE_URLS" } },
  ]);
});

it("answers an empty name with a prompt's words, not a flag's", async () => {
  const file = join(dir, "empty.yaml");
  const result = await answer(file, ["", "nas", "", "192.168.1.10", "", "", ""]);
  expect(result.code).toBe(0);
  expect(result.stdout).toContain("Please type a name for your first host (e.g. nas), or press Ctrl-C to stop.");
  expect(result.stdout).toContain("Please type the address of nas (e.g. 192.168.1.10 or nas.lan), or press Ctrl-C to stop.");
  expect(result.stdout).not.toMatch(/--host|NAME=ADDRESS/);
});
