// Cross-field rules of `status_pages:`, called from src/config/rules.ts: every service a page lists
// exists, and no two pages share a slug or an address.
import type { PathSegment } from "../config/diagnostics.js";
import type { ConfigDocument } from "../config/schema.js";
import { didYouMean } from "../config/suggest.js";

type Report = (path: PathSegment[], message: string) => void;

const listed = (names: readonly string[]) => (names.length === 0 ? "(none)" : names.length <= 12 ? names.join(", ") : `${names.slice(0, 12).join(", ")}, …`);

export function checkStatusPageRules(doc: ConfigDocument, error: Report): void {
  const services = Object.keys(doc.services);
  const slugs = new Map<string, number>();
  const paths = new Map<string, number>();
  doc.status_pages.forEach((page, index) => {
    const at = (...rest: PathSegment[]): PathSegment[] => ["status_pages", index, ...rest];
    const seenSlug = slugs.get(page.slug);
    if (seenSlug !== undefined) error(at("slug"), `the slug "${page.slug}" is already used by status page ${seenSlug + 1}; give each page its own slug`);
    else slugs.set(page.slug, index);
    const path = page.path ?? `/status/${page.slug}`;
    const seenPath = paths.get(path);
    if (seenPath === undefined) paths.set(path, index);
    else if (seenSlug === undefined || page.path !== undefined) error(at(page.path === undefined ? "slug" : "path"), `the address ${path} is already taken by status page ${seenPath + 1} ("${doc.status_pages[seenPath]!.slug}"); give this page another slug or path`);
    const seen = new Set<string>();
    page.services.forEach((name, at2) => {
      if (!Object.hasOwn(doc.services, name)) error(at("services", at2), `unknown service "${name}"${didYouMean(name, services)}; services are: ${listed(services)}`);
      else if (seen.has(name)) error(at("services", at2), `"${name}" is listed twice on this page`);
      seen.add(name);
    });
  });
}
