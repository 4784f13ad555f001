// Conditions shared by several kinds: what a body or an output must contain or match, and a latency
// ceiling. Each check returns the sentence fragment describing the mismatch, or undefined when it holds.
import { z } from "zod";
import { durationSchema, formatDuration } from "../config/duration.js";

const regexSchema = z
  .string()
  .describe("A JavaScript regular expression (without slashes) the text must match somewhere; ^ and $ match at the start and end of each line.")
  .superRefine((source, ctx) => {
    try {
      new RegExp(source);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: `"${source}" is not a valid regular expression: ${(error as Error).message}` });
    }
  });

/** Expectations on a text (a response body, a command's stdout). */
export const textExpectSchema = z
  .strictObject({
    contains: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .describe("A substring (or a list of substrings) that must all appear in the text.")
      .transform((value) => (value === undefined ? [] : Array.isArray(value) ? value : [value])),
    matches: regexSchema.optional(),
  })
  .describe("What the text must contain or match.");

export type TextExpect = z.output<typeof textExpectSchema>;

/** A latency ceiling: slower than this counts as a failure with reason "slow". */
export const maxLatencySchema = durationSchema.optional().describe('Fail with reason "slow" when the probe takes longer than this.');

/** Shortens a text for a message: one line, at most `max` characters. */
export function excerpt(text: string, max = 80): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length <= max ? JSON.stringify(line) : `${JSON.stringify(line.slice(0, max))}…`;
}

/** Describes how `text` misses `expect` ("stdout does not contain \"ok\""), or undefined when it satisfies it. */
export function textMismatch(label: string, text: string, expect: TextExpect | undefined): string | undefined {
  if (expect === undefined) return undefined;
  const missing = expect.contains.filter((part) => !text.includes(part));
  if (missing.length > 0) {
    return `${label} ${excerpt(text)} does not contain ${missing.map((part) => JSON.stringify(part)).join(", ")}`;
  }
  // Multiline: outputs end with a newline and hold several lines; ^ and $ should mean a line, as in grep.
  if (expect.matches !== undefined && !new RegExp(expect.matches, "m").test(text)) {
    return `${label} ${excerpt(text)} does not match /${expect.matches}/`;
  }
  return undefined;
}

/** Describes a latency over its ceiling, or undefined. */
export function latencyMismatch(latencyMs: number, maxMs: number | undefined): string | undefined {
  if (maxMs === undefined || latencyMs <= maxMs) return undefined;
  return `it took ${formatDuration(latencyMs)}, more than the allowed ${formatDuration(maxMs)}`;
}
