// How the API answers: JSON and text that no cache keeps (everything here is live or private).
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export function sendJson(c: Context, value: unknown, status: ContentfulStatusCode = 200): Response {
  return c.body(`${JSON.stringify(value, null, 2)}\n`, status, { "content-type": "application/json", "cache-control": "no-store" });
}

export function sendText(c: Context, text: string, status: ContentfulStatusCode = 200, type = "text/plain; charset=utf-8"): Response {
  return c.body(text, status, { "content-type": type, "cache-control": "no-store" });
}

export function sendError(c: Context, status: ContentfulStatusCode, error: string): Response {
  return sendJson(c, { error }, status);
}
