// Gatus conditions read one by one: what maps, and what is handed back with the reason.
import { describe, expect, it } from "vitest";
import { readConditions } from "./gatus-conditions.js";
import { statusFromRanges } from "./status.js";

describe("Gatus conditions", () => {
  it("maps status, latency, body, JSON and certificate conditions of an http endpoint", () => {
    expect(readConditions(["[STATUS] == 200", "[RESPONSE_TIME] < 300", "[BODY].data.state == UP", "[CERTIFICATE_EXPIRATION] > 720h"], "http"))
      .toEqual({ status: 200, maxLatencyMs: 300, json: { path: "$.data.state", equals: "UP" }, certificateDays: 30, unmapped: [] });
    expect(readConditions(["[BODY] == pong"], "http").body).toEqual({ matches: "^pong$" });
  });

  it("hands back what it cannot express, never drops it", () => {
    const { unmapped } = readConditions(["[STATUS] != 500", "[BODY] == pat(ok*)", "[DOMAIN_EXPIRATION] > 720h", "len([BODY].items) == 3"], "http");
    expect(unmapped.map((u) => u.condition)).toEqual(["[STATUS] != 500", "[BODY] == pat(ok*)", "[DOMAIN_EXPIRATION] > 720h", "len([BODY].items) == 3"]);
  });
});

describe("Uptime Kuma accepted status codes", () => {
  it("become a class, a code or a list, or undefined when they cannot be written exactly", () => {
    expect(statusFromRanges(["200-299"])).toBe("2xx");
    expect(statusFromRanges(["503"])).toBe(503);
    expect(statusFromRanges(["200", "204-206"])).toEqual([200, 204, 205, 206]);
    expect(statusFromRanges(["200-299", "300-399"])).toBeUndefined();
  });
});
