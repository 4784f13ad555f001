// The backup keys in a config file: what parses, and the cross-field problems a user is told about.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/load.js";

const base = (service: string, extra = "") => [
  "version: 1",
  "hosts:",
  "  L001: { address: 10.0.0.1 }",
  "  L002: { address: 10.0.0.2, ssh: { private_key: 'file:/run/key', host_key: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } }",
  "  H001: { address: 10.0.0.3 }",
  "services:",
  `  headscale: { primary: L001, standby: [L002], data: [{ sqlite: /var/lib/headscale/db.sqlite }], ${service} }`,
  "backup_targets:",
  "  nas: { local: { path: /srv/backup } }",
  "  offsite: { restic: { repository: 'sftp:backup@nas:/srv/restic', password: 'env:RESTIC_PASSWORD' } }",
  extra,
].join("\n");

const messages = (text: string) => {
  const result = parseConfig(text, "understudy.yaml");
  return result.ok ? [] : result.diagnostics.map((d) => `${d.path.join(".")}: ${d.message}`);
};

describe("backup and replication config", () => {
  it("accepts targets, backup and replicate, with defaults", () => {
    const result = parseConfig(base("backup: { to: [nas, offsite] }, replicate: { every: 10s }"), "understudy.yaml");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.services.headscale?.backup).toEqual({ to: ["nas", "offsite"], schedule: "0 3 * * *", keep: { last: 7, daily: 7, weekly: 4, monthly: 6 } });
    expect(result.config.services.headscale?.replicate).toEqual({ to: "standby", every: 10_000, root: "/" });
  });

  it("names an unknown target with a did-you-mean", () => {
    expect(messages(base("backup: { to: naz }"))).toEqual(['services.headscale.backup.to.0: unknown backup target "naz"; did you mean "nas"?; define it under backup_targets (targets are: nas, offsite)']);
  });

  it("wants exactly one kind per target", () => {
    expect(messages(base("", "  both: { local: { path: /a }, restic: { repository: /b, password: 'env:P' } }"))).toEqual(["backup_targets.both: one kind per target; this one has local and restic"]);
  });

  it("refuses a literal restic password", () => {
    expect(messages(base("", "  bad: { restic: { repository: /b, password: hunter2 } }")).join("\n")).toContain("a secret reference");
  });

  it("wants SSH credentials on a host that receives a replica", () => {
    expect(messages(base("replicate: { to: [H001] }"))).toEqual(['hosts.H001.ssh: headscale replicates to H001 over SSH: set hosts.H001.ssh.private_key ("file:/path") and ssh.host_key ("SHA256:…")']);
  });
});
