// The dashboard's files from web/dist (built by `npm run build:web`): any GET outside /api/ and
// /metrics. A path that is not a file answers index.html (the pages route on the client); /status and
// /status/:slug are the server's own pages (routes/public.ts), registered before this. Paths are
// resolved inside the root and nothing outside it is ever read. Without a build, / says how to make one.
import { readFile, stat } from "node:fs/promises";
import { extname, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Context, Hono } from "hono";
import type { ApiEnv } from "../env.js";
import { sendText } from "../respond.js";

/** web/dist of this package: src/api/routes → ../../../web/dist, and the same from dist/api/routes. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL("../../../web/dist/", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".json": "application/json", ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon", ".woff2": "font/woff2", ".map": "application/json", ".txt": "text/plain; charset=utf-8",
};

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Understudy</title>
<h1>Understudy</h1><p>The agent is running, but the dashboard is not built.</p>
<p>Build it with <code>npm run build:web</code> (it writes <code>web/dist/</code>), then reload this page.</p>
<p>The API answers under <code>/api/</code>; the public status is <code>/api/public/status</code>.</p>\n`;

async function fileAt(root: string, path: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0")) return undefined;
  const full = resolve(root, `.${normalize(`/${decoded}`)}`);
  if (full !== root && !full.startsWith(root.endsWith(sep) ? root : root + sep)) return undefined;
  try {
    return (await stat(full)).isFile() ? full : undefined;
  } catch {
    return undefined;
  }
}

async function serveFile(c: Context<ApiEnv>, file: string): Promise<Response> {
  const body = await readFile(file);
  // Vite's hashed assets never change; the HTML that names them must always be fetched again.
  const cache = file.includes(`${sep}assets${sep}`) ? "public, max-age=31536000, immutable" : "no-cache";
  return c.body(body, 200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": cache, "x-content-type-options": "nosniff" });
}

export function staticRoutes(app: Hono<ApiEnv>, webRoot: string = DEFAULT_WEB_ROOT): void {
  const root = resolve(webRoot);
  app.get("*", async (c) => {
    const path = c.req.path;
    if (path.startsWith("/api/") || path === "/api" || path === "/metrics") return c.json({ error: "not found" }, 404);
    const file = await fileAt(root, path);
    if (file) return serveFile(c, file);
    if (extname(path) !== "" && !path.endsWith(".html")) return sendText(c, "not found\n", 404);
    const page = await fileAt(root, "index.html");
    if (page) return serveFile(c, page);
    return sendText(c, NOT_BUILT, 200, "text/html; charset=utf-8");
  });
}

