// HTTP delivery for the hosted notifier kinds: send one request, classify the answer as a SendResult.
// 429 and 5xx and network failures are retryable (with Retry-After when the provider gives one);
// other 4xx are permanent and carry the provider's own error text. Secrets used to build the request
// are scrubbed from every reason, because reasons end up in logs, the dashboard and status().
import type { SendResult } from "./notifier.js";

export interface HttpRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON (with a JSON content type). */
  body?: unknown;
  signal: AbortSignal;
  /** Secret values that must never appear in a reason (tokens, webhook URLs). */
  secrets?: readonly string[];
  /** Turns the provider's error body into a short message; default: the body text, trimmed. */
  errorText?: (body: string, status: number) => string | undefined;
  /** Some providers answer 200 with an error inside (Telegram ok:false); return a reason to fail. */
  checkOk?: (body: string) => string | undefined;
  /** Some providers put the wait in the body (Discord retry_after, Matrix retry_after_ms). */
  retryAfterFromBody?: (body: string) => number | undefined;
}

const MAX_REASON = 300;

/** Replaces each secret (and its URL-encoded form) with "***". */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join("***");
  }
  return out;
}

/** Retry-After as delta-seconds or an HTTP date, in milliseconds from `now`. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Parses JSON, or undefined: error bodies are not always JSON (proxies answer with HTML). */
export function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function networkCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  if (cause && typeof cause.code === "string") return cause.code;
  if ((error as Error).name === "AbortError" || (error as Error).name === "TimeoutError") return "timeout or cancelled";
  return (error as Error).name || "error";
}

export async function sendHttp(request: HttpRequest): Promise<SendResult> {
  const secrets = request.secrets ?? [];
  const clip = (text: string) => redact(text, secrets).replace(/\s+/g, " ").trim().slice(0, MAX_REASON);
  const headers: Record<string, string> = { "user-agent": "understudy", ...request.headers };
  let body: string | undefined;
  if (typeof request.body === "string") body = request.body;
  else if (request.body !== undefined) {
    body = JSON.stringify(request.body);
    headers["content-type"] ??= "application/json";
  }
  let response: Response;
  try {
    response = await fetch(request.url, { method: request.method, headers, body, signal: request.signal, redirect: "error" });
  } catch (error) {
    // Never include the URL: Discord, Slack and Telegram carry their token in it.
    return { ok: false, reason: `network error (${networkCode(error)})`, retryable: true };
  }
  let text = "";
  try {
    text = await response.text();
  } catch (error) {
    if (response.ok) return { ok: false, reason: `network error reading the answer (${networkCode(error)})`, retryable: true };
  }
  if (response.ok) {
    const notOk = request.checkOk?.(text);
    return notOk === undefined ? { ok: true } : { ok: false, reason: clip(notOk), retryable: false };
  }
  const status = response.status;
  const message = clip(request.errorText?.(text, status) ?? text) || response.statusText;
  const reason = `HTTP ${status}${message ? `: ${message}` : ""}`;
  if (status === 429 || status >= 500 || status === 408) {
    const retryAfterMs = parseRetryAfter(response.headers.get("retry-after")) ?? request.retryAfterFromBody?.(text);
    return retryAfterMs === undefined ? { ok: false, reason, retryable: true } : { ok: false, reason, retryable: true, retryAfterMs };
  }
  return { ok: false, reason, retryable: false };
}
