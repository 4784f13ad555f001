// The checks the secondary-resolver remedy adds: the secondary answers (a dns check like the primary's,
// asked of the secondary), and DHCP hands clients both resolvers (a dhcp check, when that kind exists).
import type { ConfigDocument } from "../../config/schema.js";
import { findProbeKind } from "../../probes/registry.js";
import type { ConfigEdit } from "../change.js";
import { appendTo, placed } from "../edit.js";
import { specOf } from "../check-spec.js";

export function resolverChecks(doc: ConfigDocument, resolver: string, second: { host: string; address: string }): ConfigEdit[] {
  const s = doc.services[resolver]!;
  const primary = placed(s)[0]!;
  const primaryAddress = doc.hosts[primary]!.address;
  const edits: ConfigEdit[] = [];
  // The name the primary is asked for, asked of the secondary; without one there is nothing to ask.
  const model = s.checks.map((check) => specOf(check, "dns")).find((spec) => spec !== undefined);
  if (model !== undefined) {
    edits.push(appendTo(resolver, "checks", { dns: { server: second.address, name: model.name, type: model.type }, on: second.host }));
  }
  // DHCP hands out both (option 6). Written only when the registry has the dhcp kind and its schema
  // takes the check: it wants IPv4 addresses (a new host's placeholder name is not one). The interface
  // is the agent's LAN interface, which the config does not know: eth0, as in the keepalived snippet.
  const dhcpKind = findProbeKind("dhcp");
  const spec = { interface: "eth0", expect: { dns_servers: [primaryAddress, second.address] } };
  if (dhcpKind !== undefined && dhcpKind.schema.safeParse(spec).success) {
    const dhcp = Object.entries(doc.services).find(([, other]) => other.role === "dhcp" && placed(other).includes(primary))?.[0] ?? resolver;
    const on = placed(doc.services[dhcp]!)[0];
    edits.push(appendTo(dhcp, "checks", { dhcp: spec, ...(on === undefined ? {} : { on }) }));
  }
  return edits;
}
