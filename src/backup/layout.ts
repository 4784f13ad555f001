// Where a snapshot's stored files go back to: a database or path at its source path under a root
// ("/" puts everything back in place, a folder gives a side-by-side copy), a dump's output under
// understudy-dumps/. Restore and replication both place files this way. For a manifest read back from
// a target, placeOf is only safe after manifest-check.ts has passed it (no "..", nothing through a symlink).
import { basename, join } from "node:path";
import type { Manifest } from "./manifest.js";

export const DUMPS_DIR = "understudy-dumps";

/** The path (relative to the root, no leading "/") where a stored file belongs. */
export function placeOf(manifest: Manifest, stored: string): string {
  const item = manifest.items.find((candidate) => stored === candidate.stored || stored.startsWith(`${candidate.stored}/`));
  if (!item) throw new Error(`bug: ${stored} belongs to no item of snapshot ${manifest.id}`);
  if (item.kind === "command") return join(DUMPS_DIR, basename(item.stored));
  return join(item.source, stored.slice(item.stored.length)).replace(/^\/+/, "");
}
