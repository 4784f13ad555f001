// `understudy import uptime-kuma kuma.db` on a database laid out as Uptime Kuma 2.x lays it out (the schema
// in test/fixtures/import/uptime-kuma-2-schema.sql follows Kuma's migrations), with rows stored the way Kuma
// stores them, read while a writer holds it open in WAL mode as the running Kuma does.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createHandler, listenHttp } from "../agent/http.js";
import { PushReceiver } from "../agent/push-receiver.js";
import { parseConfig } from "../config/load.js";
import { readSecret } from "../config/secret.js";
import { buildTopology } from "../model/topology.js";
import { main } from "./main.js";

class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

async function run(...argv: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  // Wide enough that table rows stay whole lines here; fit.test.ts checks the 80-column layout.
  const code = await main(argv, { stdout, stderr, env: { COLUMNS: "1000" } });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

interface Loose {
  services: Record<string, { checks: Record<string, unknown>[]; depends_on?: unknown[]; public?: boolean; description?: string }>;
  notify: Record<string, unknown>[];
}

function load(text: string): Loose {
  const result = parseConfig(text, "imported.yaml");
  if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join("\n"));
  return result.config as unknown as Loose;
}

const SCHEMA = readFileSync(join(import.meta.dirname, "..", "..", "test", "fixtures", "import", "uptime-kuma-2-schema.sql"), "utf8");
const PUSH_TOKEN = "Xq3vR8sLp2Zt6WmN9bYc4HdK7fJg1Ae5";
const dir = mkdtempSync(join(tmpdir(), "understudy-kuma-db-"));
const file = join(dir, "kuma.db");
let kuma: Database.Database;

const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

beforeAll(() => {
  kuma = new Database(file);
  kuma.pragma("journal_mode = WAL");
  kuma.exec(SCHEMA);
  kuma.exec(`
    INSERT INTO user (id, username, password) VALUES (1, 'admin', '$2a$10$hash');
    INSERT INTO setting (key, value, type) VALUES ('tlsExpiryNotifyDays', '[7,14,21]', 'general');
    INSERT INTO notification (id, name, active, user_id, is_default, config) VALUES
      (1, 'Phone ntfy', 1, 1, 1, '{"name":"Phone ntfy","type":"ntfy","isDefault":true,"ntfyserverurl":"https://ntfy.sh","ntfytopic":"homelab","ntfyPriority":5,"ntfyAuthenticationMethod":"accessToken","ntfyaccesstoken":"tk_SECRETntfy","applyExisting":true}'),
      (2, 'Discord ops', 1, 1, 0, '{"name":"Discord ops","type":"discord","discordWebhookUrl":"https://discord.com/api/webhooks/1/SECRETdiscord","discordUsername":"Kuma"}'),
      (3, 'SMS', 1, 1, 0, '{"name":"SMS","type":"twilio","twilioAccountSID":"AC1","twilioAuthToken":"SECRETtwilio"}');
    INSERT INTO monitor (id, name, type, user_id, active, interval, url, maxretries, timeout, parent) VALUES
      (1, 'Home', 'group', 1, 1, 60, 'https://', 0, 48, NULL);
    INSERT INTO monitor (id, name, type, user_id, active, interval, url, maxretries, timeout, parent, accepted_statuscodes_json, expiry_notification, headers, auth_method, basic_auth_user, basic_auth_pass, description) VALUES
      (2, 'Headscale', 'http', 1, 1, 30, 'https://hs.example.org/health', 1, 24, 1, '["200-299"]', 1, '{
    "X-Api-Key": "hs-SECRETkey",
    "Accept": "application/json"
}', 'basic', 'kuma', 'SECRETpass', 'Mesh control plane');
    INSERT INTO monitor (id, name, type, user_id, active, interval, url, method, body, keyword, maxretries, timeout, parent, accepted_statuscodes_json, expiry_notification) VALUES
      (3, 'Forgejo', 'keyword', 1, 1, 60, 'https://git.example.org/api/search', 'POST', '{"q": "health"}', 'Forgejo', 0, 48, 1, '["200","301"]', 0);
    INSERT INTO monitor (id, name, type, user_id, active, interval, url, upside_down, maxretries, expiry_notification) VALUES
      (4, 'Old site', 'http', 1, 1, 60, 'http://old.example.org/', 1, 0, 1);
    INSERT INTO monitor (id, name, type, user_id, active, interval, hostname, port, maxretries, resend_interval) VALUES
      (5, 'Postgres', 'port', 1, 0, 120, '10.0.0.5', 5432, 2, 30);
    INSERT INTO monitor (id, name, type, user_id, active, interval, push_token, maxretries) VALUES
      (6, 'Nightly backup', 'push', 1, 1, 86400, '${PUSH_TOKEN}', 0);
    INSERT INTO monitor (id, name, type, user_id, active, interval, hostname, dns_resolve_server, dns_resolve_type, port, conditions) VALUES
      (7, 'AdGuard DNS', 'dns', 1, 1, 60, 'git.example.org', '10.0.0.1', 'A', 53, '[]');
    INSERT INTO monitor (id, name, type, user_id, active, interval, docker_container, docker_host) VALUES
      (8, 'Jellyfin', 'docker', 1, 1, 60, 'jellyfin', NULL);
    INSERT INTO tag (id, name, color) VALUES (1, 'env', '#059669'), (2, 'mesh', '#2563EB');
    INSERT INTO monitor_tag (monitor_id, tag_id, value) VALUES (2, 1, 'prod'), (2, 2, '');
    INSERT INTO monitor_notification (monitor_id, notification_id) VALUES (2, 1), (3, 1), (3, 2), (4, 1), (4, 2), (6, 1), (6, 2), (7, 1), (7, 2);
    INSERT INTO status_page (id, slug, title, icon, theme) VALUES (1, 'home', 'Home services', '/icon.svg', 'auto');
    INSERT INTO "group" (id, name, public, weight, status_page_id) VALUES (1, 'Services', 1, 1, 1);
    INSERT INTO monitor_group (monitor_id, group_id, weight) VALUES (2, 1, 1), (6, 1, 2);
    INSERT INTO maintenance (id, title, description, user_id, active, strategy, start_time, end_time, weekdays, cron, timezone, duration) VALUES
      (1, 'Nightly updates', '', 1, 1, 'recurring-weekday', '03:00', '04:00', '[0,3]', '0 3 * * 0,3', 'Europe/Berlin', 3600);
    INSERT INTO maintenance (id, title, description, user_id, active, strategy, start_date, end_date, timezone) VALUES
      (2, 'Disk swap', '', 1, 1, 'single', '2026-12-20 08:00:00', '2026-12-20 12:00:00', 'SAME_AS_SERVER');
    INSERT INTO maintenance (id, title, description, user_id, active, strategy) VALUES (3, 'Router work', '', 1, 1, 'manual');
    INSERT INTO monitor_maintenance (monitor_id, maintenance_id) VALUES (2, 1), (7, 3);
    INSERT INTO maintenance_status_page (status_page_id, maintenance_id) VALUES (1, 2);
  `);
  // Kuma is mid-write: a transaction it has not committed must not be read, nor block the import.
  kuma.exec("BEGIN IMMEDIATE; INSERT INTO monitor (id, name, type, user_id, url) VALUES (99, 'Uncommitted', 'http', 1, 'https://new.example.org/');");
});

afterAll(() => {
  kuma.exec("ROLLBACK");
  kuma.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("understudy import uptime-kuma kuma.db (Uptime Kuma 2.x's database)", () => {
  it("reads the database while Kuma holds it open mid-write, and changes not a byte of it", async () => {
    const before = [sha(file), sha(`${file}-wal`)];
    const { code, stdout } = await run("import", "uptime-kuma", file);
    expect(code).toBe(1);
    expect([sha(file), sha(`${file}-wal`)]).toEqual(before);
    expect(Object.keys(load(stdout).services)).not.toContain("uncommitted");
  });

  it("keeps auth, headers, accepted codes, certificate expiry, tags, groups and status pages", async () => {
    const { stdout } = await run("import", "uptime-kuma", file);
    const { services } = load(stdout);
    expect(services.headscale?.checks).toMatchObject([
      { http: { url: "https://hs.example.org/health", headers: {
        "X-Api-Key": { secret: "env:KUMA_HEADSCALE_X_API_KEY" }, Accept: "application/json",
        Authorization: { secret: "env:KUMA_HEADSCALE_BASIC_AUTH", prefix: "Basic " },
      } }, interval: 30_000, timeout: 24_000, failure_threshold: 2 },
      { tls: { host: "hs.example.org", port: 443, min_days: 21 } },
    ]);
    expect(services.headscale).toMatchObject({ public: true, description: "Mesh control plane. Uptime Kuma tags: env=prod, mesh" });
    expect(services.forgejo?.checks).toHaveLength(1);
    expect(services.forgejo?.checks[0]?.http).toMatchObject({ method: "POST", status: [200, 301], body: { contains: ["Forgejo"] } });
    expect(services.home).toMatchObject({ checks: [], depends_on: ["headscale", "forgejo"] });
    expect(services["nightly-backup"]).toMatchObject({ public: true, checks: [{ push: { token: "env:KUMA_PUSH_NIGHTLY_BACKUP", period: 86_400_000 } }] });
    expect(services["adguard-dns"]?.public).toBe(false);
    expect((load(stdout) as unknown as { maintenance: unknown[] }).maintenance).toEqual([
      expect.objectContaining({ name: "kuma-1", services: ["headscale"], cron: "0 3 * * 0,3", duration: 3_600_000, timezone: "Europe/Berlin" }),
      expect.objectContaining({ name: "kuma-2", services: ["headscale", "nightly-backup"], start: "2026-12-20T08:00", end: "2026-12-20T12:00", timezone: "UTC" }),
    ]);
    expect(`${stdout}`).not.toMatch(/SECRET|kuma:|Xq3v/);
  });

  it("imports a paused monitor disabled and holds back an upside-down one, each as a commented check that would load", async () => {
    const { stdout, stderr } = await run("import", "uptime-kuma", file);
    const { services } = load(stdout);
    expect(services.postgres?.checks).toEqual([]);
    expect(services["old-site"]?.checks).toEqual([]);
    const block = (service: string) => {
      const lines = stdout.split("\n");
      const start = lines.findIndex((line) => line === `  ${service}:`);
      const comment = lines.slice(start).findIndex((line) => /^ {4}# (To run it|The check the right way up)/.test(line));
      const held = lines.slice(start + comment + 1).filter((line, i, all) => all.slice(0, i + 1).every((l) => l.startsWith("    # "))).map((line) => line.slice(6));
      return { reason: lines[start + comment - 1], checks: parse(held.join("\n")) as unknown[] };
    };
    expect(block("postgres").reason).toBe("    # Paused in Uptime Kuma: imported disabled.");
    expect(block("postgres").checks).toEqual([{ tcp: { host: "10.0.0.5", port: 5432 }, interval: "2m", failure_threshold: 3 }]);
    expect(block("old-site").reason).toMatch(/# Upside down in Uptime Kuma \(up when this check fails\)\. Understudy has no negated check, so it is not run\./);
    expect(block("old-site").checks).toEqual([{ http: { url: "http://old.example.org/" }, interval: "1m", failure_threshold: 1 }]);
    expect(stderr).toMatch(/^dropped +monitor "Old site" \(http\): upside down mode +Understudy has no negated check; service old-site's check is kept commented out/m);
    expect(stderr).toMatch(/^mapped +monitor "Postgres" \(port\) +service postgres: tcp check, disabled \(commented out\) as it was paused$/m);
  });

  it("ends with the table of mapped, approximated and dropped items, and exits 1 because something was dropped", async () => {
    const { code, stderr } = await run("import", "uptime-kuma", file);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^Imported from the Uptime Kuma database kuma\.db: 7 services with \d+ checks, 2 notifiers \(\d+ mapped, \d+ approximated, 5 dropped\)\.$/m);
    expect(stderr).toMatch(/^Outcome +Item +Detail$/m);
    for (const row of [
      /^dropped +monitor "Forgejo" \(keyword\): request body +the http check sends no request body/m,
      /^dropped +monitor "Jellyfin" \(docker\) +Understudy has no docker check/m,
      /^dropped +notification "SMS" \(twilio\) +Understudy has no twilio notifier/m,
      /^approximated +monitor "Headscale": notified by phone-ntfy only +Understudy sends every incident to every notifier/m,
      /^approximated +monitor "Headscale" \(http\): tags env=prod, mesh +Understudy has no labels/m,
      /^approximated +status page "Home services" +its 2 services are public: true/m,
      /^mapped +monitor "Home" \(group\) +service home, which requires its 2 members \(headscale, forgejo\)$/m,
      /^mapped +monitor "Headscale" \(http\): certificate expiry notification +a tls check failing 21 days before expiry/m,
      /^mapped +monitor "Headscale" \(http\): basic authentication +an Authorization header from a variable$/m,
      /^mapped +notification "Phone ntfy" \(ntfy\) +notifier phone-ntfy$/m,
      /^mapped +maintenance "Nightly updates" \(recurring-weekday\) +maintenance kuma-1 on headscale$/m,
      /^mapped +maintenance "Disk swap" \(single\) +maintenance kuma-2 on headscale, nightly-backup$/m,
      /^approximated +maintenance "Disk swap" \(single\): time zone +"same as server" in Kuma; written as UTC/m,
      /^dropped +maintenance "Router work" \(manual\) +Understudy has no window switched on and off by hand/m,
      /^mapped +monitor "Nightly backup" \(push\) +service nightly-backup: push check; jobs keep calling \/api\/push\/<token>/m,
      /^approximated +monitor "Postgres": no notification +Understudy sends every incident/m,
      /^approximated +monitor "Postgres" \(port\): resend every 30 checks while down +Understudy reminds about every open incident at notify_policy\.remind_every/m,
    ]) expect(stderr).toMatch(row);
    expect(stderr).toMatch(/^ {2}KUMA_PUSH_NIGHTLY_BACKUP +the push token of monitor "Nightly backup"/m);
    expect(stderr).not.toMatch(/SECRET|Xq3v/);
  });

  it("--env-file writes the secrets the database holds (mode 0600), so pushes keep their token", async () => {
    const envFile = join(dir, "understudy.env");
    const { stderr } = await run("import", "uptime-kuma", file, "--env-file", envFile);
    const env = Object.fromEntries(readFileSync(envFile, "utf8").trim().split("\n").map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
    expect(env.KUMA_PUSH_NIGHTLY_BACKUP).toBe(PUSH_TOKEN);
    expect(Buffer.from(env.KUMA_HEADSCALE_BASIC_AUTH ?? "", "base64").toString()).toBe("kuma:SECRETpass");
    expect(env.KUMA_PHONE_NTFY_ACCESS_TOKEN).toBe("tk_SECRETntfy");
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    expect(stderr).toMatch(/Wrote \d+ of \d+ secrets to .*understudy\.env \(mode 0600\)/);
    rmSync(envFile);
  });

  it("a job keeps calling Kuma's push URL, unchanged, and the agent running the imported config counts the beat", async () => {
    const envFile = join(dir, "push.env");
    const { stdout } = await run("import", "uptime-kuma", file, "--env-file", envFile);
    const env = Object.fromEntries(readFileSync(envFile, "utf8").trim().split("\n").map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
    rmSync(envFile);
    const loaded = parseConfig(stdout, "imported.yaml");
    if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join("\n"));
    const receiver = new PushReceiver({});
    expect(await receiver.useTopology(buildTopology(loaded.config), (ref) => readSecret(ref, env), 1_000)).toEqual([]);
    const handler = createHandler({
      version: "test", uptime: () => 1, metrics: async () => ({ contentType: "text/plain", body: "" }),
      status: () => { throw new Error("not used"); }, push: (token) => receiver.beat(token, 2_000),
    });
    const server = await listenHttp(handler, "127.0.0.1:0");
    try {
      // The job's line, as Kuma shows it for a push monitor, with only the host changed to the agent's.
      const answer = await fetch(`${server.url}/api/push/${PUSH_TOKEN}?status=up&msg=OK&ping=`);
      expect(answer.status).toBe(200);
      expect(receiver.lastSeen(PUSH_TOKEN)).toBe(2_000);
    } finally {
      await server.close();
      handler.close();
    }
  });

  it("says what it expected of a SQLite file that is not Kuma's", async () => {
    const other = join(dir, "other.db");
    const db = new Database(other);
    db.exec("CREATE TABLE t (x)");
    db.close();
    const { code, stderr } = await run("import", "uptime-kuma", other);
    expect(code).toBe(2);
    expect(stderr).toMatch(/other\.db is a SQLite database but not Uptime Kuma's: it has no monitor table\. Give data\/kuma\.db/);
    rmSync(other);
  });
});
