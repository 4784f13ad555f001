// Cross-field rules of the backup keys, called from src/config/rules.ts: targets named must exist,
// a target has exactly one kind, replication needs somewhere to go and something to ship.
import { didYouMean } from "../config/suggest.js";
import { targetKinds } from "./targets/registry.js";
import type { BackupConfig, ReplicateConfig } from "./config.js";

type Path = Array<string | number>;

/** The parts of the config document these rules read (structural, so config/ needs no import back). */
export interface BackupRulesInput {
  hosts: Readonly<Record<string, { ssh?: { private_key?: string | undefined; host_key?: string | undefined } | undefined }>>;
  services: Readonly<Record<string, { primary?: string | undefined; standby?: readonly string[] | undefined; data: readonly unknown[]; backup?: BackupConfig | undefined; replicate?: ReplicateConfig | undefined }>>;
  backup_targets?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export function checkBackupRules(doc: BackupRulesInput, error: (path: Path, message: string) => void): void {
  const targets = doc.backup_targets ?? {};
  const targetNames = Object.keys(targets);
  const kinds = targetKinds.map((kind) => kind.kind);
  for (const [name, target] of Object.entries(targets)) {
    const present = kinds.filter((kind) => target[kind] !== undefined);
    if (present.length !== 1) {
      error(["backup_targets", name], present.length === 0 ? `a backup target needs exactly one kind: one of ${kinds.join(", ")}` : `one kind per target; this one has ${present.join(" and ")}`);
    }
  }
  for (const [name, service] of Object.entries(doc.services)) {
    const at = (...rest: Path): Path => ["services", name, ...rest];
    service.backup?.to.forEach((target, index) => {
      if (!Object.hasOwn(targets, target)) {
        error(at("backup", "to", index), `unknown backup target "${target}"${didYouMean(target, targetNames)}; define it under backup_targets${targetNames.length ? ` (targets are: ${targetNames.join(", ")})` : ""}`);
      }
    });
    if ((service.backup || service.replicate) && service.data.length === 0) {
      error(at(service.backup ? "backup" : "replicate"), "nothing to copy: list the service's data (sqlite: FILE, path: DIR, command: [argv])");
    }
    const replicate = service.replicate;
    if (replicate === undefined) continue;
    if (replicate.to === "standby") {
      if (!service.standby || service.standby.length === 0) error(at("replicate", "to"), "replicate to standby needs a standby host: add primary: HOST and standby: [HOST]");
    } else {
      replicate.to.forEach((host, index) => {
        if (!Object.hasOwn(doc.hosts, host)) error(at("replicate", "to", index), `unknown host "${host}"${didYouMean(host, Object.keys(doc.hosts))}`);
        else if (host === service.primary) error(at("replicate", "to", index), `"${host}" is the primary; replicate to a standby`);
      });
    }
    const destinations = replicate.to === "standby" ? (service.standby ?? []) : replicate.to;
    for (const host of destinations) {
      const ssh = doc.hosts[host]?.ssh;
      if (doc.hosts[host] && (ssh?.private_key === undefined || ssh.host_key === undefined)) {
        error(["hosts", host, "ssh"], `${name} replicates to ${host} over SSH: set hosts.${host}.ssh.private_key ("file:/path") and ssh.host_key ("SHA256:…")`);
      }
    }
  }
}
