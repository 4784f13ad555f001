// The NixOS side of the router remedies, in the seed's style: keepalived's vrrpInstances on the router
// and its backup (MASTER and BACKUP, the backup with a lower priority).
import type { NixContext, NixSnippet } from "../remedy.js";
import { placed } from "../edit.js";
import { nixString } from "../nix.js";

export function keepalivedNix(context: NixContext): NixSnippet[] {
  const hosts = placed(context.after.services[context.service]!);
  const gateway = context.after.hosts[hosts[0]!]?.address ?? "10.0.0.1";
  return hosts.map((host, index) => ({
    host,
    body: [
      `# VRRP for ${context.service}: ${hosts[0]} holds the gateway address, ${hosts.slice(1).join(", ")} takes it over in seconds`,
      "services.keepalived = {",
      "  enable = true;",
      "  vrrpInstances.router = {",
      `    state = ${nixString(index === 0 ? "MASTER" : "BACKUP")};`,
      "    interface = \"eth0\";  # the LAN interface",
      "    virtualRouterId = 1;",
      `    priority = ${index === 0 ? 255 : 255 - 55 * index};`,
      `    virtualIps = [{ addr = ${nixString(`${gateway}/24`)}; }];`,
      "  };",
      "};",
    ].join("\n"),
  }));
}

export function resolverNix(context: NixContext): NixSnippet[] {
  const [primary, ...added] = placed(context.after.services[context.service]!);
  const addresses = [primary, ...added].map((host) => context.after.hosts[host ?? ""]?.address ?? host ?? "");
  return [
    ...added.map((host) => ({
      host,
      body: [
        `# The secondary resolver for ${context.service}: the same AdGuard Home settings as ${primary ?? "the primary"}`,
        "services.adguardhome = {",
        "  enable = true;",
        "  openFirewall = true;",
        "};",
      ].join("\n"),
    })),
    {
      host: primary ?? null,
      body: [
        "# DHCP hands out both resolvers (option 6), so clients use the other at once",
        `services.dnsmasq.settings.dhcp-option = [ ${nixString(`option:dns-server,${addresses.join(",")}`)} ];`,
      ].join("\n"),
    },
  ];
}
