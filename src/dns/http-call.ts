// One HTTP request for the HTTP-based DNS kinds (PowerDNS API, webhook): the answer's status and JSON
// body, or a failure value for network errors and timeouts. Never puts the URL in a message, since
// a webhook's URL may carry a token.
import { failure } from "./provider.js";
import type { DnsFailure } from "./provider.js";

export interface HttpAnswer {
  ok: true;
  status: number;
  /** The body parsed as JSON, or its text when it is not JSON. */
  body: unknown;
  text: string;
}

function networkText(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  if (cause && typeof cause.code === "string") return cause.code === "ECONNREFUSED" ? "connection refused" : cause.code;
  return error instanceof Error ? error.message : String(error);
}

export async function httpCall(what: string, url: string, init: { method: string; headers: Record<string, string>; body?: unknown }, signal: AbortSignal): Promise<HttpAnswer | DnsFailure> {
  const headers: Record<string, string> = { "user-agent": "understudy", accept: "application/json", ...init.headers };
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  if (body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(url, { method: init.method, headers, body, signal, redirect: "error" });
  } catch (error) {
    if (signal.aborted) return failure("timeout", `${what}: no answer in time`);
    return failure("unreachable", `${what}: ${networkText(error)}`);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    return failure(signal.aborted ? "timeout" : "unreachable", `${what}: the answer was cut off (${networkText(error)})`);
  }
  let parsed: unknown = text;
  try {
    parsed = text === "" ? undefined : (JSON.parse(text) as unknown);
  } catch {
    // Not JSON (a proxy's HTML error page): keep the text.
  }
  return { ok: true, status: response.status, body: parsed, text };
}

/** A short excerpt of an error body for a message: its `error` field when JSON, else the text. */
export function errorExcerpt(answer: HttpAnswer): string {
  const field = typeof answer.body === "object" && answer.body !== null ? (answer.body as { error?: unknown }).error : undefined;
  const text = typeof field === "string" ? field : answer.text;
  return text.replace(/\s+/g, " ").trim().slice(0, 200);
}
