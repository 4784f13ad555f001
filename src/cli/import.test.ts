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
const documented = join(fixtures, "gatus-documented.yaml");
const dir = mkdtempSync(join(tmpdir(), "understudy-import-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  // Wide enough that table rows stay whole lines here; fit.test.ts checks the 80-column layout.
  const code = await main(argv, { stdout, stderr, env: { COLUMNS: "1000" } });
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
    // The backup holds a docker and a redis monitor, an upside-down one and a maintenance window: dropped, and said.
    expect(code).toBe(1);
    expect(stdout.split("\n")[0]).toBe("# yaml-language-server: $schema=https://understudy.dev/schema/understudy.schema.json");
    const config = load(stdout);
    expect(Object.keys(config.hosts).sort()).toEqual(["10.12.14.1", "100.64.0.13", "git.joshuabell.xyz", "hs.joshuabell.xyz", "joshuabell.xyz", "vault.joshuabell.xyz"]);
    const { services } = config;
    expect(services.headscale).toMatchObject({ runs_on: ["hs.joshuabell.xyz"], checks: [
      { http: { url: "https://hs.joshuabell.xyz/health", status: "2xx" }, interval: 30_000, timeout: 24_000, failure_threshold: 2 },
      // Kuma's certificate-expiry notification (on by default for https), at its first warning of 21 days.
      { tls: { host: "hs.joshuabell.xyz", port: 443, min_days: 21 }, interval: 3_600_000 },
    ] });
    expect(services.forgejo?.checks[0]?.http).toMatchObject({ body: { contains: ["Forgejo"] } });
    expect(services["adguard-status"]?.checks[0]?.http).toMatchObject({ json: { path: "$.running", equals: true } });
    expect(services.postgres?.checks[0]).toMatchObject({ tcp: { host: "100.64.0.13", port: 5432 }, failure_threshold: 3 });
    expect(services.router?.checks[0]).toMatchObject({ ping: { host: "10.12.14.1" }, interval: 20_000 });
    expect(services["adguard-dns"]?.checks[0]?.dns).toMatchObject({ server: { host: "10.12.14.1", port: 53 }, name: "git.joshuabell.xyz", type: "A" });
    // The monitor's interval is the heartbeat period; the agent still looks every 30s.
    expect(services["nightly-backup"]).toMatchObject({ checks: [{ push: { token: "env:KUMA_PUSH_NIGHTLY_BACKUP", period: 86_400_000 }, interval: 30_000 }] });
    // Upside down (up while it answers 503): not run the right way up, kept commented out.
    expect(services["maintenance-page"]?.checks).toEqual([]);
    expect(stdout).toMatch(/# Upside down in Uptime Kuma \(up when this check fails\)\. Understudy has no negated check, so it is not run\.\n {4}# The check the right way up \(moved into checks:, it would alert when Kuma did not\):\n(.*\n){2} {4}# {5}status: 503\n/);
  });

  it("maps the notifier kinds Understudy has, each token a variable, never the token itself", async () => {
    const { stdout, stderr } = await run("import", "uptime-kuma", kuma);
    const config = load(stdout);
    expect(config.notify.map((item) => KINDS.find((kind) => item[kind] !== undefined))).toEqual(["ntfy", "discord", "telegram", "email", "webhook", "gotify", "matrix", "pushover", "slack", "apprise"]);
    expect(config.notify[0]?.ntfy).toMatchObject({ url: "https://ntfy.sh/homelab-alerts", token: "env:KUMA_PHONE_NTFY_ACCESS_TOKEN" });
    expect(config.notify[2]?.telegram).toMatchObject({ chat_id: "-1001234567890", bot_token: "env:KUMA_TELEGRAM_BOT_TOKEN" });
    expect(config.notify[3]?.email).toMatchObject({ host: "smtp.example.org", port: 587, user: "kuma@example.org", to: ["me@example.org", "ops@example.org"] });
    expect(`${stdout}${stderr}`).not.toMatch(/SECRET/);
    expect(stderr).toMatch(/^ {2}KUMA_DISCORD_OPS_WEBHOOK_URL +the webhook URL of notification "Discord #ops" \(discord\)$/m);
    expect(stderr).toMatch(/^ {2}KUMA_PUSH_NIGHTLY_BACKUP /m);
    expect(config.notify.map((item) => item.name)).toContain("discord-ops");
  });

  it("ends with a table: every monitor, setting and notification as mapped, approximated or dropped, with why", async () => {
    const { stderr, stdout } = await run("import", "uptime-kuma", kuma);
    for (const row of [
      /^dropped +monitor "Jellyfin container" \(docker\) +Understudy has no docker check/m,
      /^dropped +monitor "Redis" \(redis\) +Understudy has no redis check/m,
      /^dropped +monitor "Maintenance page" \(http\): upside down mode +Understudy has no negated check/m,
      /^dropped +1 maintenance entry +maintenance windows: write them under maintenance:/m,
      /^approximated +monitor "Forgejo" \(keyword\): accepted status codes 200-299, 300-399 +not expressible/m,
      /^approximated +notification "Mail" \(smtp\): CC and BCC/m,
      /^mapped +monitor "Vaultwarden" \(http\): basic authentication +an Authorization header from a variable$/m,
      /^mapped +monitor "Vaultwarden" \(http\) +service vaultwarden: http \+ tls check, disabled \(commented out\) as it was paused$/m,
      /^mapped +monitor "Home" \(group\) +service home, which requires its 0 members$/m,
      /^mapped +notification "Apprise" \(apprise\) +notifier apprise$/m,
    ]) expect(stderr).toMatch(row);
    expect(stderr).toMatch(/hosts were derived, one per distinct hostname/);
    expect(stderr).toMatch(/^Imported from the Uptime Kuma backup uptime-kuma-backup\.json \(version 1\.23\.16\): 10 services with 9 checks, 10 notifiers \(\d+ mapped, \d+ approximated, 4 dropped\)\.$/m);
    // The paused monitor's checks are in the file, commented out, not run.
    expect(load(stdout).services.vaultwarden?.checks).toEqual([]);
    expect(stdout).toMatch(/^ {4}# Paused in Uptime Kuma: imported disabled\.\n {4}# To run it, move it into checks:\n {4}# - http:\n/m);
  });

  it("says Kuma 2.x's database is what to give, not only the 1.x backup", async () => {
    const { stdout } = await run("import", "--help");
    expect(stdout).toMatch(/Uptime Kuma 2\.x: give its database, data\/kuma\.db \(read-only; Kuma may\n {2}keep running\)/);
    expect(stdout.split("\n").filter((line) => line.length > 80)).toEqual([]);
    // The help is wrapped to the terminal's width: the line may continue on the next, indented.
    expect((await run("--help")).stdout.replace(/\n +/g, " ")).toMatch(/import +a config from Uptime Kuma \(its kuma\.db, or a 1\.x backup\) or a Gatus config/);
  });
});

describe("understudy import gatus", () => {
  it("maps endpoints by URL scheme and conditions to expectations, and loads", async () => {
    const { code, stdout } = await run("import", "gatus", gatus);
    expect(code).toBe(1);
    const { services, hosts } = load(stdout);
    expect(Object.keys(hosts).sort()).toEqual(["10.12.14.1", "100.64.0.13", "git.joshuabell.xyz", "hs.joshuabell.xyz"]);
    expect(services.headscale?.checks).toMatchObject([
      { http: { url: "https://hs.joshuabell.xyz/health", status: 200, max_latency: 300 }, interval: 30_000, failure_threshold: 2, success_threshold: 1 },
      { tls: { host: "hs.joshuabell.xyz", port: 443, min_days: 2 } },
    ]);
    // Its alert (ntfy) names no thresholds: the ntfy provider's default-alert gives them.
    expect(services["adguard-api"]?.checks[0]).toMatchObject({ http: { status: [200, 204], json: { path: "$.running", equals: true } }, interval: 60_000, failure_threshold: 5, success_threshold: 3 });
    expect(services.forgejo?.checks[0]?.http).toMatchObject({ status: "2xx", body: { contains: ["Forgejo"] } });
    expect(services.postgres?.checks[0]).toMatchObject({ tcp: { host: "100.64.0.13", port: 5432 }, interval: 120_000 });
    expect(services.router?.checks[0]).toMatchObject({ ping: { host: "10.12.14.1", max_rtt: 50 } });
    expect(services["adguard-dns"]?.checks[0]?.dns).toMatchObject({ server: { host: "10.12.14.1", port: 53 }, name: "git.joshuabell.xyz", rcode: "NOERROR", answers: ["100.64.0.1"] });
    expect(services["nightly-backup"]?.checks[0]?.push).toMatchObject({ token: "env:GATUS_PUSH_NIGHTLY_BACKUP", period: 86_400_000 });
    // ssh:// becomes a check of its port, said as approximated.
    expect(services.mqtt?.checks[0]).toMatchObject({ tcp: { host: "100.64.0.13", port: 22 } });
    // Gatus' dashboard showed every endpoint (no security: block): all are public.
    expect(Object.values(services).every((service) => service.public === true)).toBe(true);
  });

  it("maps alerting providers with variables (keeping Gatus' own ${VAR}), copies no secret, reports the rest", async () => {
    const { stdout, stderr } = await run("import", "gatus", gatus);
    const { notify } = load(stdout);
    expect(notify).toMatchObject([
      { name: "discord", discord: { webhook_url: "env:GATUS_DISCORD_WEBHOOK_URL" } },
      { ntfy: { url: "https://ntfy.example.org/homelab-alerts", token: "env:GATUS_NTFY_ACCESS_TOKEN" } },
      { telegram: { bot_token: "env:TELEGRAM_BOT_TOKEN", chat_id: "-1001234567890" } },
      { pagerduty: { routing_key: "env:GATUS_PAGERDUTY_INTEGRATION_KEY" } },
      { email: { host: "smtp.example.org", user: "gatus@example.org", password: "env:GATUS_EMAIL_SMTP_PASSWORD", to: ["me@example.org", "ops@example.org"] } },
    ]);
    expect(`${stdout}${stderr}`).not.toMatch(/SECRET/);
    for (const row of [
      /^dropped +endpoint "core\/adguard-api": condition \[BODY\]\.version == pat\(v0\.107\*\) +the json expectation tests one exact value; it has no pattern$/m,
      /^dropped +endpoint "core\/adguard-api": condition \[IP\] == 10\.12\.14\.1 +Understudy's checks do not test the address/m,
      /^dropped +external endpoint "adhoc-job" +no heartbeat\.interval/m,
      /^dropped +alerts of type slack +no alerting provider of that type/m,
      /^approximated +endpoint "mqtt" +only its port is checked \(tcp 22\); an ssh check needs a private key and a pinned host key/m,
      /^approximated +endpoints "forgejo", "postgres", "router", "adguard-dns", "mqtt": alerts none +Understudy sends every incident to every notifier/m,
      /^mapped +status page \(Gatus' dashboard\) +it showed every endpoint to anyone: the 8 services are public: true/m,
    ]) expect(stderr).toMatch(row);
  });

  it("covers Gatus' own documented examples: patterns, functions, expirations, maintenance, mTLS, disabled, ssh, tls", async () => {
    const { code, stdout, stderr } = await run("import", "gatus", documented);
    expect(code).toBe(1);
    const config = load(stdout);
    const { services } = config;
    // "[BODY] == pat(*.*.*.*)" (Gatus' config.yaml) means "an IPv4 address", never the literal answer "*.*.*.*".
    expect(services["example-dns-query"]?.checks[0]?.dns).toMatchObject({ server: { host: "8.8.8.8", port: 53 }, name: "example.com", rcode: "NOERROR" });
    expect(services["example-dns-query"]?.checks[0]?.dns).not.toHaveProperty("answers", expect.arrayContaining(["*.*.*.*"]));
    expect(stderr).toMatch(/^approximated +endpoint "example-dns-query": condition \[BODY\] == pat\(\*\.\*\.\*\.\*\) +any answer of the query's type/m);
    expect(services["check-domain-and-certificate-expiration"]?.checks[1]).toMatchObject({ tls: { host: "example.org", min_days: 10 } });
    expect(stderr).toMatch(/^dropped +endpoint "check-domain-and-certificate-expiration": condition \[DOMAIN_EXPIRATION\] > 720h +Understudy has no domain-expiration check \(it would need RDAP or WHOIS\); your registrar's renewal emails are the fallback$/m);
    for (const row of [
      /^dropped +endpoint "conditions": condition len\(\[BODY\]\.data\) < 5 +Understudy's checks have no length test/m,
      /^dropped +endpoint "conditions": condition has\(\[BODY\]\.errors\) == false +Understudy's checks have no presence test/m,
      /^dropped +endpoint "conditions": condition \[BODY\]\.name == pat\(john\*\) +the json expectation tests one exact value; it has no pattern$/m,
      /^dropped +endpoint "conditions": condition \[BODY\]\.id == any\(1, 2\) +the json expectation tests one exact value; it has no "one of"$/m,
      /^dropped +endpoint "teapot-ok": condition \[STATUS\] > 400 +the http check accepts one code/m,
      /^dropped +endpoint "example": client certificate \(client\.tls\) +the http check has no client certificate; service example's check is kept commented out$/m,
      /^dropped +endpoint "ssh-example-password": command \(body\) +running a command needs an ssh check/m,
      /^dropped +endpoint "redis" +Understudy has no check for udp:\/\/ endpoints$/m,
      /^approximated +endpoint "starttls-smtp-example" +checked as a TCP connection/m,
      /^mapped +endpoint "internal\/nas" +service nas: http check, disabled \(commented out\) as in Gatus$/m,
      /^mapped +maintenance \(global\) +maintenance gatus-maintenance: cron "0 23 \* \* 1,4" for 1h on everything$/m,
    ]) expect(stderr).toMatch(row);
    expect(services["teapot-ok"]?.checks[0]?.http).toMatchObject({ body: { contains: ["short and stout"] } });
    expect(services["tls-ldaps-example"]?.checks[0]).toMatchObject({ tls: { host: "ldap.example.com", port: 636, min_days: 2 }, timeout: 5000 });
    expect(services["ssh-example"]?.checks[0]).toMatchObject({ tcp: { host: "example.com", port: 22 } });
    expect(services.nas?.checks).toEqual([]);
    expect(services.example?.checks).toEqual([]);
    expect(stdout).toMatch(/^ {4}# Gatus presents a client certificate \(mTLS\) here; .*\n {4}# To run it, move it into checks:\n {4}# - http:\n {4}# {5}url: https:\/\/nginx\n/m);
    const maintenance = (config as unknown as { maintenance: Record<string, unknown>[] }).maintenance;
    expect(maintenance).toEqual([
      expect.objectContaining({ services: ["conditions"], cron: "30 7 * * *", duration: 2_400_000, timezone: "Europe/Berlin" }),
      expect.objectContaining({ services: ["conditions"], cron: "30 14 * * *", duration: 3_600_000, timezone: "Europe/Berlin" }),
      expect.objectContaining({ name: "gatus-maintenance", services: [], hosts: [], cron: "0 23 * * 1,4", duration: 3_600_000, timezone: "Europe/Amsterdam" }),
    ]);
    expect(stderr).toMatch(/Gatus' own settings \(storage\) configure Gatus itself/);
  });

  it("refuses a file of several YAML documents with a clear message", async () => {
    const file = join(dir, "multi.yaml");
    writeFileSync(file, "endpoints:\n  - name: a\n    url: https://a.example.org\n---\nendpoints:\n  - name: b\n    url: https://b.example.org\n");
    const { code, stderr } = await run("import", "gatus", file);
    expect(code).toBe(2);
    expect(stderr).toMatch(/multi\.yaml holds 2 YAML documents \(separated by ---\); Gatus reads one config per file\. Import each document from its own file, or merge them into one/);
    expect(stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe("understudy import, as a command", () => {
  it("writes --output, and refuses to overwrite it without --force", async () => {
    const file = join(dir, "imported.yaml");
    expect((await run("import", "gatus", gatus, "--output", file)).code).toBe(1);
    expect(load(readFileSync(file, "utf8")).services.headscale).toBeDefined();
    writeFileSync(file, "keep me\n");
    const again = await run("import", "gatus", gatus, "--output", file);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists; nothing was written/);
    expect(readFileSync(file, "utf8")).toBe("keep me\n");
  });

  it("exits 0 when nothing was dropped", async () => {
    const file = join(dir, "clean.yaml");
    writeFileSync(file, 'endpoints:\n  - name: web\n    url: "https://web.example.org/health"\n    conditions:\n      - "[STATUS] == 200"\n      - "[BODY] == pat(*ok*)"\n');
    const { code, stderr } = await run("import", "gatus", file);
    expect(stderr).toMatch(/\(2 mapped, 0 approximated, 0 dropped\)/);
    expect(code).toBe(0);
  });

  it("says what it expected for a wrong source or a file that is not an export", async () => {
    expect((await run("import", "nagios", gatus)).stderr).toMatch(/unknown source "nagios"; one of uptime-kuma, gatus/);
    const result = await run("import", "uptime-kuma", gatus);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/gatus-config\.yaml is neither Uptime Kuma's database \(data\/kuma\.db\) nor a JSON backup/);
  });
});
