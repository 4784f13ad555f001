// Values of a record in one spelling, so that "what we wrote" and "what the server answers" compare
// equal however each side writes them: IPv6 compressed and lower case, names lower case without the
// trailing dot. Also checks that a value fits its type before anything is sent.
import { isIPv4, isIPv6 } from "node:net";
import type { RecordType } from "./provider.js";

/** A fully qualified name, lower case, without the trailing dot. */
export function normaliseName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, "");
}

function expandV6(address: string): string[] {
  // An embedded IPv4 tail ("::ffff:10.0.0.1") becomes two hex groups first.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  let text = address;
  if (v4) {
    const [a, b, c, d] = v4[1]!.split(".").map(Number) as [number, number, number, number];
    text = address.slice(0, -v4[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const fill = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill("0");
  return [...left, ...fill, ...right].map((group) => group.replace(/^0+(?=.)/, "").toLowerCase());
}

/** RFC 5952 text form: lower case, leading zeros dropped, the longest run of zero groups as "::". */
function canonicalV6(address: string): string {
  const groups = expandV6(address);
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < groups.length; ) {
    let end = start;
    while (end < groups.length && groups[end] === "0") end += 1;
    if (end - start > bestLength) [bestStart, bestLength] = [start, end - start];
    start = end === start ? start + 1 : end;
  }
  if (bestStart === -1) return groups.join(":");
  return `${groups.slice(0, bestStart).join(":")}::${groups.slice(bestStart + bestLength).join(":")}`;
}

/** The value in its canonical spelling. */
export function normaliseValue(type: RecordType, value: string): string {
  switch (type) {
    case "A":
      return value.trim();
    case "AAAA":
      return canonicalV6(value.trim());
    case "CNAME":
      return normaliseName(value);
    case "TXT":
      return value;
  }
}

/** Why the value does not fit the type, or undefined when it does. */
export function invalidValue(type: RecordType, value: string): string | undefined {
  switch (type) {
    case "A":
      return isIPv4(value.trim()) ? undefined : `"${value}" is not an IPv4 address (an A record holds one)`;
    case "AAAA":
      return isIPv6(value.trim()) ? undefined : `"${value}" is not an IPv6 address (an AAAA record holds one)`;
    case "CNAME":
      return /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?$/.test(value.trim()) ? undefined : `"${value}" is not a host name (a CNAME points at one)`;
    case "TXT":
      return value.length <= 255 ? undefined : "a TXT value longer than 255 characters is not supported";
  }
}

/** Normalised, de-duplicated and sorted: the form in which two record sets are compared. */
export function valueSet(type: RecordType, values: readonly string[]): string[] {
  return [...new Set(values.map((value) => normaliseValue(type, value)))].sort();
}

export function sameValues(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

/** Whether a normalised name is the zone's apex or inside it. */
export function inZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}
