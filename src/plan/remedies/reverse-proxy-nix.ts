// The NixOS side of the reverse-proxy remedies, in the seed's own style: `services.cloudflared` on both
// tunnel hosts, Tailscale Funnel on the media host, `security.acme` with DNS-01 on the proxy and its standby.
import type { NixContext, NixSnippet } from "../remedy.js";
import { placed } from "../edit.js";
import { indent, nixAttr, nixString } from "../nix.js";
import { domainOf } from "./public-names.js";

/** The tunnel's name: the domain's first label, as the seed names its tunnel after joshuabell.xyz. */
const tunnelName = (names: readonly string[]) => (names[0] === undefined ? "homelab" : domainOf(names[0]).split(".")[0]!);

/** The tunnel the step added or grew (its hosts changed), else any tunnel with replicas. */
function tunnelOf(context: NixContext): string | undefined {
  const tunnels = Object.entries(context.after.services).filter(([, s]) => s.role === "tunnel" && placed(s).length > 1);
  const changed = (name: string) => placed(context.after.services[name]!).join() !== placed(context.before.services[name] ?? context.after.services[name]!).join() || !context.before.services[name];
  return (tunnels.find(([name]) => changed(name)) ?? tunnels[0])?.[0];
}

export function cloudflaredNix(context: NixContext, names: readonly string[], metricsPort: number): NixSnippet[] {
  const tunnel = tunnelOf(context);
  if (tunnel === undefined) return [];
  const hosts = placed(context.after.services[tunnel]!);
  // The seed points every name at the service host's proxy; the tunnel's second host is that host.
  const origin = context.after.hosts[hosts.at(-1)!]?.address ?? "127.0.0.1";
  const ingress = names.length > 0
    ? names.map((name) => `${nixString(name)} = ${nixString(`http://${origin}:80`)};`)
    : [`# "app.example.org" = "http://${origin}:80";  # one line per public name`];
  const name = tunnelName(names);
  const body = (host: string) => [
    `# Cloudflare Tunnel replica on ${host} (${hosts.join(" and ")}): Cloudflare balances across the live ones.`,
    "services.cloudflared = {",
    "  enable = true;",
    `  tunnels.${nixAttr(name)} = {`,
    "    credentialsFile = config.age.secrets.cloudflared.path;",
    "    default = \"http_status:404\";",
    "    ingress = {",
    indent(ingress.join("\n"), 6),
    "    };",
    "  };",
    "};",
    "# Where the plan's cloudflared check reads /ready: the connector's metrics server (cloudflared --metrics)",
    `systemd.services.${nixString(`cloudflared-tunnel-${name}`)}.environment.TUNNEL_METRICS = ${nixString(`${context.after.hosts[host]?.address ?? host}:${metricsPort}`)};`,
  ].join("\n");
  return hosts.map((host) => ({ host, body: body(host) }));
}

export function funnelNix(context: NixContext): NixSnippet[] {
  const media = Object.entries(context.after.services)
    .filter(([name, s]) => s.exposed_via?.includes("tailscale-funnel") && !context.before.services[name]?.exposed_via?.includes("tailscale-funnel"));
  return media.flatMap(([name, s]) => placed(s).map((host) => ({
    host,
    body: [
      `# Tailscale Funnel for ${name}: served at https://${host.toLowerCase()}.<tailnet>.ts.net, not through the proxy`,
      "services.tailscale.enable = true;",
      "systemd.services.tailscale-funnel = {",
      "  wantedBy = [ \"multi-user.target\" ];",
      "  after = [ \"tailscaled.service\" ];",
      "  path = [ pkgs.tailscale ];",
      "  serviceConfig.Type = \"oneshot\";",
      "  script = \"tailscale funnel --bg 443\";",
      "};",
    ].join("\n"),
  })));
}

export function acmeNix(context: NixContext, names: readonly string[]): NixSnippet[] {
  const domains = [...new Set(names.map(domainOf))];
  const certs = (domains.length > 0 ? domains : ["example.org"]).map((domain) => [
    `certs.${nixString(domain)} = {`,
    `  extraDomainNames = [ ${nixString(`*.${domain}`)} ];`,
    "  dnsProvider = \"cloudflare\";  # DNS-01: the certificate can be issued on any host",
    "  environmentFile = config.age.secrets.acme-dns.path;  # CLOUDFLARE_DNS_API_TOKEN=…",
    "};",
  ].join("\n"));
  const vhosts = names.map((name) => `services.nginx.virtualHosts.${nixString(name)}.useACMEHost = ${nixString(domainOf(name))};`);
  const body = [
    "# The same proxy module on the primary and the standby (the seed's shared NixOS module): DNS-01",
    "# certificates work on any host, so a failover lands on valid certificates.",
    "security.acme = {",
    "  acceptTerms = true;",
    `  defaults.email = ${nixString(`admin@${domains[0] ?? "example.org"}`)};`,
    indent(certs.join("\n")),
    "};",
    ...vhosts,
  ].join("\n");
  return placed(context.after.services[context.service]!).map((host) => ({ host, body }));
}
