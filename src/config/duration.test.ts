import { describe, expect, it } from "vitest";
import { durationSchema, formatDuration, parseDuration } from "./duration.js";

describe("durations", () => {
  it("parses what users write", () => {
    expect(parseDuration("30s")).toBe(30_000);
    expect(parseDuration("5m")).toBe(300_000);
    expect(parseDuration("1h")).toBe(3_600_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("1.5s")).toBe(1_500);
  });

  it("refuses what is not a duration", () => {
    for (const bad of ["", "5", "5 minutes", "m5", "-1s", "1y", "s"]) expect(parseDuration(bad), bad).toBeUndefined();
  });

  it("explains a bad duration in the schema error", () => {
    const result = durationSchema.safeParse("5 minutes");
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain('"5 minutes" is not a duration; expected a duration such as "500ms"');
    expect(durationSchema.safeParse(300).error?.issues[0]?.message).toContain("expected a duration");
  });

  it("formats back", () => {
    expect(formatDuration(5_400_000)).toBe("1h30m");
    expect(formatDuration(1_800_000)).toBe("30m");
    expect(formatDuration(999)).toBe("999ms");
  });
});
