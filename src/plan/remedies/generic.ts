// Remedies for any other service or host (an app, single sign-on, a password manager, media, a database):
// reach it through the tunnel too, give it a standby, or run replicas where it keeps no state.
import type { ConfigDocument } from "../../config/schema.js";
import type { Remedy, RemedyFamily } from "../remedy.js";
import { appendTo, asFailover, placed, recovery, setKey, singleHosted, withSecondHost } from "../edit.js";
import { existingOrNewHost } from "../hosts.js";
import { standbyNix } from "../nix.js";

/** A tunnel with more than one replica: something that survives the proxy host. */
function redundantTunnel(doc: ConfigDocument): string | undefined {
  return Object.entries(doc.services).find(([, s]) => s.role === "tunnel" && (placed(s).length > 1 || placed(s).length === 0))?.[0];
}

/** Gateway boxes (a router, a DHCP server) are the last place for an application's second copy. */
const GATEWAY_ROLES = new Set(["router", "dhcp"]);

/** Where a second copy goes: the same site (it keeps its LAN), else a host as public as the first. */
function secondHost(doc: ConfigDocument, name: string, why: string) {
  const current = placed(doc.services[name]!);
  const first = doc.hosts[current[0]!];
  const gateway = (host: string) => -Object.values(doc.services).filter((s) => GATEWAY_ROLES.has(s.role ?? "") && placed(s).includes(host)).length;
  return existingOrNewHost(doc, { exclude: current, site: first?.site, public: first?.public === true, prefer: gateway }, current[0]!, why);
}

export const behindTunnel: Remedy = {
  id: "behind-tunnel",
  name: "Reach it through the tunnel too",
  phase: 1,
  recommended: true,
  scope: "service",
  recovery: { rto_s: 0, note: "the tunnel serves while the proxy is down" },
  effort: { hours: 0.5, complexity: "low" },
  pros: ["survives the proxy host", "one ingress line per hostname"],
  cons: ["not for media (Cloudflare ToS)"],
  appliesTo(doc, name) {
    const s = doc.services[name];
    const tunnel = redundantTunnel(doc);
    if (!s || tunnel === undefined || s.role === "media" || !s.exposed_via || s.exposed_via.length !== 1) return [];
    return s.exposed_via.includes(tunnel) ? [] : [name];
  },
  change: (name) => (doc) => {
    const tunnel = redundantTunnel(doc);
    if (tunnel === undefined || behindTunnel.appliesTo(doc, name).length === 0) return [];
    return [appendTo(name, "exposed_via", tunnel)];
  },
};

export const serviceStandby: Remedy = {
  id: "service-standby",
  name: "Standby on another host (replicated data, Understudy failover)",
  phase: 3,
  recommended: true,
  scope: "service",
  recovery: { rto_s: 900, note: "`understudy failover` promotes the standby, its data already replicated" },
  effort: { hours: 4, complexity: "medium" },
  pros: ["survives its host", "works for stateful services (declare their data: so it travels)"],
  cons: ["a second copy to keep in step", "manual failover until it has checks and automatic mode"],
  appliesTo: (doc, name) => (doc.services[name] && singleHosted(doc.services[name]) ? [name] : []),
  understudy: "`understudy failover` fences the primary, promotes the standby with its replicated data, verifies it and switches DNS; the standby's copy is kept current",
  nix: standbyNix,
  change: (name) => (doc) => {
    if (serviceStandby.appliesTo(doc, name).length === 0) return [];
    const second = secondHost(doc, name, `a standby for ${name}`);
    return [...second.edits, ...asFailover(doc, name, [second.host]), setKey(name, "recovery", recovery("manual-failover", "15m"))];
  },
};

export const replicas: Remedy = {
  id: "service-replicas",
  name: "Replicas on two hosts (stateless services only)",
  phase: 3,
  recommended: false,
  scope: "service",
  recovery: { rto_s: 0, note: "the other replica keeps serving" },
  effort: { hours: 2, complexity: "low" },
  pros: ["no failover at all: any replica serves"],
  cons: ["only for services that keep no state of their own", "twice the resources"],
  appliesTo: (doc, name) => (doc.services[name]?.runs_on?.length === 1 ? [name] : []),
  change: (name) => (doc) => {
    if (replicas.appliesTo(doc, name).length === 0) return [];
    const second = secondHost(doc, name, `a second replica of ${name}`);
    return [...second.edits, ...withSecondHost(doc, name, second.host)];
  },
};

export const generic: RemedyFamily = {
  name: "generic",
  roles: undefined,
  remedies: [behindTunnel, serviceStandby, replicas],
};
