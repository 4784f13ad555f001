// The config fuzzer's starting points (src/config/fuzz.test.ts): the examples, the README's snippets,
// and one config that uses every kind: each probe, notifier, DNS provider and backup target, so that
// mutations reach every kind's schema (a kind missing here is one the fuzzer never checks).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const KEY = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

export const EVERY_KIND = `version: 1
hosts:
  P: { address: 10.0.0.1, site: home, ssh: { user: root, port: 22, private_key: "file:/run/secrets/key", host_key: "${KEY}" } }
  S: { address: 10.0.0.2, site: cloud, public: true, ssh: { private_key: "env:SSH_KEY", host_key: "${KEY}" } }
services:
  web:
    primary: P
    standby: [S]
    criticality: critical
    role: reverse-proxy
    depends_on: [db, { service: mesh, mode: degrades, after: 1h }]
    recovery: { strategy: manual-failover, rto: 30m }
    target: { rto: 5m, rpo: 1h }
    data: [{ sqlite: /var/lib/web/db.sqlite }, { path: /srv/web }, { command: [pg_dump, web] }]
    checks:
      - { http: "https://web.example.org/health", interval: 30s, timeout: 5s }
      - { http: { url: "http://10.0.0.1:8080/", status: 200 }, on: P }
      - { tcp: "10.0.0.1:443" }
      - { tls: "web.example.org:443" }
      - { ping: 10.0.0.1 }
      - { command: ["true"] }
      - { ssh: { host: 10.0.0.1, private_key: "file:/run/secrets/key", host_key: "${KEY}", command: [uptime] } }
      - { mount: /mnt/media }
      - { push: { token: nightly-backup, period: 1d, grace: 1h } }
      - { headscale: { url: "https://hs.example.org", api_key: "env:HS_KEY" } }
      - { dns: { server: 10.0.0.53, name: web.example.org } }
    failover:
      mode: manual
      fence: { ssh: { command: [systemctl, stop, web] } }
      promote: { ssh: { command: [systemctl, start, web] } }
      dns: { name: web.example.org, type: A, ttl: 60, cloudflare: { zone: example.org, api_token: "env:CF_TOKEN" } }
    backup: { to: [disk, offsite, vault], schedule: "0 3 * * *" }
  db:
    primary: P
    standby: S
    failover:
      promote: { webhook: { url: "https://hooks.example.org/promote" } }
      dns: { name: db.example.org, rfc2136: { server: 10.0.0.53, zone: example.org, tsig: { name: understudy, secret: "env:TSIG" } } }
  api:
    primary: P
    standby: S
    failover:
      promote: { command: [promote-api] }
      dns: { name: api.example.org, powerdns: { api_url: "http://10.0.0.53:8081", api_key: "env:PDNS", zone: example.org } }
  lan:
    primary: P
    standby: S
    failover:
      promote: { command: [promote-lan] }
      dns: { name: lan.home, hosts-file: { path: /etc/dnsmasq.hosts } }
  hook:
    primary: P
    standby: S
    failover:
      promote: { command: [promote-hook] }
      dns: { name: hook.example.org, webhook: { url: "https://dns.example.org/set", dns_server: 10.0.0.53 } }
  mesh: { runs_on: [P, S] }
notify:
  - ntfy: { url: "https://ntfy.sh/understudy", token: "env:NTFY" }
  - gotify: { url: "https://gotify.example.org", token: "env:GOTIFY" }
  - discord: { webhook_url: "env:DISCORD" }
  - slack: { webhook_url: "env:SLACK" }
  - telegram: { bot_token: "env:TG", chat_id: "12345" }
  - matrix: { homeserver: "https://matrix.example.org", access_token: "env:MX", room_id: "!room:example.org" }
  - pushover: { user_key: "env:PO_USER", app_token: "env:PO_APP" }
  - email: { host: smtp.example.org, from: "understudy@example.org", to: ["me@example.org"] }
  - webhook: { url: "https://hooks.example.org/alert" }
maintenance:
  - { name: sundays, cron: "0 2 * * 0", duration: 1h, timezone: Europe/Berlin }
backup_targets:
  disk: { local: { path: /mnt/backup } }
  offsite: { sftp: { host: backup.example.org, private_key: "file:/run/secrets/key", host_key: "${KEY}", path: /srv/backups } }
  vault: { restic: { repository: "/mnt/restic", password: "env:RESTIC_PASSWORD" } }
agents:
  quorum: 1
  listen: "127.0.0.1:8470"
  coordination: { etcd: { endpoints: ["http://127.0.0.1:2379"], username: understudy, password: "env:ETCD_PASSWORD", ttl: 10s } }
`;

/** The fenced YAML blocks of a Markdown file, each laid over a base config (README snippets are parts). */
function snippets(markdown: string): string[] {
  return [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

/** Every seed as [label, YAML text]. README snippets stay separate texts: the fuzzer merges them itself. */
export function fuzzSeeds(root: string): { configs: [string, string][]; parts: [string, string][] } {
  const examples = readdirSync(join(root, "examples")).filter((name) => name.endsWith(".yaml"));
  return {
    configs: [...examples.map((name): [string, string] => [`examples/${name}`, readFileSync(join(root, "examples", name), "utf8")]), ["every kind", EVERY_KIND]],
    parts: snippets(readFileSync(join(root, "README.md"), "utf8")).map((text, index): [string, string] => [`README.md yaml block ${index + 1}`, text]),
  };
}
