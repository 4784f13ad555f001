// One HTTP(S) exchange for the http and headscale kinds, on node:http/node:https rather than fetch:
// a probe needs per-request TLS verification, a bounded body and an abort that tears the socket down at once.
//
// Connections are kept alive between runs, per origin, as a browser or a reverse proxy keeps them. A fresh
// connection per run (the earlier design) cost a connect, a socket and a TIME_WAIT entry per run: at
// 10,000 checks every 10 s, 1,000 connections a second, most of the agent's allocation, and the same
// churn on the services watched. What the pool may hold is bounded: only idle sockets are pooled (in-use ones are
// bounded by the scheduler's concurrency, and a cap on them would queue a probe behind others and
// blame the service for our wait), at most MAX_IDLE_PER_ORIGIN per origin, each for at most IDLE_MS
// (below the 5 s keep-alive of Node's and Apache's servers; a server announcing a shorter one is obeyed).
// What it must not hide:
//   - a connection the server closed while idle (the keep-alive race) is retried once on a fresh one,
//     so a reset seen on a reused socket is never reported as the service's failure;
//   - TLS sessions are not cached, so every new TLS connection verifies the certificate in full;
//   - a service that dies closes its connections, so the next run connects afresh and sees it.
// A reused connection's latency leaves out the connect and handshake: it is the request's own time.
import http from "node:http";
import https from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import { probeLookup } from "../net/probe-lookup.js";
import { describeNetError } from "./net-error.js";
import type { NetFailure } from "./net-error.js";

/** Bodies are read up to this size: enough for a health page, bounded against a runaway download. */
const MAX_BODY_BYTES = 1024 * 1024;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
export const IDLE_MS = 4_000;
export const MAX_IDLE_PER_ORIGIN = 8;
const RESET_CODES = new Set(["ECONNRESET", "EPIPE"]);

const poolOptions = { keepAlive: true, maxFreeSockets: MAX_IDLE_PER_ORIGIN, timeout: IDLE_MS, scheduling: "lifo" } as const;
/** One agent per transport and verification mode, so a socket opened unverified never serves a verified check. */
const pools = {
  http: new http.Agent(poolOptions),
  httpsVerified: new https.Agent({ ...poolOptions, maxCachedSessions: 0, rejectUnauthorized: true }),
  httpsUnverified: new https.Agent({ ...poolOptions, maxCachedSessions: 0, rejectUnauthorized: false }),
};

/** Idle pooled connections per origin ("host:port:…" as node names them), for tests and diagnostics. */
export function idleConnections(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const agent of Object.values(pools)) {
    for (const [name, sockets] of Object.entries(agent.freeSockets)) counts[name] = (counts[name] ?? 0) + (sockets?.length ?? 0);
  }
  return counts;
}

/** Closes every idle pooled connection now (the scheduler's stop; they would otherwise close after IDLE_MS). */
export function closeIdleConnections(): void {
  for (const agent of Object.values(pools)) {
    for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
  }
}

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
    // A server's Location is input like any other: an unparsable or non-HTTP one is the service's failure, not a throw.
    const next = URL.canParse(location, url.href) ? new URL(location, url) : undefined;
    if (next === undefined || !/^https?:$/.test(next.protocol)) {
      return { ok: false, failure: { reason: "redirects", text: `a redirect to ${JSON.stringify(location)}, which is not an http(s) URL` } };
    }
    // Credentials given for one origin must not leak to another one a redirect points at.
    if (next.origin !== url.origin) headers = {};
    if (status === 303 && method !== "HEAD") method = "GET";
    url = next;
  }
}

function exchange(url: URL, method: string, headers: Record<string, string>, options: HttpRequestOptions, pooled = true): Promise<HttpOutcome> {
  const secure = url.protocol === "https:";
  const transport = secure ? https : http;
  const agent = !pooled ? false : !secure ? pools.http : options.tlsVerify ? pools.httpsVerified : pools.httpsUnverified;
  return new Promise<HttpOutcome>((resolve) => {
    const fail = (error: unknown) => resolve({ ok: false, failure: describeNetError(error) });
    let request: http.ClientRequest;
    try {
      request = transport.request(url, {
        method,
        headers,
        agent,
        lookup: probeLookup,
        rejectUnauthorized: options.tlsVerify,
        signal: options.signal,
      });
    } catch (error) {
      // Refused before sending: a header value with a line break (a secret file's trailing newline…).
      // Node's message names the header, never its value.
      return fail(error);
    }
    request.on("error", (error: NodeJS.ErrnoException) => {
      // The server closed a kept-alive connection as we reused it: not the service's failure; ask again afresh.
      if (request.reusedSocket && RESET_CODES.has(error.code ?? "") && !options.signal.aborted) resolve(exchange(url, method, headers, options, false));
      else fail(error);
    });
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
