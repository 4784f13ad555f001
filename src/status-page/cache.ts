// Public answers (status pages, their JSON, badges) are built at most once per TTL_MS per address and
// served with Cache-Control (public, max-age) and a strong ETag, so a proxy, a CDN or a browser keeps
// them and a revalidation is a 304 without a body. A write that changes what pages show (a post)
// clears the memo at once. The memo is bounded: the addresses are the configured pages and badges.
import { createHash } from "node:crypto";
import type { Context } from "hono";

export const TTL_MS = 30_000;
const MAX_ENTRIES = 1_000;

interface Entry {
  at: number;
  body: string;
  etag: string;
  type: string;
  status: 200 | 404;
}

export class PublicCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number) {}

  clear(): void {
    this.entries.clear();
  }

  /** Answers from the memo, or builds the body (undefined: a 404) and remembers it for TTL_MS. */
  serve(c: Context, key: string, type: string, build: () => string | undefined): Response {
    const now = this.now();
    let entry = this.entries.get(key);
    if (!entry || now - entry.at >= TTL_MS || now < entry.at) {
      const built = build();
      const body = built ?? "not found\n";
      entry = { at: now, body, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`, type: built === undefined ? "text/plain; charset=utf-8" : type, status: built === undefined ? 404 : 200 };
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      this.entries.set(key, entry);
    }
    const maxAge = Math.max(0, Math.ceil((entry.at + TTL_MS - now) / 1000));
    const headers: Record<string, string> = {
      "cache-control": entry.status === 200 ? `public, max-age=${maxAge}, stale-while-revalidate=60` : "public, max-age=60",
      etag: entry.etag,
      "last-modified": new Date(entry.at).toUTCString(),
      "x-content-type-options": "nosniff",
      "content-type": entry.type,
    };
    const match = c.req.header("if-none-match");
    if (entry.status === 200 && match !== undefined && match.split(",").some((tag) => tag.trim().replace(/^W\//, "") === entry.etag || tag.trim() === "*")) {
      return c.body(null, 304, headers);
    }
    return c.body(entry.body, entry.status, headers);
  }
}
