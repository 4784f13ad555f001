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
  // Another engineer's dhcp kind: added only when the registry has it and its schema takes this check.
  const dhcpKind = findProbeKind("dhcp");
  const expect = { expect: { dns_servers: [primaryAddress, second.address] } };
  if (dhcpKind !== undefined && dhcpKind.schema.safeParse(expect).success) {
    const dhcp = Object.entries(doc.services).find(([, other]) => other.role === "dhcp" && placed(other).includes(primary))?.[0] ?? resolver;
    const on = placed(doc.services[dhcp]!)[0];
    edits.push(appendTo(dhcp, "checks", { dhcp: expect, ...(on === undefined ? {} : { on }) }));
  }
  return edits;
}
