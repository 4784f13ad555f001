// The static names of /etc/hosts, as glibc's "files" source reads them: "address name alias…" per line,
// "#" starts a comment, names are case-insensitive, every address of a name is kept in file order.
// The c-ares resolver that probes use (probe-lookup.ts) does not read this file, so it is read here.
import { isIP } from "node:net";

export interface HostsEntry {
  v4: string[];
  v6: string[];
}

export type HostsTable = ReadonlyMap<string, HostsEntry>;

export function normaliseHostName(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

export function parseHosts(text: string | undefined): HostsTable {
  const table = new Map<string, HostsEntry>();
  for (const line of (text ?? "").split("\n")) {
    const fields = line.replace(/#.*/, "").trim().split(/\s+/);
    const address = fields[0] ?? "";
    // A zone index (fe80::1%eth0) is accepted by getaddrinfo; connect() takes the address as written.
    const family = isIP(address.replace(/%.*/, ""));
    if (family === 0) continue;
    for (const name of fields.slice(1)) {
      const key = normaliseHostName(name);
      const entry = table.get(key) ?? { v4: [], v6: [] };
      const list = family === 4 ? entry.v4 : entry.v6;
      if (!list.includes(address)) list.push(address);
      table.set(key, entry);
    }
  }
  return table;
}
