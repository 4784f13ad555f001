// `understudy import` as a user runs it on a real export: a config on stdout that loads, a report on
// stderr that names every monitor, condition and notification left out, and no secret copied.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../config/load.js";
import { notifierKinds } from "../notify/registry.js";
import { main } from "./main.js";

const KINDS = notifierKinds.map((kind) => kind.kind);

class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

const fixtures = join(import.meta.dirname, "..", "..", "test", "fixtures", "import");
const kuma = join(fixtures, "uptime-kuma-backup.json");
const gatus = join(fixtures, "gatus-config.yaml");
const dir = mkdtempSync(join(tmpdir(), "understudy-import-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(argv, { stdout, stderr, env: {} });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** The loaded config, read loosely: check and notifier kinds are keys the static types do not list. */
interface Loose {
  hosts: Record<string, unknown>;
  services: Record<string, { checks: Record<string, unknown>[] } & Record<string, unknown>>;
  notify: Record<string, unknown>[];
}

function load(text: string): Loose {
  const result = parseConfig(text, "imported.yaml");
  if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join("\n"));
  return result.config as unknown as Loose;
}

describe("understudy import uptime-kuma", () => {
  it("maps monitors to services with checks, hosts from the hostnames, and loads", async () => {
    const { code, stdout } = await run("import", "uptime-kuma", kuma);
    expect(code).toBe(0);
    expect(stdout.split("\n")[0]).toBe("# yaml-language-server: $schema=https://understudy.dev/schema/understudy.schema.json");
    const config = load(stdout);
    expect(Object.keys(config.hosts).sort()).toEqual(["10.12.14.1", "100.64.0.13", "git.joshuabell.xyz", "hs.joshuabell.xyz", "joshuabell.xyz", "vault.joshuabell.xyz"]);
    const { services } = config;
    expect(services.headscale).toMatchObject({ runs_on: ["hs.joshuabell.xyz"], checks: [{ http: { url: "https://hs.joshuabell.xyz/health", status: "2xx" }, interval: 30_000, timeout: 24_000, failure_threshold: 2 }] });
    expect(services.forgejo?.checks[0]?.http).toMatchObject({ body: { contains: ["Forgejo"] } });
    expect(services["adguard-status"]?.checks[0]?.http).toMatchObject({ json: { path: "$.running", equals: true } });
    expect(services.postgres?.checks[0]).toMatchObject({ tcp: { host: "100.64.0.13", port: 5432 }, failure_threshold: 3 });
    expect(services.router?.checks[0]).toMatchObject({ ping: { host: "10.12.14.1" }, interval: 20_000 });
    expect(services["adguard-dns"]?.checks[0]?.dns).toMatchObject({ server: { host: "10.12.14.1", port: 53 }, name: "git.joshuabell.xyz", type: "A" });
    // The monitor's interval is the heartbeat period; the agent still looks every 30s.
    expect(services["nightly-backup"]).toMatchObject({ checks: [{ push: { token: "env:KUMA_PUSH_NIGHTLY_BACKUP", period: 86_400_000 }, interval: 30_000 }] });
    expect(services["maintenance-page"]?.checks[0]?.http).toMatchObject({ status: 503 });
  });

  it("maps the nine notifier kinds Understudy has, each token a variable, never the token itself", async () => {
    const { stdout, stderr } = await run("import", "uptime-kuma", kuma);
    const config = load(stdout);
    expect(config.notify.map((item) => KINDS.find((kind) => item[kind] !== undefined))).toEqual(["ntfy", "discord", "telegram", "email", "webhook", "gotify", "matrix", "pushover", "slack"]);
    expect(config.notify[0]?.ntfy).toMatchObject({ url: "https://ntfy.sh/homelab-alerts", token: "env:KUMA_PHONE_NTFY_TOKEN" });
    expect(config.notify[2]?.telegram).toMatchObject({ chat_id: "-1001234567890", bot_token: "env:KUMA_TELEGRAM_BOT_TOKEN" });
    expect(config.notify[3]?.email).toMatchObject({ host: "smtp.example.org", port: 587, user: "kuma@example.org", to: ["me@example.org", "ops@example.org"] });
    expect(`${stdout}${stderr}`).not.toMatch(/SECRET/);
    expect(stderr).toMatch(/^ {2}KUMA_DISCORD_OPS_WEBHOOK_URL {2}the webhook URL of notification "Discord #ops" \(discord\)$/m);
    expect(stderr).toMatch(/^ {2}KUMA_PUSH_NIGHTLY_BACKUP /m);
  });

  it("reports every monitor, setting and notification it could not map, with the reason", async () => {
    const { stderr } = await run("import", "uptime-kuma", kuma);
    for (const line of [
      /monitor "Jellyfin container" \(docker\): Understudy has no docker check/,
      /monitor "Home" \(group\): a group only gathers monitors/,
      /monitor "Redis" \(redis\): Understudy has no redis check/,
      /monitor "Forgejo" \(keyword\): accepted status codes 200-299, 300-399: not expressible/,
      /monitor "Vaultwarden" \(http\): basic authentication: credentials are not copied/,
      /monitor "Maintenance page" \(http\): upside down mode/,
      /notification "Apprise" \(apprise\): Understudy has no apprise notifier/,
      /notification "Mail" \(smtp\): CC and BCC/,
      /hosts were derived, one per distinct hostname/,
      /vaultwarden was paused in Uptime Kuma/,
      /1 maintenance entry: maintenance windows: write them under maintenance:/,
    ]) expect(stderr).toMatch(line);
    expect(stderr).toMatch(/^Imported from the Uptime Kuma backup uptime-kuma-backup\.json \(version 1\.23\.16\): 9 services with 9 checks, 9 notifiers\./);
  });
});

describe("understudy import gatus", () => {
  it("maps endpoints by URL scheme and conditions to expectations, and loads", async () => {
    const { code, stdout } = await run("import", "gatus", gatus);
    expect(code).toBe(0);
    const { services, hosts } = load(stdout);
    expect(Object.keys(hosts).sort()).toEqual(["10.12.14.1", "100.64.0.13", "git.joshuabell.xyz", "hs.joshuabell.xyz"]);
    expect(services.headscale?.checks).toMatchObject([
      { http: { url: "https://hs.joshuabell.xyz/health", status: 200, max_latency: 300 }, interval: 30_000, failure_threshold: 2, success_threshold: 1 },
      { tls: { host: "hs.joshuabell.xyz", port: 443, min_days: 2 } },
    ]);
    expect(services["adguard-api"]?.checks[0]).toMatchObject({ http: { status: [200, 204], json: { path: "$.running", equals: true } }, interval: 60_000, failure_threshold: 3, success_threshold: 2 });
    expect(services.forgejo?.checks[0]?.http).toMatchObject({ status: "2xx", body: { contains: ["Forgejo"] } });
    expect(services.postgres?.checks[0]).toMatchObject({ tcp: { host: "100.64.0.13", port: 5432 }, interval: 120_000 });
    expect(services.router?.checks[0]).toMatchObject({ ping: { host: "10.12.14.1", max_rtt: 50 } });
    expect(services["adguard-dns"]?.checks[0]?.dns).toMatchObject({ server: { host: "10.12.14.1", port: 53 }, name: "git.joshuabell.xyz", rcode: "NOERROR", answers: ["100.64.0.1"] });
    expect(services["nightly-backup"]?.checks[0]?.push).toMatchObject({ token: "env:GATUS_PUSH_NIGHTLY_BACKUP", period: 86_400_000 });
  });

  it("maps alerting providers with variables (keeping Gatus' own ${VAR}), copies no secret, reports the rest", async () => {
    const { stdout, stderr } = await run("import", "gatus", gatus);
    const { notify } = load(stdout);
    expect(notify).toMatchObject([
      { discord: { webhook_url: "env:GATUS_DISCORD_WEBHOOK_URL" } },
      { ntfy: { url: "https://ntfy.example.org/homelab-alerts", token: "env:GATUS_NTFY_TOKEN" } },
      { telegram: { bot_token: "env:TELEGRAM_BOT_TOKEN", chat_id: "-1001234567890" } },
      { email: { host: "smtp.example.org", user: "gatus@example.org", password: "env:GATUS_EMAIL_PASSWORD", to: ["me@example.org", "ops@example.org"] } },
    ]);
    expect(`${stdout}${stderr}`).not.toMatch(/SECRET/);
    for (const line of [
      /alerting provider pagerduty: Understudy has no pagerduty notifier/,
      /endpoint "core\/adguard-api": condition \[BODY\]\.version == pat\(v0\.107\*\): only a plain JSON path/,
      /endpoint "core\/adguard-api": condition \[IP\] == 10\.12\.14\.1: Understudy's http check has nothing like \[IP\] ==/,
      /endpoint "mqtt": Understudy has no check for ssh:\/\//,
      /external endpoint "adhoc-job": no heartbeat\.interval/,
      /alerts of type slack: no alerting provider of that type/,
    ]) expect(stderr).toMatch(line);
  });
});

describe("understudy import, as a command", () => {
  it("writes --output, and refuses to overwrite it without --force", async () => {
    const file = join(dir, "imported.yaml");
    expect((await run("import", "gatus", gatus, "--output", file)).code).toBe(0);
    expect(load(readFileSync(file, "utf8")).services.headscale).toBeDefined();
    writeFileSync(file, "keep me\n");
    const again = await run("import", "gatus", gatus, "--output", file);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists; nothing was written/);
    expect(readFileSync(file, "utf8")).toBe("keep me\n");
  });

  it("says what it expected for a wrong source or a file that is not an export", async () => {
    expect((await run("import", "nagios", gatus)).stderr).toMatch(/unknown source "nagios"; one of uptime-kuma, gatus/);
    const result = await run("import", "uptime-kuma", gatus);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is not JSON \(an Uptime Kuma backup\)/);
  });
});
