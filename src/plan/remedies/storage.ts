// Remedies for network storage (the seed's NAS H002, bcachefs replicated across disks but one host):
// soft NFS client mounts, offsite backups, a second NAS with GlusterFS.
import type { ConfigDocument } from "../../config/schema.js";
import type { Remedy, RemedyFamily } from "../remedy.js";
import type { ConfigEdit } from "../change.js";
import { clientsOf, placed, singleHosted, withSecondHost } from "../edit.js";
import { addNewHost } from "../hosts.js";
import { backupNix, softMountNix } from "./storage-nix.js";
import { specOf } from "../check-spec.js";

/** What the plan's mount checks require of an NFS client's mount: it must not hang, nor block boot. */
const SOFT_CHECKED = ["soft", "nofail"];

const isStorage = (doc: ConfigDocument, name: string) => ["nfs", "storage"].includes(doc.services[name]?.role ?? "");
export const softMounts: Remedy = {
  id: "nfs-soft-mounts",
  name: "Soft NFS client mounts (soft,timeo=50,retrans=3,nofail)",
  phase: 2,
  recommended: true,
  scope: "service",
  recovery: { rto_s: null, note: "clients fail fast instead of hanging, and boot without the NAS" },
  effort: { hours: 0.5, complexity: "low" },
  pros: ["a dead NAS no longer hangs the client hosts and every service on them", "clients boot without it (nofail)"],
  cons: ["what needs the data is still down while the NAS is", "soft mounts can surface I/O errors to writers"],
  // The analysis already assumes only the NFS users fail with the NAS; soft mounts make that true,
  // so the topology does not change.
  appliesTo: (doc, name) => (isStorage(doc, name) ? clientsOf(doc, name) : []),
  // The clients' mount checks then require the options, so a mount left hard is noticed.
  change: (name) => (doc) => clientsOf(doc, name).flatMap((client) => doc.services[client]!.checks.flatMap((check, index): ConfigEdit[] => {
    const mount = specOf(check, "mount");
    if (mount === undefined) return [];
    const options = [...(mount.options ?? [])];
    for (const wanted of SOFT_CHECKED) if (!options.includes(wanted)) options.push(wanted);
    if (options.length === (mount.options ?? []).length) return [];
    return [{ op: "set", path: ["services", client, "checks", index, "mount"], value: { path: mount.path, ...(mount.fstype === undefined ? {} : { fstype: mount.fstype }), options } }];
  })),
  nix: softMountNix,
};

export const offsiteBackups: Remedy = {
  id: "offsite-backups",
  name: "Offsite backups of irreplaceable data",
  phase: 2,
  recommended: true,
  scope: "service",
  recovery: { rto_s: null, note: "protects the data, not its availability" },
  effort: { hours: 3, complexity: "low" },
  pros: ["survives losing the whole site (fire, theft, ransomware)", "the seed's recommendation: disk replication is adequate for availability"],
  cons: ["restoring terabytes takes long", "storage costs"],
  understudy: "`understudy backup` runs restic backups of the declared data to an offsite target, with retention, and `understudy restore` verifies them",
  appliesTo: (doc, name) => (isStorage(doc, name) ? [name] : []),
  change: () => () => [],
  nix: backupNix,
};

export const secondNas: Remedy = {
  id: "second-nas-glusterfs",
  name: "Second NAS with GlusterFS replication",
  phase: 3,
  recommended: false,
  scope: "service",
  recovery: { rto_s: 0, note: "the other brick keeps serving" },
  effort: { hours: 16, complexity: "high" },
  pros: ["true storage HA"],
  cons: ["overkill for a homelab", "a second NAS's worth of disks", "GlusterFS to operate"],
  appliesTo: (doc, name) => (isStorage(doc, name) && singleHosted(doc.services[name]!) ? [name] : []),
  change: (name) => (doc) => {
    if (secondNas.appliesTo(doc, name).length === 0) return [];
    const nas = placed(doc.services[name]!)[0]!;
    const second = addNewHost(doc, nas, { site: doc.hosts[nas]?.site, public: false, description: `a second NAS, GlusterFS peer of ${nas}` });
    return [...second.edits, ...withSecondHost(doc, name, second.host)];
  },
};

export const storage: RemedyFamily = {
  name: "storage",
  roles: ["nfs", "storage"],
  remedies: [softMounts, offsiteBackups, secondNas],
};
