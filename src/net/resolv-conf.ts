// What of /etc/resolv.conf the probe resolver applies itself: the search list and `ndots`. c-ares reads
// the servers, but its resolve4/resolve6 (ares_query) never apply the search list, while getaddrinfo does:
// without this, a homelab check of "db" (meaning db.lan) would stop resolving.
export interface SearchRules {
  /** Domains tried after a short name, in order (`search`, or the last `domain`). */
  search: string[];
  /** A name with at least this many dots is tried as written first. Default 1. */
  ndots: number;
}

export function parseResolvConf(text: string | undefined): SearchRules {
  let search: string[] = [];
  let ndots = 1;
  for (const line of (text ?? "").split("\n")) {
    const [keyword, ...values] = line.replace(/[#;].*/, "").trim().split(/\s+/);
    // As in glibc, the last of `search` and `domain` wins.
    if (keyword === "search") search = values.filter(Boolean);
    else if (keyword === "domain" && values[0] !== undefined) search = [values[0]];
    else if (keyword === "options") {
      for (const option of values) {
        const match = /^ndots:(\d+)$/.exec(option);
        if (match) ndots = Math.min(15, Number(match[1]));
      }
    }
  }
  return { search: search.map((domain) => domain.replace(/\.$/, "")).filter((domain) => domain !== ""), ndots };
}

/** The names to ask for, in order, as glibc's resolver builds them. A name ending in "." is absolute. */
export function candidateNames(name: string, rules: SearchRules): string[] {
  if (name.endsWith(".")) return [name.slice(0, -1)];
  const searched = rules.search.map((domain) => `${name}.${domain}`);
  const dots = name.split(".").length - 1;
  return dots >= rules.ndots ? [name, ...searched] : [...searched, name];
}
