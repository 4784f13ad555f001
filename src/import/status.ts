// Accepted HTTP statuses from other monitors, in the http check's terms: a code, a list, or a class.
// Pure; undefined when the source's set cannot be written exactly (the caller reports it).
import { formatDuration } from "../config/duration.js";

type Status = number | number[] | string;

/** Uptime Kuma's accepted_statuscodes: ["200-299"], ["200", "301"], ["200-299", "300-399"]. */
export function statusFromRanges(ranges: readonly string[]): Status | undefined {
  if (ranges.length === 0) return undefined;
  const codes: number[] = [];
  for (const range of ranges) {
    const whole = /^([1-5])00-\1(99)$/.exec(range);
    if (whole) {
      if (ranges.length === 1) return `${whole[1]}xx`;
      return undefined;
    }
    const single = /^\d{3}$/.exec(range);
    const span = /^(\d{3})-(\d{3})$/.exec(range);
    if (single) codes.push(Number(range));
    else if (span && Number(span[2]) - Number(span[1]) <= 20) {
      for (let code = Number(span[1]); code <= Number(span[2]); code++) codes.push(code);
    } else return undefined;
  }
  return codes.length === 1 ? codes[0] : codes;
}

/** Seconds (as both tools count them) → a duration the config accepts. */
export function secondsToDuration(seconds: number): string {
  return Number.isInteger(seconds) ? formatDuration(seconds * 1000) : `${Math.round(seconds * 1000)}ms`;
}

/** A compared value as text ("true", "42", "UP") → the JSON value it most likely stands for. */
export function typedValue(text: string): string | number | boolean | null {
  if (text === "true") return true;
  if (text === "false") return false;
  if (text === "null") return null;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  return text;
}

/** "status", "data.items[0].state", "$.status" → "$.status"…; undefined for query expressions. */
export function toJsonPath(path: string): string | undefined {
  const trimmed = path.trim();
  if (/^\$(\.[A-Za-z_$][\w$-]*|\[\d+\])*$/.test(trimmed)) return trimmed;
  if (/^[A-Za-z_$][\w$-]*(\.[A-Za-z_$][\w$-]*|\[\d+\])*$/.test(trimmed)) return `$.${trimmed}`;
  return undefined;
}
