// Remedies for the home network's single box (the seed's H003: AdGuard DNS, dnsmasq DHCP, NAT):
// a secondary resolver on another host, DHCP failover, keepalived VRRP, the ISP router as a fallback.
import type { ConfigDocument } from "../../config/schema.js";
import type { Remedy, RemedyFamily } from "../remedy.js";
import type { ConfigEdit } from "../change.js";
import { addHost, placed, singleHosted, withSecondHost } from "../edit.js";
import { addNewHost, existingOrNewHost } from "../hosts.js";
import { resolverChecks } from "./resolver-checks.js";
import { keepalivedNix, resolverNix } from "./router-nix.js";

const hasRole = (doc: ConfigDocument, name: string, role: string) => doc.services[name]?.role === role;
const siteOf = (doc: ConfigDocument, name: string) => {
  const host = placed(doc.services[name]!)[0];
  return host === undefined ? undefined : doc.hosts[host]?.site;
};

export const secondaryResolver: Remedy = {
  id: "secondary-resolver",
  name: "Secondary resolver (AdGuard Home) on another host",
  phase: 2,
  recommended: true,
  scope: "service",
  recovery: { rto_s: 0, note: "clients have both resolvers and use the other at once" },
  effort: { hours: 2, complexity: "low" },
  pros: ["name resolution survives the router's loss", "cheap: a container on an existing host"],
  cons: ["two filter configs to keep in step", "clients must be handed both resolvers (DHCP option 6)"],
  appliesTo: (doc, name) => (hasRole(doc, name, "dns") && singleHosted(doc.services[name]!) ? [name] : []),
  change: (name) => (doc) => {
    if (secondaryResolver.appliesTo(doc, name).length === 0) return [];
    const current = placed(doc.services[name]!);
    const second = existingOrNewHost(doc, { exclude: current, site: siteOf(doc, name) }, current[0]!, `a second resolver for ${name}`);
    return [...second.edits, ...withSecondHost(doc, name, second.host), ...resolverChecks(doc, name, second)];
  },
  nix: resolverNix,
};

export const keepalived: Remedy = {
  id: "keepalived-vrrp",
  name: "Router failover with keepalived (VRRP)",
  phase: 3,
  recommended: true,
  scope: "service",
  recovery: { rto_s: 4, note: "~3.5 s: the backup takes over the gateway's virtual IP" },
  effort: { hours: 8, complexity: "high" },
  pros: ["automatic, in seconds", "clients keep one gateway address"],
  cons: ["a second device that can route (two NICs, the uplink)", "complex for a homelab; state (NAT, leases) is not shared"],
  appliesTo: (doc, name) => (hasRole(doc, name, "router") && singleHosted(doc.services[name]!) ? [name] : []),
  change: (name) => (doc) => {
    if (keepalived.appliesTo(doc, name).length === 0) return [];
    const router = placed(doc.services[name]!)[0]!;
    const backup = addNewHost(doc, router, { site: doc.hosts[router]?.site, public: false, description: `a second device that can route: the VRRP backup for ${router}` });
    return [...backup.edits, ...withSecondHost(doc, name, backup.host)];
  },
  nix: keepalivedNix,
};

export const dhcpFailover: Remedy = {
  id: "dhcp-failover",
  name: "DHCP failover pair (ISC DHCP / Kea)",
  phase: 3,
  recommended: true,
  scope: "service",
  recovery: { rto_s: 0, note: "the partner answers; leases are shared" },
  effort: { hours: 4, complexity: "medium" },
  pros: ["new devices and renewals keep getting addresses"],
  cons: ["trickier than DNS: a lease-sharing protocol, not dnsmasq"],
  appliesTo: (doc, name) => (hasRole(doc, name, "dhcp") && singleHosted(doc.services[name]!) ? [name] : []),
  change: (name) => (doc) => {
    if (dhcpFailover.appliesTo(doc, name).length === 0) return [];
    const current = placed(doc.services[name]!);
    // The router's own backup, when the router already has one: DHCP belongs with the gateway.
    const routerBackup = Object.values(doc.services)
      .filter((s) => s.role === "router" && placed(s).includes(current[0]!))
      .flatMap((s) => placed(s))
      .find((host) => !current.includes(host));
    const second = routerBackup !== undefined
      ? { edits: [], host: routerBackup }
      : existingOrNewHost(doc, { exclude: current, site: siteOf(doc, name) }, current[0]!, `a DHCP failover partner for ${name}`);
    return [...second.edits, ...withSecondHost(doc, name, second.host)];
  },
};

export const ispFallback: Remedy = {
  id: "isp-router-fallback",
  name: "ISP router as fallback gateway",
  phase: 3,
  recommended: false,
  scope: "service",
  recovery: { rto_s: 0, note: "clients get two gateways via DHCP and use the other" },
  effort: { hours: 1, complexity: "low" },
  pros: ["automatic failover", "no new hardware"],
  cons: ["less control: no filtering, no NAT rules of your own on the fallback path"],
  appliesTo: (doc, name) => (hasRole(doc, name, "router") && singleHosted(doc.services[name]!) ? [name] : []),
  change: (name) => (doc) => {
    if (ispFallback.appliesTo(doc, name).length === 0) return [];
    const router = placed(doc.services[name]!)[0]!;
    const isp: ConfigEdit[] = Object.hasOwn(doc.hosts, "isp-router") ? [] : [addHost("isp-router", {
      address: "isp-router.invalid",
      ...(doc.hosts[router]?.site === undefined ? {} : { site: doc.hosts[router]!.site }),
      description: "NEW, added by understudy plan: the ISP's router, handed out as a second gateway; set its address",
    })];
    return [...isp, ...withSecondHost(doc, name, "isp-router")];
  },
};

export const router: RemedyFamily = {
  name: "router",
  roles: ["router", "dns", "dhcp"],
  remedies: [secondaryResolver, keepalived, dhcpFailover, ispFallback],
};
