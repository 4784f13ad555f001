// One HTTP(S) exchange for the http and headscale kinds, on node:http/node:https rather than fetch:
// a probe needs per-request TLS verification, no connection pooling (each run sees a fresh connection,
// as a client would), a bounded body and an abort that tears the socket down at once.
import http from "node:http";
import https from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import { describeNetError } from "./net-error.js";
import type { NetFailure } from "./net-error.js";

/** Bodies are read up to this size: enough for a health page, bounded against a runaway download. */
const MAX_BODY_BYTES = 1024 * 1024;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface HttpRequestOptions {
  url: string;
  method: string;
  headers: Record<string, string>;
  tlsVerify: boolean;
  /** Redirects followed at most; 0 returns the 3xx response itself. */
  maxRedirects: number;
  signal: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The URL that answered, after redirects. */
  url: string;
  redirects: number;
}

export type HttpOutcome = { ok: true; response: HttpResponse } | { ok: false; failure: NetFailure };

export async function httpRequest(options: HttpRequestOptions): Promise<HttpOutcome> {
  let url = new URL(options.url);
  let method = options.method;
  let headers = options.headers;
  for (let redirects = 0; ; redirects++) {
    const outcome = await exchange(url, method, headers, options);
    if (!outcome.ok) return outcome;
    const { status, headers: responseHeaders } = outcome.response;
    const location = responseHeaders.location;
    if (!REDIRECT_STATUSES.has(status) || location === undefined || options.maxRedirects === 0) {
      return { ok: true, response: { ...outcome.response, url: url.href, redirects } };
    }
    if (redirects >= options.maxRedirects) {
      return { ok: false, failure: { reason: "redirects", text: `more than ${options.maxRedirects} redirects (last to ${location})` } };
    }
    const next = new URL(location, url);
    // Credentials given for one origin must not leak to another one a redirect points at.
    if (next.origin !== url.origin) headers = {};
    if (status === 303 && method !== "HEAD") method = "GET";
    url = next;
  }
}

function exchange(url: URL, method: string, headers: Record<string, string>, options: HttpRequestOptions): Promise<HttpOutcome> {
  const transport = url.protocol === "https:" ? https : http;
  return new Promise<HttpOutcome>((resolve) => {
    const fail = (error: unknown) => resolve({ ok: false, failure: describeNetError(error) });
    const request = transport.request(url, {
      method,
      headers,
      agent: false,
      rejectUnauthorized: options.tlsVerify,
      signal: options.signal,
    });
    request.on("error", fail);
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = () =>
        resolve({
          ok: true,
          response: { status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString("utf8"), url: url.href, redirects: 0 },
        });
      response.on("data", (chunk: Buffer) => {
        if (size >= MAX_BODY_BYTES) return;
        chunks.push(chunk);
        size += chunk.length;
        if (size >= MAX_BODY_BYTES) {
          finish();
          response.destroy();
        }
      });
      response.on("end", finish);
      response.on("error", fail);
    });
    request.end();
  });
}
