// Where a fix puts the second copy of something: an existing host that fits, or a new host the user
// will have to provide (named after the one it backs up, with a note saying so).
import type { ConfigDocument } from "../config/schema.js";
import type { ConfigEdit } from "./change.js";
import { addHost, placed } from "./edit.js";

export interface HostChoice {
  /** The edits that add the host, if it is new; empty for an existing host. */
  edits: ConfigEdit[];
  host: string;
  /** Its address (a placeholder for a new host). */
  address: string;
}

export interface HostWish {
  /** Hosts that cannot serve (the one being backed up, the service's current hosts). */
  exclude: readonly string[];
  /** Prefer hosts at this site (a LAN resolver must stay on the LAN). */
  site?: string | undefined;
  /** Only hosts reachable from the internet (a control plane, a public entry point). */
  public?: boolean;
  /** Extra preference, higher first: e.g. "runs most of the services the tunnel exposes". */
  prefer?: (host: string) => number;
}

function servicesOn(doc: ConfigDocument, host: string): number {
  return Object.values(doc.services).filter((service) => placed(service).includes(host)).length;
}

/** The best existing host for the wish, or undefined when none fits. */
export function pickHost(doc: ConfigDocument, wish: HostWish): string | undefined {
  const candidates = Object.entries(doc.hosts)
    .filter(([name, host]) => !wish.exclude.includes(name) && (wish.public !== true || host.public))
    .map(([name, host]) => ({
      name,
      sameSite: wish.site !== undefined && host.site === wish.site ? 1 : 0,
      preference: wish.prefer?.(name) ?? 0,
      // The least loaded host, so that one host does not become the next SPOF.
      load: servicesOn(doc, name),
    }));
  candidates.sort((a, b) => b.sameSite - a.sameSite || b.preference - a.preference || a.load - b.load || a.name.localeCompare(b.name));
  return candidates[0]?.name;
}

/** The next free name in the host's series: L001 → L002, router → router-2. */
export function newHostName(doc: ConfigDocument, like: string): string {
  const numbered = /^(.*?)(\d+)$/.exec(like);
  if (numbered) {
    const [, prefix, digits] = numbered as unknown as [string, string, string];
    for (let n = Number(digits) + 1; ; n++) {
      const name = `${prefix}${String(n).padStart(digits.length, "0")}`;
      if (!Object.hasOwn(doc.hosts, name)) return name;
    }
  }
  for (let n = 2; ; n++) if (!Object.hasOwn(doc.hosts, `${like}-${n}`)) return `${like}-${n}`;
}

/** Adds a host the user must provide; its address is a reserved placeholder (RFC 6761 .invalid). */
export function addNewHost(doc: ConfigDocument, like: string, what: { site?: string | undefined; public: boolean; description: string }): HostChoice {
  const host = newHostName(doc, like);
  const address = `${host.toLowerCase()}.invalid`;
  const edit = addHost(host, {
    address,
    ...(what.site === undefined ? {} : { site: what.site }),
    ...(what.public ? { public: true } : {}),
    description: `NEW, added by understudy plan: ${what.description}; set its address`,
  });
  return { edits: [edit], host, address };
}

/** An existing host if one fits, else a new one. */
export function existingOrNewHost(doc: ConfigDocument, wish: HostWish, like: string, description: string): HostChoice {
  const host = pickHost(doc, wish);
  if (host !== undefined) return { edits: [], host, address: doc.hosts[host]!.address };
  return addNewHost(doc, like, { site: wish.site, public: wish.public ?? false, description });
}
