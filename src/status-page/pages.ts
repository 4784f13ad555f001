// Which public status pages exist and what each shows. The default page at /status lists the services
// marked `public: true` (as it always did); each `status_pages:` entry adds a page at /status/<slug> (or
// at its `path`, which may take /status over). A service is public when it is on any page: only those
// have badges, and a response-time badge only when a page showing the service shows response times.
import type { ConfigDocument } from "../config/schema.js";
import type { Topology } from "../model/topology.js";
import { publicServiceNames } from "../api/public-status.js";

export interface PageSpec {
  readonly slug: string;
  readonly path: string;
  readonly title: string;
  readonly description: string | undefined;
  readonly logo: string | undefined;
  readonly footer: string | undefined;
  readonly services: readonly string[];
  readonly showResponseTime: boolean;
}

export const DEFAULT_PATH = "/status";

export function pagesOf(config: ConfigDocument, topology: Topology): PageSpec[] {
  const pages: PageSpec[] = config.status_pages.map((page) => ({
    slug: page.slug, path: page.path ?? `${DEFAULT_PATH}/${page.slug}`, title: page.title, description: page.description, logo: page.logo, footer: page.footer,
    // A reload may drop a service the page still names: show what exists.
    services: page.services.filter((name) => topology.services.has(name)), showResponseTime: page.show_response_time,
  }));
  if (!pages.some((page) => page.path === DEFAULT_PATH)) {
    pages.unshift({ slug: "default", path: DEFAULT_PATH, title: "Status", description: undefined, logo: undefined, footer: undefined, services: publicServiceNames(topology), showResponseTime: false });
  }
  return pages;
}

export function pageAt(pages: readonly PageSpec[], path: string): PageSpec | undefined {
  const trimmed = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  return pages.find((page) => page.path === trimmed);
}

/** Every service some page shows, and whether a page shows its response time. */
export function publicServices(pages: readonly PageSpec[]): Map<string, { showResponseTime: boolean }> {
  const found = new Map<string, { showResponseTime: boolean }>();
  for (const page of pages) {
    for (const name of page.services) found.set(name, { showResponseTime: (found.get(name)?.showResponseTime ?? false) || page.showResponseTime });
  }
  return found;
}
