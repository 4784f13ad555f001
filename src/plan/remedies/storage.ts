// Remedies for network storage (the seed's NAS H002, bcachefs replicated across disks but one host):
// soft NFS client mounts, offsite backups, a second NAS with GlusterFS.
import type { ConfigDocument } from "../../config/schema.js";
import type { Remedy, RemedyFamily } from "../remedy.js";
import { placed, singleHosted, updateService, withSecondHost } from "../edit.js";
import { addNewHost } from "../hosts.js";

const isStorage = (doc: ConfigDocument, name: string) => ["nfs", "storage"].includes(doc.services[name]?.role ?? "");
const clientsOf = (doc: ConfigDocument, name: string) =>
  Object.entries(doc.services)
    .filter(([, s]) => s.depends_on.some((dep) => (typeof dep === "string" ? dep : dep.service) === name))
    .map(([client]) => client);

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
  transform: () => (doc) => doc,
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
  appliesTo: (doc, name) => (isStorage(doc, name) ? [name] : []),
  transform: () => (doc) => doc,
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
  transform: (name) => (doc) => {
    if (secondNas.appliesTo(doc, name).length === 0) return doc;
    const nas = placed(doc.services[name]!)[0]!;
    const second = addNewHost(doc, nas, { site: doc.hosts[nas]?.site, public: false, description: `a second NAS, GlusterFS peer of ${nas}` });
    return updateService(second.doc, name, (s) => withSecondHost(s, second.host));
  },
};

export const storage: RemedyFamily = {
  name: "storage",
  roles: ["nfs", "storage"],
  remedies: [softMounts, offsiteBackups, secondNas],
};
