// Runbooks as the on-call person reads them: the homelab's L001 and H003 pages, a service with a
// standby and a failover block (manual and automatic), restore by snapshot id, escaping, determinism.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { parseConfig } from "../config/load.js";
import type { ConfigDocument } from "../config/schema.js";
import { buildRunbookFor, buildRunbooks } from "./build.js";
import { renderMarkdown } from "./markdown.js";
import { renderHtml } from "./html.js";

function load(text: string): ConfigDocument {
  const result = parseConfig(text, "test.yaml");
  if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join("\n"));
  return result.config;
}

const homelabText = readFileSync(new URL("../../examples/homelab.yaml", import.meta.url), "utf8");
const homelab = load(homelabText);
const page = (doc: ConfigDocument, name: string) => buildRunbookFor(doc, name).map(renderMarkdown).join("\n");

describe("the homelab's runbooks", () => {
  const l001 = page(homelab, "L001");
  test("L001: the mesh degrades after 1h, not at once", () => {
    expect(l001).toContain("mesh connectivity (mesh) — degrades after 1h");
    expect(l001).not.toMatch(/Down at once:\n\n(- .*\n)*- mesh connectivity/);
  });
  test("L001: lists Headscale's checks with their targets and time to detect", () => {
    expect(l001).toContain("| headscale/http | `GET https://hs.joshuabell.xyz/health` | L001 | 30s | 2 failures in a row | ≈ 1m |");
    expect(l001).toContain("| headscale/headscale-2 | `headscale https://hs.joshuabell.xyz` | L001 | 1m | 2 failures in a row | ≈ 2m |");
    expect(l001).not.toContain("headscale-api-key"); // the secret reference stays in the config
  });
  test("L001: puts every data path back, noise_private.key with the database, and says why", () => {
    for (const path of ["/var/lib/headscale/db.sqlite", "/var/lib/headscale/noise_private.key", "/var/lib/acme"]) {
      expect(l001).toContain(`rsync -a --delete /var/tmp/understudy-restore-headscale${path} ${path.slice(0, path.lastIndexOf("/"))}/`);
    }
    expect(l001).toContain("rm -f /var/lib/headscale/db.sqlite-wal /var/lib/headscale/db.sqlite-shm");
    expect(l001).toContain("`noise_private.key` is Headscale's Noise private key");
    // The homelab has no backup: block, and the page says so instead of printing a restore that cannot work.
    expect(l001).toContain("**No backup is configured for headscale**");
    expect(l001).not.toContain("understudy restore");
    expect(l001).toContain("Phase 2: Warm standby with consistent SQLite replication");
  });
  test("H003: the LAN goes down, with adguard, dhcp and lan to bring back", () => {
    const h003 = page(homelab, "H003");
    expect(h003).toMatch(/Down at once:\n\n(- .*\n)*- LAN connectivity \(lan\)/);
    for (const name of ["adguard", "dhcp", "lan"]) expect(h003).toContain(`## What to do: bring ${name} back`);
    expect(h003.indexOf("bring adguard back")).toBeLessThan(h003.indexOf("bring lan back")); // lan needs adguard
    expect(h003).toContain("`dns A git.joshuabell.xyz @10.12.14.1:53`");
  });
  test("a service without checks says nobody will notice", () => {
    expect(page(homelab, "dhcp")).toContain("No check watches dhcp: Understudy will not notice it is down.");
  });
  test("the same config gives the same pages, in a fixed order", () => {
    const once = buildRunbooks(homelab).map(renderMarkdown);
    expect(buildRunbooks(load(homelabText)).map(renderMarkdown)).toEqual(once);
    expect(buildRunbooks(homelab).map((runbook) => runbook.slug).slice(0, 3)).toEqual(["index", "hosts/O001", "hosts/L001"]);
  });
  test("an unknown name is refused with a suggestion", () => {
    expect(() => buildRunbookFor(homelab, "headscal")).toThrow(/neither a host nor a service.*headscale/);
  });
});

const standby = (mode: "manual" | "automatic") => `
version: 1
hosts:
  L001: { address: 100.64.0.2, ssh: { user: admin, private_key: "file:/run/k", host_key: "SHA256:abc" } }
  L002: { address: 100.64.0.5, ssh: { user: admin, port: 2222, private_key: "file:/run/k", host_key: "SHA256:def" } }
services:
  headscale:
    role: control-plane
    criticality: critical
    primary: L001
    standby: [L002]
    recovery: { strategy: ${mode}-failover, rto: 2m }
    target: { rto: 5m, rpo: 5m }
    checks:
      - http: https://hs.example.org/health
      - { http: "http://100.64.0.5:8080/health", on: L002, name: standby-health }
    data:
      - sqlite: /var/lib/headscale/db.sqlite
      - path: /var/lib/headscale/noise_private.key
    backup: { to: offsite }
    replicate: { every: 1m }
    failover:
      mode: ${mode}
      fence: { ssh: { command: [systemctl, stop, headscale] } }
      promote: { ssh: { command: [systemctl, start, headscale] } }
      dns: { cloudflare: { zone: example.org, api_token: "env:CF_TOKEN" }, name: hs.example.org, ttl: 60 }
backup_targets:
  offsite: { local: { path: /srv/backup } }
`;

describe("a service with a standby", () => {
  const manual = load(standby("manual"));
  const text = page(manual, "headscale");
  test("manual mode: Understudy alerts with the command; the steps dry-run it first", () => {
    expect(text).toContain("Only alerts (failover mode: manual). The alert carries the command to run, `understudy failover headscale --to L002`");
    expect(text.indexOf("understudy failover headscale --to L002 --dry-run")).toBeLessThan(text.indexOf("```sh\n   understudy failover headscale --to L002\n"));
  });
  test("failing back says the old primary catches up first and the sync step ships the standby's last writes", () => {
    expect(text).toContain("a failback stops headscale on L002, ships its last writes to L001 (the sync step) and only then promotes L001");
    expect(text).toContain("the plan lists fence, sync, check-replica, promote, verify, switch and notify");
  });
  test("fence and promote are the config's commands over SSH, with the warning about a dead host", () => {
    expect(text).toContain("ssh admin@100.64.0.2 -- systemctl stop headscale");
    expect(text).toContain("ssh -p 2222 admin@100.64.0.5 -- systemctl start headscale");
    expect(text).toContain("SSH fencing cannot fence a dead or unreachable host");
    expect(text).toContain("power it off at the provider");
  });
  test("the DNS change names the provider, record, new value and TTL, never the token", () => {
    expect(text).toContain("at cloudflare zone example.org, set hs.example.org A to 100.64.0.5 with TTL 60 s");
    expect(text).not.toContain("CF_TOKEN");
    expect(text).toContain("understudy check standby-health");
  });
  test("restore by the newest snapshot id when known, verified, with the data paths", () => {
    const facts = { latestSnapshots: new Map([["headscale", { id: "headscale-20260101T030000Z-abc123", target: "offsite", created_at: "2026-01-01T03:00:00Z" }]]) };
    const withId = buildRunbookFor(manual, "headscale", facts).map(renderMarkdown).join("");
    expect(withId).toContain("understudy restore headscale-20260101T030000Z-abc123 --to /var/tmp/understudy-restore-headscale --verify");
    expect(text).toContain("understudy backup list headscale");
    expect(text).toContain("understudy restore SNAPSHOT --to /var/tmp/understudy-restore-headscale --verify");
    expect(text).toContain("No drill yet — run `understudy drill headscale`");
  });
  test("automatic mode: the steps it takes and the guards that may stop it", () => {
    const auto = page(load(standby("automatic")), "headscale");
    expect(auto).toContain("Fails over automatically to L002 when the checks on L001 agree it is down.");
    expect(auto).toContain("points hs.example.org A at L002");
    expect(auto).toContain("not to a standby whose replica is older than the RPO (5m)");
  });
  test("the host page of the primary moves the service rather than rebuilding it", () => {
    const l001 = page(manual, "L001");
    expect(l001).toContain("## What to do: move headscale to L002");
    expect(l001).not.toContain("## What to do: bring headscale back");
  });
});

describe("html", () => {
  test("escapes what comes from the config and loads nothing from outside", () => {
    const doc = load(`
version: 1
hosts:
  H1: { address: 10.0.0.1, description: "<script>alert(1)</script> & \\"co\\"" }
services:
  web: { runs_on: [H1], criticality: high, checks: [{ http: "http://10.0.0.1/?a=1&b=<x>" }] }
`);
    const html = buildRunbooks(doc).map(renderHtml).join("\n");
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;co&quot;");
    expect(html).toContain("<code>GET http://10.0.0.1/?a=1&amp;b=&lt;x&gt;</code>");
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).toContain('<a href="../services/web.html">web</a>');
  });
});
