// Remedies for a reverse proxy that is the only way in (the seed's O001): Cloudflare Tunnel replicas,
// Tailscale Funnel for media, a standby proxy with DNS-01 certificates, DNS failover with health checks.
import type { ConfigDocument } from "../../config/schema.js";
import type { Remedy, RemedyFamily } from "../remedy.js";
import type { ConfigEdit } from "../change.js";
import { addService, appendTo, asFailover, freeServiceName, placed, recovery, servicesExposedVia, setKey, singleHosted, withSecondHost } from "../edit.js";
import { existingOrNewHost } from "../hosts.js";
import { cloudflaredNix, funnelNix, acmeNix } from "./reverse-proxy-nix.js";
import { publicNames } from "./public-names.js";
import { specOf } from "../check-spec.js";

const TUNNEL = "cloudflared";
/** Where the plan's cloudflared checks read each replica's readiness (cloudflared --metrics). */
const CLOUDFLARED_METRICS_PORT = 20241;
const FUNNEL = "tailscale-funnel";
/** Cloudflare's terms forbid streaming video through the tunnel. */
const MEDIA = new Set(["media"]);

const isProxy = (doc: ConfigDocument, name: string) => doc.services[name]?.role === "reverse-proxy";
const isMedia = (doc: ConfigDocument, name: string) => MEDIA.has(doc.services[name]?.role ?? "");

/** Exposed through a tunnel already (any service with role tunnel among its ways in). */
function tunnelled(doc: ConfigDocument, name: string): boolean {
  return (doc.services[name]?.exposed_via ?? []).some((via) => doc.services[via]?.role === "tunnel");
}

/** The standby for the proxy's role: where most of what it exposes runs, so the path stays short. */
function nearTheServices(doc: ConfigDocument, proxy: string, description: string) {
  const exposed = servicesExposedVia(doc, proxy);
  const runsThere = (host: string) => exposed.filter((name) => placed(doc.services[name]!).includes(host)).length;
  const hosts = placed(doc.services[proxy]!);
  return existingOrNewHost(doc, { exclude: hosts, prefer: runsThere }, hosts[0] ?? proxy, description);
}

export const cloudflareTunnel: Remedy = {
  id: "cloudflare-tunnel",
  name: "Cloudflare Tunnel replicas on two hosts",
  phase: 1,
  recommended: true,
  scope: "service",
  recovery: { rto_s: 0, note: "any live tunnel replica serves; Cloudflare balances across them" },
  effort: { hours: 2, complexity: "low" },
  pros: ["no single server dependency", "automatic failover between tunnel replicas", "built-in DDoS protection", "no inbound ports needed"],
  cons: ["cannot stream media (Jellyfin): Cloudflare ToS", "adds latency", "vendor dependency"],
  appliesTo(doc, proxy) {
    if (!isProxy(doc, proxy)) return [];
    const exposed = servicesExposedVia(doc, proxy).filter((name) => !isMedia(doc, name) && !tunnelled(doc, name));
    return exposed.length === 0 ? [] : [freeServiceName(doc, TUNNEL, "tunnel"), ...exposed];
  },
  change: (proxy) => (doc) => {
    const [tunnel, ...exposed] = cloudflareTunnel.appliesTo(doc, proxy);
    if (tunnel === undefined) return [];
    const proxyHosts = placed(doc.services[proxy]!);
    const backup = nearTheServices(doc, proxy, "a second host for the Cloudflare Tunnel replica");
    const hosts = [...new Set([...proxyHosts.slice(0, 1), backup.host])];
    const address = (host: string) => (host === backup.host ? backup.address : doc.hosts[host]!.address);
    // One readiness check per replica: "two tunnel replicas" verified, not assumed.
    const check = (host: string) => ({ cloudflared: `${address(host)}:${CLOUDFLARED_METRICS_PORT}`, on: host });
    const existing = doc.services[tunnel];
    const edits: ConfigEdit[] = [...backup.edits];
    if (existing) {
      const checked = new Set(existing.checks.filter((c) => specOf(c, "cloudflared") !== undefined).map((c) => c.on));
      for (const host of hosts) if (!existing.runs_on?.includes(host)) edits.push(appendTo(tunnel, "runs_on", host));
      for (const host of hosts) if (!checked.has(host)) edits.push(appendTo(tunnel, "checks", check(host)));
    } else {
      edits.push(addService(tunnel, {
        role: "tunnel",
        criticality: doc.services[proxy]!.criticality,
        description: "Cloudflare Tunnel replicas (cloudflared): Cloudflare balances across the live ones",
        runs_on: hosts,
        checks: hosts.map(check),
      }));
    }
    return [...edits, ...exposed.map((name) => appendTo(name, "exposed_via", tunnel))];
  },
  nix: (context) => cloudflaredNix(context, publicNames(context.before, context.service), CLOUDFLARED_METRICS_PORT),
};

export const tailscaleFunnel: Remedy = {
  id: "tailscale-funnel",
  name: "Tailscale Funnel for media",
  phase: 1,
  recommended: true,
  scope: "service",
  recovery: { rto_s: null, note: "media no longer goes through the proxy at all" },
  effort: { hours: 1, complexity: "low" },
  pros: ["no proxy needed", "per-service granularity", "automatic HTTPS", "no Cloudflare ToS issue for streaming"],
  cons: ["uses the ts.net domain (no custom domain)", "limited to ports 443, 8443 and 10000"],
  // Media behind this proxy, or media whose way in is not declared (the seed streams Jellyfin through O001).
  appliesTo(doc, proxy) {
    if (!isProxy(doc, proxy)) return [];
    const media = Object.entries(doc.services)
      .filter(([name, s]) => isMedia(doc, name) && (s.exposed_via === undefined || s.exposed_via.length === 0 || s.exposed_via.includes(proxy)))
      .filter(([, s]) => !s.exposed_via?.includes(FUNNEL))
      .map(([name]) => name);
    return media.length === 0 ? [] : [FUNNEL, ...media];
  },
  change: (proxy) => (doc) => {
    const [funnel, ...media] = tailscaleFunnel.appliesTo(doc, proxy);
    if (funnel === undefined) return [];
    // Logical: Tailscale runs the relays; the node side runs on the media service's own host.
    const edits: ConfigEdit[] = doc.services[funnel] ? [] : [addService(funnel, {
      role: "tunnel",
      description: "Tailscale Funnel: Tailscale's relays reach the media host directly (ts.net domain)",
    })];
    for (const name of media) {
      const via = doc.services[name]!.exposed_via;
      edits.push(via?.includes(proxy) ? appendTo(name, "exposed_via", funnel) : setKey(name, "exposed_via", [funnel]));
    }
    return edits;
  },
  nix: funnelNix,
};

export const sharedCertsStandby: Remedy = {
  id: "dns01-standby-proxy",
  name: "DNS-01 ACME certs shared with a standby proxy",
  phase: 2,
  recommended: true,
  scope: "service",
  recovery: { rto_s: 600, note: "`understudy failover` points DNS at the standby, which already serves the same certs" },
  effort: { hours: 3, complexity: "medium" },
  pros: ["same proxy config on both hosts (shared NixOS module)", "DNS-01 certs work on any host", "custom domain and media keep working"],
  cons: ["manual failover (minutes, plus DNS TTL)", "the standby must be kept in step"],
  appliesTo: (doc, proxy) => (isProxy(doc, proxy) && singleHosted(doc.services[proxy]!) ? [proxy] : []),
  understudy: "`understudy failover` points DNS at the standby (failover.dns); with failover.mode: automatic it does so on its own when the checks agree the primary is down — the seed's DNS failover with health checks, without Cloudflare's paid load balancer",
  change: (proxy) => (doc) => {
    if (sharedCertsStandby.appliesTo(doc, proxy).length === 0) return [];
    const standby = nearTheServices(doc, proxy, "a standby for the reverse proxy");
    // A failover must never land on a host without valid certificates: one tls check per public name.
    const checks = publicNames(doc, proxy).map((name) => ({ tls: { host: standby.address, servername: name }, on: standby.host, interval: "1h" }));
    return [
      ...standby.edits,
      ...asFailover(doc, proxy, [standby.host]),
      setKey(proxy, "recovery", recovery("manual-failover", "10m")),
      ...checks.map((check) => appendTo(proxy, "checks", check)),
    ];
  },
  nix: (context) => acmeNix(context, publicNames(context.before, context.service)),
};

export const dnsFailover: Remedy = {
  id: "dns-failover",
  name: "DNS failover with health checks (Cloudflare load balancing)",
  phase: 2,
  recommended: false,
  scope: "service",
  recovery: { rto_s: 60, note: "Cloudflare's health checks drop the dead origin" },
  effort: { hours: 2, complexity: "low" },
  pros: ["automatic: unhealthy IPs are removed", "custom domain kept"],
  cons: ["needs Cloudflare's paid plan for load balancing", "both origins must hold valid certs (DNS-01)"],
  appliesTo: (doc, proxy) => (isProxy(doc, proxy) && singleHosted(doc.services[proxy]!) ? [proxy] : []),
  understudy: "failover.mode: automatic with a failover.dns provider does this without the paid plan, switching the record when the checks agree the origin is down",
  change: (proxy) => (doc) => {
    if (dnsFailover.appliesTo(doc, proxy).length === 0) return [];
    const second = nearTheServices(doc, proxy, "a second origin for DNS failover");
    return [...second.edits, ...withSecondHost(doc, proxy, second.host)];
  },
};

export const reverseProxy: RemedyFamily = {
  name: "reverse-proxy",
  roles: ["reverse-proxy"],
  remedies: [cloudflareTunnel, tailscaleFunnel, sharedCertsStandby, dnsFailover],
};
