// Request bodies, read with a limit. A declared Content-Length over the limit is refused before a byte
// is read; a body without one (chunked) is read as it arrives and refused as soon as it passes the
// limit, so a 400 MB body costs at most the limit in memory, never the whole body. Every route has a
// limit (small for the login, which takes two short strings); a route that never reads its body still
// refuses a declared length over it. The answer is 413 with Connection: close, so the client stops
// sending instead of the server reading what is left.
import type { Context, MiddlewareHandler } from "hono";
import type { ApiEnv } from "./env.js";
import { sendError } from "./respond.js";

/** The default for a route's JSON body: far above any body the API takes, far below harm. */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

export type BodyRead = { ok: true; text: string } | { ok: false; tooLarge: true };

function declaredLength(c: Context<ApiEnv>): number | undefined {
  const header = c.req.header("content-length");
  if (header === undefined || c.req.header("transfer-encoding") !== undefined) return undefined;
  const length = Number(header);
  return Number.isFinite(length) ? length : undefined;
}

export function tooLarge(c: Context<ApiEnv>, limit: number): Response {
  c.header("connection", "close");
  return sendError(c, 413, `the request body is larger than this route takes (${limit} bytes)`);
}

/** Up to `limit` bytes of the body; `over` when more came (the rest is not read: the reader is cancelled). */
async function readUpTo(c: Context<ApiEnv>, limit: number): Promise<{ bytes: Buffer; over: boolean }> {
  const stream = c.req.raw.body;
  if (!stream) return { bytes: Buffer.alloc(0), over: false };
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size > limit) {
      void reader.cancel().catch(() => undefined);
      return { bytes: Buffer.concat(chunks).subarray(0, limit), over: true };
    }
  }
  return { bytes: Buffer.concat(chunks), over: false };
}

/** The body as text, or tooLarge once more than `limit` bytes were declared or have arrived. */
export async function readBody(c: Context<ApiEnv>, limit: number): Promise<BodyRead> {
  if ((declaredLength(c) ?? 0) > limit) return { ok: false, tooLarge: true };
  const { bytes, over } = await readUpTo(c, limit);
  return over ? { ok: false, tooLarge: true } : { ok: true, text: bytes.toString("utf8") };
}

/**
 * The body's first `limit` bytes as text; the rest is not read, and the connection is closed (for a
 * body cut rather than refused: a job's log sent without a length).
 */
export async function readBodyPrefix(c: Context<ApiEnv>, limit: number): Promise<string> {
  const { bytes, over } = await readUpTo(c, limit);
  if (over) c.header("connection", "close");
  return bytes.toString("utf8");
}

/** Refuses a request whose declared length is over `limit` (for routes and paths that never read a body). */
export function declaredLimit(limit: number): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    if ((declaredLength(c) ?? 0) > limit) return tooLarge(c, limit);
    return next();
  };
}
