// SVG badges for READMEs, in the flat style shields.io made familiar: a grey label and a coloured
// value. Text width is estimated from Verdana 11px character widths (no font at hand on the server),
// generously enough that the value never overflows its box. Every text is escaped.
export const BADGE_KINDS = ["status", "uptime", "response-time"] as const;
export type BadgeKind = (typeof BADGE_KINDS)[number];

export const COLORS = { green: "#2da44e", yellow: "#d4a72c", orange: "#fb8c00", red: "#cf222e", grey: "#6e7781", blue: "#0969da" } as const;

const escape = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** Approximate advance of Verdana 11px, by character class. */
function textWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    if ("il.,:;|!'".includes(char)) width += 3.5;
    else if ("mwMW@%".includes(char)) width += 10.5;
    else if (/[A-Z0-9]/.test(char)) width += 7.5;
    else if (char === " ") width += 3.9;
    else width += 6.6;
  }
  return Math.ceil(width);
}

export function badgeSvg(label: string, value: string, color: string): string {
  const left = textWidth(label) + 12;
  const right = textWidth(value) + 12;
  const total = left + right;
  const title = `${label}: ${value}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${total}" height="20" role="img" aria-label="${escape(title)}"><title>${escape(title)}</title>
<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>
<clipPath id="r"><rect width="${total}" height="20" rx="3" fill="#fff"/></clipPath>
<g clip-path="url(#r)"><rect width="${left}" height="20" fill="#555"/><rect x="${left}" width="${right}" height="20" fill="${escape(color)}"/><rect width="${total}" height="20" fill="url(#s)"/></g>
<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">
<text x="${left / 2}" y="15" fill="#010101" fill-opacity=".3">${escape(label)}</text><text x="${left / 2}" y="14">${escape(label)}</text>
<text x="${left + right / 2}" y="15" fill="#010101" fill-opacity=".3">${escape(value)}</text><text x="${left + right / 2}" y="14">${escape(value)}</text></g></svg>
`;
}

export function statusBadge(service: string, state: string): string {
  const color = state === "up" ? COLORS.green : state === "degraded" ? COLORS.yellow : state === "down" ? COLORS.red : state === "maintenance" ? COLORS.blue : COLORS.grey;
  const value = state === "up" ? "up" : state === "degraded" ? "degraded" : state === "down" ? "down" : state === "maintenance" ? "maintenance" : "unknown";
  return badgeSvg(service, value, color);
}

export function uptimeBadge(service: string, ratio: number | undefined, window: string): string {
  if (ratio === undefined) return badgeSvg(`${service} uptime ${window}`, "no data", COLORS.grey);
  const color = ratio >= 0.999 ? COLORS.green : ratio >= 0.99 ? COLORS.yellow : ratio >= 0.95 ? COLORS.orange : COLORS.red;
  const shown = Math.floor(ratio * 10_000) / 100;
  return badgeSvg(`${service} uptime ${window}`, `${shown.toFixed(shown === 100 ? 0 : 2)}%`, color);
}

export function responseTimeBadge(service: string, ms: number | undefined): string {
  if (ms === undefined) return badgeSvg(`${service} response`, "no data", COLORS.grey);
  const color = ms < 300 ? COLORS.green : ms < 1000 ? COLORS.yellow : COLORS.red;
  return badgeSvg(`${service} response`, ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`, color);
}
