// Durations as users write them ("500ms", "30s", "5m", "1h30m", "2d") and as the code uses them (ms).
import { z } from "zod";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;

export const DURATION_HINT = 'a duration such as "500ms", "30s", "5m", "1h" or "1h30m" (units: ms, s, m, h, d, w)';

/** Parses a duration to milliseconds; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const compact = text.trim().replace(/\s+/g, "");
  if (!WHOLE.test(compact)) return undefined;
  let total = 0;
  for (const [, amount, unit] of compact.matchAll(PART)) total += Number(amount) * (UNIT_MS[unit!] ?? 0);
  return Math.round(total);
}

/** Formats milliseconds the way users write them: 90000 → "1m30s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let rest = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [["d", 86_400], ["h", 3_600], ["m", 60], ["s", 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join("");
}

/** A duration in the config: a string like "5m" (a bare number is refused: its unit would be a guess). Output: milliseconds. */
export const durationSchema = z
  .string({ error: `expected ${DURATION_HINT}` })
  .describe(`A duration: ${DURATION_HINT}.`)
  .transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: "custom", message: `"${text}" is not a duration; expected ${DURATION_HINT}` });
      return z.NEVER;
    }
    return ms;
  });
