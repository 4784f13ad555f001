// Cross-field rules of `failover:` blocks, called from src/config/rules.ts: a failover block needs a
// primary and a standby; each action and the dns block name exactly one kind; an SSH action runs on a
// host of the service that has an `ssh:` block with a key and a pinned host key; automatic failover
// should have checks on every standby (the verify step runs them) and a TTL the target RTO can live with.
// And a warning for every config whose automatic failover (or failback) can never act: nothing watches
// the primary, nothing can verify the standby, a replica the RPO requires is never shipped, a failback
// that can never find the old primary fenced and caught up.
import type { PathSegment } from "../config/diagnostics.js";
import type { ConfigDocument } from "../config/schema.js";
import { dnsProviderKinds } from "../dns/registry.js";
import { ACTION_KINDS, failoverSettings, kindsOf, type ActionConfig } from "./config.js";

type Report = (path: PathSegment[], message: string) => void;

const DNS_KINDS = dnsProviderKinds.map((kind) => kind.kind);

export function checkFailoverRules(doc: ConfigDocument, error: Report, warn: Report): void {
  for (const [name, service] of Object.entries(doc.services)) {
    const failover = service.failover;
    if (!failover) continue;
    const at = (...rest: PathSegment[]): PathSegment[] => ["services", name, "failover", ...rest];
    const hosts = service.primary === undefined ? [] : [service.primary, ...(service.standby ?? [])];
    if (service.primary === undefined || (service.standby ?? []).length === 0) {
      // Automatic mode without a standby is already reported by the config's own rules.
      if (failover.mode !== "automatic") error(at(), "failover needs primary: HOST and standby: [HOST] (a service on runs_on replicas needs no failover)");
      continue;
    }
    const action = (block: ActionConfig | undefined, key: "fence" | "promote") => {
      if (!block) return;
      const kinds = kindsOf(block, ACTION_KINDS);
      if (kinds.length !== 1) {
        error(at(key), kinds.length === 0 ? `${key} needs exactly one of ${ACTION_KINDS.join(", ")}` : `${key} has ${kinds.join(" and ")}; an action is exactly one of them`);
      }
      if (!block.ssh) return;
      const sshHosts = block.ssh.host === undefined ? (key === "fence" ? hosts : service.standby ?? []) : [block.ssh.host];
      if (block.ssh.host !== undefined && !hosts.includes(block.ssh.host)) {
        error(at(key, "ssh", "host"), `host "${block.ssh.host}" is not one of ${name}'s hosts (${hosts.join(", ")})`);
        return;
      }
      for (const host of sshHosts) {
        const ssh = doc.hosts[host]?.ssh;
        if (!ssh?.private_key || !ssh.host_key) {
          error(at(key, "ssh"), `${key} over SSH runs on ${host}, which needs hosts.${host}.ssh with private_key and host_key (a pinned key: Understudy never trusts an unknown one)`);
        }
      }
    };
    action(failover.fence, "fence");
    action(failover.promote, "promote");
    if (failover.fence?.required && failover.fence.ssh) {
      warn(at("fence", "required"), `a required SSH fence cannot fence a dead or unreachable host, so ${failover.mode === "automatic" ? "automatic failover can never act when the primary dies or is cut off: it " : "failover from such a primary "}will stop at the fence; fence out of band (PDU, hypervisor or cloud API) through command or webhook if the primary may die outright`);
    }
    const records = failover.dns ?? [];
    const seenRecords = new Set<string>();
    for (const [index, dns] of records.entries()) {
      // One record written as a map keeps its path; a list names the entry.
      const where = (...rest: string[]) => (records.length === 1 ? at("dns", ...rest) : at("dns", index, ...rest));
      const kinds = kindsOf(dns, DNS_KINDS);
      if (kinds.length !== 1) error(where(), kinds.length === 0 ? `dns needs exactly one provider: one of ${DNS_KINDS.join(", ")}` : `dns has ${kinds.join(" and ")}; use exactly one provider`);
      const key = `${dns.name.toLowerCase().replace(/\.$/, "")} ${dns.type}`;
      if (seenRecords.has(key)) error(where("name"), `${dns.name} ${dns.type} is listed twice: each record once`);
      seenRecords.add(key);
      const rto = service.target?.rto;
      if (rto !== undefined && dns.ttl * 1000 > rto) {
        warn(where("ttl"), `ttl ${dns.ttl} s exceeds the target RTO (${Math.round(rto / 1000)} s): resolvers keep the old answer that long`);
      }
    }
    const checked = new Set(service.checks.map((check) => check.on ?? service.primary));
    const automatic = failover.mode === "automatic";
    const never = automatic ? "automatic failover can never act: " : "";
    for (const standby of service.standby ?? []) {
      if (checked.has(standby)) continue;
      const message = `${never}no check watches standby ${standby}: the verify step runs the service's own checks on the standby before traffic moves; add a check with on: ${standby} (a warm standby, stopped until promoted, is expected to fail it until then)`;
      warn(at(), message);
    }
    if (automatic && !checked.has(service.primary)) {
      warn(at("mode"), `automatic failover can never act: no check watches the primary ${service.primary}, so its failure is never seen; add a check with on: ${service.primary}`);
    }
    const replicated = (service as { replicate?: unknown }).replicate !== undefined;
    if (automatic && service.data.length > 0 && service.target?.rpo !== undefined && !replicated && failover.force_stale_replica !== true) {
      warn(at("mode"), `automatic failover can never act: ${name} declares data and a target RPO but no replicate: block, so no standby ever holds a replica within the RPO and the check-replica step refuses every promote; add replicate: { to: standby, every: … }`);
    }
    if (automatic && failover.promote && !failover.fence) {
      warn(at("fence"), `no fence: after a failover the old primary, once back, is never stopped, so both may serve and nothing may replicate onto it; add a fence (e.g. ssh: { command: [systemctl, stop, …] })`);
    }
    if (failover.failback && !failover.fence) {
      warn(at("failback"), "failback can never act without a fence: the old primary is never stopped, so it never receives the standby's data (replication does not write under a running service), and a failback onto a host that has not caught up is refused; add a fence");
    }
    const settings = failoverSettings(failover);
    if (settings.self_fence_after > 0 && settings.self_fence_after >= settings.min_interval) {
      warn(at("self_fence_after"), "self_fence_after is as long as min_interval: the anti-flap window passes while the promote is still waiting");
    }
  }
}
