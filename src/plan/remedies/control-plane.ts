// Remedies for a mesh control plane (the seed's Headscale on L001, with its SQLite database): backups,
// a warm standby kept current by consistent replication, replicated HA with LiteFS, or a hosted control plane.
import type { ConfigDocument, ServiceDocument } from "../../config/schema.js";
import type { Remedy, RemedyFamily } from "../remedy.js";
import type { ConfigEdit } from "../change.js";
import { asFailover, placed, recovery, setKey } from "../edit.js";
import { addNewHost } from "../hosts.js";
import { dataPaths, nixAttr, nixList, standbyNix } from "../nix.js";

const isControlPlane = (doc: ConfigDocument, name: string) => doc.services[name]?.role === "control-plane";
const hasStandby = (s: ServiceDocument) => (s.standby?.length ?? 0) > 0 || (s.runs_on?.length ?? 0) > 1;
const BACKUP_RTO_MS = 30 * 60_000;

export const automatedBackups: Remedy = {
  id: "control-plane-backups",
  name: "Automated backups",
  phase: 1,
  recommended: true,
  scope: "service",
  recovery: { rto_s: 1800, note: "spin up a new VPS and restore the database exactly" },
  effort: { hours: 1, complexity: "low" },
  pros: ["minimum viable: protects the database and keys today", "cheap"],
  cons: ["~30 minutes of downtime while a new host is built", "data since the last backup is lost"],
  // Whether backups run is not in the config yet, so this is offered until a standby exists (then
  // `understudy backup` still keeps copies, but the way back is the standby).
  appliesTo: (doc, name) => (isControlPlane(doc, name) && !hasStandby(doc.services[name]!) ? [name] : []),
  understudy: "`understudy backup` copies the declared data (SQLite consistently, while it writes) to your backup targets on a schedule, and `understudy restore` verifies a copy",
  change: (name) => (doc) => {
    if (automatedBackups.appliesTo(doc, name).length === 0) return [];
    const s = doc.services[name]!;
    const better = s.recovery !== undefined && s.recovery.rto <= BACKUP_RTO_MS;
    return better ? [] : [setKey(name, "recovery", recovery("restore-from-backup", "30m"))];
  },
  nix: ({ service, after }) => [{
    host: placed(after.services[service]!)[0] ?? null,
    body: backupNix(after, service),
  }],
};

/** restic backups of the service's data paths (the seed's `my.backup` takes the same paths). */
function backupNix(doc: ConfigDocument, service: string): string {
  const paths = dataPaths(doc, service);
  return [
    `# Backups of ${service}'s data (the seed's my.backup = { enable = true; paths = [ … ]; } takes the same list)`,
    `services.restic.backups.${nixAttr(service)} = {`,
    `  paths = ${nixList(paths.length > 0 ? paths : [`/var/lib/${service}`])};`,
    `  repository = "sftp:backup@nas:/backups/${service}";  # your backup target`,
    `  passwordFile = config.age.secrets.restic.path;`,
    `  initialize = true;`,
    `  timerConfig = { OnCalendar = "hourly"; Persistent = true; };`,
    `};`,
  ].join("\n");
}

export const warmStandby: Remedy = {
  id: "control-plane-warm-standby",
  name: "Warm standby with consistent SQLite replication",
  phase: 2,
  recommended: true,
  scope: "service",
  recovery: { rto_s: 60, note: "~5 minutes by hand (start the service, update DNS); ~1 minute with Understudy's automatic failover" },
  effort: { hours: 4, complexity: "medium" },
  pros: ["recovery in minutes instead of half an hour", "the standby learns its data continuously, consistently (not a raw rsync of a live SQLite file)"],
  cons: ["a second VPS to pay for and patch", "a DNS switch on failover"],
  appliesTo: (doc, name) => (isControlPlane(doc, name) && !hasStandby(doc.services[name]!) && placed(doc.services[name]!).length > 0 ? [name] : []),
  understudy: "consistent replication of the data from the serving host to the standby and, with failover.mode: automatic, the failover itself: fence, promote (start the stopped unit), verify, switch DNS",
  change: (name) => (doc) => {
    if (warmStandby.appliesTo(doc, name).length === 0) return [];
    // A control plane wants its own small public VPS (the seed: "a second Linode/VPS"), not a busy host.
    const primary = placed(doc.services[name]!)[0]!;
    const site = doc.hosts[primary]?.site;
    const vps = addNewHost(doc, primary, {
      public: doc.hosts[primary]?.public ?? true,
      description: `a second small VPS for the ${name} warm standby${site === undefined ? "" : `, with another provider than ${primary} (${site})`}`,
    });
    return [
      ...vps.edits,
      ...asFailover(doc, name, [vps.host]),
      setKey(name, "recovery", recovery("automatic-failover", "1m")),
      setKey(name, "failover", { mode: "automatic" }),
    ];
  },
  nix: standbyNix,
};

export const liteFsHa: Remedy = {
  id: "control-plane-litefs-ha",
  name: "Replicated HA with LiteFS + Consul",
  phase: 3,
  recommended: true,
  scope: "service",
  recovery: { rto_s: 15, note: "~15 seconds, automatic: LiteFS replicates SQLite, Consul elects the leader" },
  effort: { hours: 12, complexity: "high" },
  pros: ["~15 s automatic failover", "no data loss beyond the replication lag"],
  cons: ["Headscale does not support HA natively: LiteFS and Consul to run and understand", "Consul wants three nodes for a quorum"],
  appliesTo(doc, name) {
    const s = doc.services[name];
    if (!s || !isControlPlane(doc, name) || !hasStandby(s)) return [];
    return s.recovery?.strategy === "automatic-failover" && s.recovery.rto <= 15_000 ? [] : [name];
  },
  change: (name) => (doc) => {
    if (liteFsHa.appliesTo(doc, name).length === 0) return [];
    const edits: ConfigEdit[] = [setKey(name, "recovery", recovery("automatic-failover", "15s"))];
    return doc.services[name]!.failover?.mode === "automatic" ? edits : [...edits, setKey(name, "failover", { mode: "automatic" })];
  },
};

export const hostedControlPlane: Remedy = {
  id: "control-plane-hosted",
  name: "Tailscale commercial control plane",
  phase: 2,
  recommended: false,
  scope: "service",
  recovery: { rto_s: null, note: "Tailscale runs the control plane and its availability" },
  effort: { hours: 3, complexity: "low" },
  pros: ["they manage availability", "keep Headscale for learning and experiments"],
  cons: ["vendor dependency and cost", "the control plane leaves your hands"],
  appliesTo: (doc, name) => (isControlPlane(doc, name) && placed(doc.services[name]!).length > 0 ? [name] : []),
  change: (name) => (doc) => {
    if (hostedControlPlane.appliesTo(doc, name).length === 0) return [];
    // No host of ours: a logical service, as the mesh is. Checks pinned to our hosts no longer apply.
    const s = doc.services[name]!;
    const keys = (["runs_on", "primary", "standby", "recovery", "failover"] as const).filter((key) => s[key] !== undefined);
    return [
      ...keys.map((key): ConfigEdit => ({ op: "remove", path: ["services", name, key] })),
      ...s.checks.flatMap((check, index): ConfigEdit[] => (check.on === undefined ? [] : [{ op: "remove", path: ["services", name, "checks", index, "on"] }])),
      setKey(name, "description", "Tailscale's hosted control plane"),
    ];
  },
};

export const controlPlane: RemedyFamily = {
  name: "control-plane",
  roles: ["control-plane"],
  remedies: [automatedBackups, warmStandby, liteFsHa, hostedControlPlane],
};
