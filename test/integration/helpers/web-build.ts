// For browser tests against the real `understudy demo` (which serves web/dist): rebuild the dashboard
// when a web source is newer than the bundle, so a test never checks a stale one; and the flags that
// keep Debian's Chromium headless and off the network.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { build } from "vite";

export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

function newestIn(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestIn(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds `web` into web/dist when a source is newer than the built index.html. */
export async function ensureWebBuilt(web: string): Promise<void> {
  const built = statSync(join(web, "dist/index.html"), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (built >= Math.max(newestIn(join(web, "src")), statSync(join(web, "index.html")).mtimeMs)) return;
  await build({ root: web, configFile: join(web, "vite.config.ts"), logLevel: "warn" });
}
