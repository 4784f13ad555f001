// Which resolution a response-time chart is drawn at: raw results for hours, minutes for a day, hours beyond.
import { describe, expect, it } from "vitest";
import { resolutionFor } from "./latency-series.js";

const HOUR = 3_600_000;

describe("resolutionFor", () => {
  it("draws the last hours from raw results", () => {
    expect(resolutionFor(HOUR)).toBe("raw");
    expect(resolutionFor(6 * HOUR)).toBe("raw");
  });
  it("draws a day a minute a point", () => {
    expect(resolutionFor(6 * HOUR + 1)).toBe("minute");
    expect(resolutionFor(24 * HOUR)).toBe("minute");
    expect(resolutionFor(48 * HOUR)).toBe("minute");
  });
  it("draws a week and a month an hour a point", () => {
    expect(resolutionFor(48 * HOUR + 1)).toBe("hour");
    expect(resolutionFor(7 * 24 * HOUR)).toBe("hour");
    expect(resolutionFor(30 * 24 * HOUR)).toBe("hour");
  });
});
