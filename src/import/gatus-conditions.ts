// Gatus conditions ("[STATUS] == 200", "[BODY].status == UP", "[RESPONSE_TIME] < 300") read into the
// expectations of Understudy's checks. Pure. A condition that has no counterpart comes back in
// `unmapped` with the reason; none is dropped silently.
import { toJsonPath, typedValue } from "./status.js";

export interface Expectations {
  status?: number | number[] | string;
  body?: { contains?: string; matches?: string };
  json?: { path: string; equals: string | number | boolean | null };
  maxLatencyMs?: number;
  certificateDays?: number;
  rcode?: string;
  answers?: string[];
  unmapped: { condition: string; reason: string }[];
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Go durations as Gatus writes them for certificate expiry: "48h", "720h", "168h0m0s". */
function hours(text: string): number | undefined {
  const match = /^(\d+)h(?:0m(?:0s)?)?$/.exec(text.trim());
  return match ? Number(match[1]) : undefined;
}

export function readConditions(conditions: readonly string[], kind: "http" | "tcp" | "ping" | "dns"): Expectations {
  const out: Expectations = { unmapped: [] };
  const skip = (condition: string, reason: string) => out.unmapped.push({ condition, reason });
  for (const condition of conditions) {
    const match = /^\s*(\[[A-Z_]+\])(\S*)\s*(==|!=|<=|>=|<|>)\s*(.*?)\s*$/.exec(condition);
    if (!match) {
      skip(condition, "not a condition Understudy can read");
      continue;
    }
    const [, placeholder, suffix = "", operator, value = ""] = match;
    if (placeholder === "[STATUS]" && !suffix && kind === "http") {
      const any = /^any\(([\d,\s]+)\)$/.exec(value);
      if (operator === "==" && /^\d{3}$/.test(value)) out.status = Number(value);
      else if (operator === "==" && any) out.status = any[1]!.split(",").map((code) => Number(code.trim()));
      // A final response is never 1xx, so "< 300" is exactly "2xx".
      else if (operator === "<" && value === "300") out.status = "2xx";
      else skip(condition, 'the http check accepts one code, a list ([200, 204]) or a class ("2xx")');
    } else if (placeholder === "[RESPONSE_TIME]" && !suffix && (operator === "<" || operator === "<=") && /^\d+$/.test(value)) {
      out.maxLatencyMs = Number(value);
    } else if (placeholder === "[CONNECTED]" && !suffix && operator === "==" && value === "true") {
      // Every check fails when it cannot connect: nothing to add.
    } else if (placeholder === "[CERTIFICATE_EXPIRATION]" && (operator === ">" || operator === ">=") && hours(value) !== undefined && kind === "http") {
      out.certificateDays = Math.ceil(hours(value)! / 24);
    } else if (placeholder === "[DNS_RCODE]" && kind === "dns" && operator === "==") {
      out.rcode = value;
    } else if (placeholder === "[BODY]" && !suffix && operator === "==" && kind === "dns") {
      out.answers = [...(out.answers ?? []), value];
    } else if (placeholder === "[BODY]" && !suffix && operator === "==" && kind === "http") {
      const pattern = /^pat\((.*)\)$/.exec(value);
      if (pattern && /^\*[^*?]+\*$/.test(pattern[1]!)) out.body = { contains: pattern[1]!.slice(1, -1) };
      else if (pattern) skip(condition, "only a pat(*text*) pattern (contains) maps to the body expectation");
      else out.body = { matches: `^${escapeRegex(value)}$` };
    } else if (placeholder === "[BODY]" && suffix.startsWith(".") && operator === "==" && kind === "http") {
      const path = toJsonPath(suffix.slice(1));
      if (path === undefined || /^(pat|any|len|has)\(/.test(value)) skip(condition, "only a plain JSON path compared to a plain value maps to the json expectation");
      else if (out.json) skip(condition, "the http check holds one json expectation; add a second http check for this one");
      else out.json = { path, equals: typedValue(value) };
    } else {
      skip(condition, `Understudy's ${kind} check has nothing like ${placeholder}${suffix} ${operator}`);
    }
  }
  return out;
}
