// Gatus conditions ("[STATUS] == 200", "[BODY].status == UP", "[RESPONSE_TIME] < 300", "len([BODY].x) > 2",
// "[BODY] == pat(*.*.*.*)", "[STATUS] == any(200, 429)") read into the expectations of Understudy's checks,
// following Gatus' README (Conditions, Placeholders, Functions). Pure. Every condition comes back once:
// as an expectation, in `approximated` (kept, not exactly) or in `unmapped` (dropped), each with a
// complete sentence saying why. A pattern is never taken for a literal value.
import { toJsonPath, typedValue } from "./status.js";

export type EndpointKind = "http" | "tcp" | "ping" | "dns" | "tls" | "ssh";

export interface Expectations {
  status?: number | number[] | string;
  body?: { contains?: string; matches?: string };
  json?: { path: string; equals: string | number | boolean | null };
  maxLatencyMs?: number;
  certificateDays?: number;
  rcode?: string;
  answers?: string[];
  mapped: string[];
  approximated: { condition: string; how: string }[];
  unmapped: { condition: string; reason: string }[];
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A regex matching the whole text: (?<![\s\S]) and (?![\s\S]) anchor at its ends even with the m flag the check uses. */
function whole(source: string): string {
  return `(?<![\\s\\S])${source}(?![\\s\\S])`;
}

/**
 * Gatus' pat() (pattern/pattern.go): Go's filepath.Match over the whole text after every "/" is removed
 * from both: `*` any run, `?` one character, `[a-z]`/`[^a-z]` a class, `\x` a literal x. The regex lets a
 * "/" stand anywhere in the text (as if removed) and drops those of the pattern.
 */
export function patternRegex(pattern: string): string {
  const atoms: string[] = [];
  const text = pattern.replace(/\//g, "");
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === "*") atoms.push("[\\s\\S]*");
    else if (char === "?") atoms.push("[^/]");
    else if (char === "\\" && i + 1 < text.length) atoms.push(escapeRegex(text[++i]!));
    else if (char === "[" && text.indexOf("]", i + 2) > 0) {
      const end = text.indexOf("]", i + 2);
      const body = text.slice(i + 1, end);
      const negated = body.startsWith("^");
      atoms.push(`[${negated ? "^/" : ""}${(negated ? body.slice(1) : body).replace(/[\\\]^]/g, "\\$&")}]`);
      i = end;
    } else atoms.push(escapeRegex(char));
  }
  return whole(`/*${atoms.map((atom) => `${atom}/*`).join("")}`);
}

/** Go durations as Gatus writes them for expirations: "48h", "720h", "168h0m0s", "90m". */
function hours(text: string): number | undefined {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!match || text.trim() === "") return undefined;
  return Number(match[1] ?? 0) + Number(match[2] ?? 0) / 60 + Number(match[3] ?? 0) / 3600;
}

/** The codes a comparison on [STATUS] accepts, among final responses (200–599). */
function statusRange(operator: string, value: number): [number, number] | undefined {
  switch (operator) {
    case "<": return [200, value - 1];
    case "<=": return [200, value];
    case ">": return [value + 1, 599];
    case ">=": return [value, 599];
    default: return undefined;
  }
}

function statusOf([low, high]: [number, number]): number | number[] | string | undefined {
  if (low > high) return undefined;
  if (low % 100 === 0 && high === low + 99) return `${low / 100}xx`;
  if (low === high) return low;
  if (high - low <= 20) return Array.from({ length: high - low + 1 }, (_, i) => low + i);
  return undefined;
}

export function readConditions(conditions: readonly string[], kind: EndpointKind): Expectations {
  const out: Expectations = { mapped: [], approximated: [], unmapped: [] };
  const skip = (condition: string, reason: string) => out.unmapped.push({ condition, reason });
  const approx = (condition: string, how: string) => out.approximated.push({ condition, how });
  for (const condition of conditions) {
    const before = out.unmapped.length + out.approximated.length;
    readOne(condition.trim(), kind, out, skip, approx);
    if (out.unmapped.length + out.approximated.length === before) out.mapped.push(condition.trim());
  }
  return out;
}

type Say = (condition: string, text: string) => void;

function readOne(condition: string, kind: EndpointKind, out: Expectations, skip: Say, approx: Say): void {
  const fn = /^(len|has)\((\[[A-Z_]+\][^)]*)\)\s*(==|!=|<=|>=|<|>)\s*(.*)$/.exec(condition);
  if (fn) return skip(condition, `Understudy's checks have no ${fn[1] === "len" ? "length" : "presence"} test on a JSON path; only a path equal to one value`);
  const match = /^(\[[A-Z_]+\])(\S*)\s*(==|!=|<=|>=|<|>)\s*(.*?)$/.exec(condition);
  if (!match) return skip(condition, "it is not a condition of the form [PLACEHOLDER] operator value");
  const [, placeholder, suffix = "", operator = "==", value = ""] = match;
  const pattern = /^pat\((.*)\)$/.exec(value)?.[1];
  const any = /^any\((.*)\)$/.exec(value)?.[1]?.split(",").map((part) => part.trim());
  if (operator === "!=") return skip(condition, "Understudy's checks have no negated expectation (!=)");

  switch (placeholder) {
    case "[CONNECTED]":
      if (operator === "==" && value === "true") return; // every check fails when it cannot connect
      return skip(condition, "a check that must not connect has no counterpart");
    case "[RESPONSE_TIME]":
      if ((operator === "<" || operator === "<=") && /^\d+$/.test(value) && !suffix) {
        out.maxLatencyMs = Number(value);
        return;
      }
      return skip(condition, "only an upper bound on the response time (< N) maps, to max_latency");
    case "[CERTIFICATE_EXPIRATION]": {
      const h = hours(value);
      if ((operator === ">" || operator === ">=") && h !== undefined && (kind === "http" || kind === "tls")) {
        out.certificateDays = Math.ceil(h / 24);
        if (h % 24 !== 0) approx(condition, `the tls check counts whole days: it fails ${out.certificateDays} days before expiry`);
        return;
      }
      return skip(condition, "only a lower bound (> 720h) on an https or tls:// endpoint maps, to a tls check's min_days");
    }
    case "[DOMAIN_EXPIRATION]":
      return skip(condition, "Understudy has no domain-expiration check (it would need RDAP or WHOIS); your registrar's renewal emails are the fallback");
    case "[IP]":
      return skip(condition, "Understudy's checks do not test the address a name resolves to; a dns check with answers: does");
    case "[DNS_RCODE]":
      if (kind === "dns" && operator === "==" && /^[A-Z]+$/.test(value)) {
        out.rcode = value;
        return;
      }
      return skip(condition, "only [DNS_RCODE] == CODE on a dns endpoint maps, to rcode");
    case "[STATUS]":
      return readStatus(condition, kind, operator, value, any, out, skip, approx);
    case "[BODY]":
      return readBody(condition, kind, suffix, operator, value, pattern, any, out, skip, approx);
    default:
      return skip(condition, `Understudy's ${kind} check has nothing like ${placeholder}`);
  }
}

function readStatus(condition: string, kind: EndpointKind, operator: string, value: string, any: string[] | undefined, out: Expectations, skip: Say, approx: Say): void {
  if (kind === "ssh") {
    if (operator === "==" && value === "0") return approx(condition, "the remote command's exit status needs an ssh check with a key and a pinned host key; only the port is checked (tcp)");
    return skip(condition, "the remote command's exit status needs an ssh check with a key and a pinned host key");
  }
  if (kind !== "http") return skip(condition, `a ${kind} endpoint has no HTTP status`);
  if (operator === "==" && /^\d{3}$/.test(value)) return void (out.status = Number(value));
  if (operator === "==" && any?.every((code) => /^\d{3}$/.test(code))) return void (out.status = any.map(Number));
  const range = /^\d{3}$/.test(value) ? statusRange(operator, Number(value)) : undefined;
  const status = range ? statusOf(range) : undefined;
  if (status !== undefined) return void (out.status = status);
  skip(condition, 'the http check accepts one code, a list of up to about 20 ([200, 204]) or a class ("2xx"); this range is wider');
}

function readBody(condition: string, kind: EndpointKind, suffix: string, operator: string, value: string, pattern: string | undefined, any: string[] | undefined, out: Expectations, skip: Say, approx: Say): void {
  if (kind === "dns" && !suffix && operator === "==") {
    if (pattern !== undefined) {
      // "[BODY] == pat(*.*.*.*)" (Gatus' own example) means "an address": rcode NOERROR already demands a record.
      if (pattern.replace(/[*.]/g, "") === "") return approx(condition, "any answer of the query's type: the dns check's NOERROR demands at least one record");
      return approx(condition, `the dns check compares whole answers; pat(${pattern}) is checked only as "at least one record"`);
    }
    if (any) return skip(condition, "the dns check's answers must all be present; it has no \"one of\"");
    out.answers = [...(out.answers ?? []), value];
    return;
  }
  if (kind === "ssh") return skip(condition, "the command's output needs an ssh check (its stdout expectation) with a private key and a pinned host key, which Gatus does not hold");
  if (kind !== "http") return skip(condition, `Understudy's ${kind} check does not read a body`);
  if (!suffix) {
    if (operator !== "==") return skip(condition, "the body is compared only for equality or a pattern");
    if (out.body) return skip(condition, "the http check holds one body expectation; add a second http check for this one");
    // pat(*text*) is "contains text" (exact unless the body has a "/" inside the text, which Gatus ignores).
    if (pattern !== undefined) out.body = /^\*[^*?[\\/]+\*$/.test(pattern) ? { contains: pattern.slice(1, -1) } : { matches: patternRegex(pattern) };
    else if (any) out.body = { matches: whole(`(?:${any.map(escapeRegex).join("|")})`) };
    else out.body = { matches: whole(escapeRegex(value)) };
    return;
  }
  const path = suffix.startsWith(".") || suffix.startsWith("[") ? toJsonPath(suffix.replace(/^\./, "")) : undefined;
  if (path === undefined) return skip(condition, "the JSON path is not a plain one ($.a.b[0])");
  if (operator !== "==") return skip(condition, "the json expectation tests equality only; it has no < or >");
  if (pattern !== undefined || any !== undefined) return skip(condition, `the json expectation tests one exact value; it has no ${pattern !== undefined ? "pattern" : "\"one of\""}`);
  if (/^\[[A-Z_]+\]/.test(value)) return skip(condition, "the json expectation compares with a value, not with another placeholder");
  if (out.json) return skip(condition, "the http check holds one json expectation; add a second http check for this one");
  out.json = { path, equals: typedValue(value) };
}
