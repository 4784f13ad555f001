// The public hostnames a reverse proxy answers for, as the config knows them: the names in the http and
// tls checks of the proxy and of the services exposed through it (an address is not a name).
import { isIP } from "node:net";
import type { CheckDocument, ConfigDocument } from "../../config/schema.js";
import { servicesExposedVia } from "../edit.js";
import { specOf } from "../check-spec.js";

function http(check: CheckDocument): string | undefined {
  const url = specOf(check, "http")?.url;
  return url !== undefined && URL.canParse(url) ? new URL(url).hostname : undefined;
}

export function publicNames(doc: ConfigDocument, proxy: string): string[] {
  const names = new Set<string>();
  for (const service of [proxy, ...servicesExposedVia(doc, proxy)]) {
    for (const check of doc.services[service]?.checks ?? []) {
      const found = [
        http(check),
        specOf(check, "tls")?.servername ?? specOf(check, "tls")?.host,
      ];
      for (const name of found) if (name !== undefined && isIP(name) === 0 && name.includes(".")) names.add(name.toLowerCase());
    }
  }
  return [...names].sort();
}

/** The domain a name belongs to, for one certificate per domain: git.example.org → example.org. */
export function domainOf(name: string): string {
  return name.split(".").slice(-2).join(".");
}
