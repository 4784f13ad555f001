// Gatus conditions read one by one, with the examples of Gatus' README: what maps, what is approximated
// (and how), and what is dropped (and why). A pattern is never read as a literal value.
import { describe, expect, it } from "vitest";
import { patternRegex, readConditions } from "./gatus-conditions.js";
import { statusFromRanges } from "./status.js";

describe("Gatus conditions", () => {
  it("maps status, latency, body, JSON and certificate conditions of an http endpoint", () => {
    const read = readConditions(["[STATUS] == 200", "[RESPONSE_TIME] < 300", "[BODY].data.state == UP", "[CERTIFICATE_EXPIRATION] > 720h"], "http");
    expect(read).toMatchObject({ status: 200, maxLatencyMs: 300, json: { path: "$.data.state", equals: "UP" }, certificateDays: 30, unmapped: [], approximated: [] });
    expect(read.mapped).toHaveLength(4);
  });

  it("reads < and > on [STATUS] as the codes they accept, and any() as a list", () => {
    expect(readConditions(["[STATUS] < 300"], "http").status).toBe("2xx");
    expect(readConditions(["[STATUS] <= 299"], "http").status).toBe("2xx");
    expect(readConditions(["[STATUS] >= 500"], "http").status).toBe("5xx");
    expect(readConditions(["[STATUS] == any(200, 429)"], "http").status).toEqual([200, 429]);
    expect(readConditions(["[STATUS] > 400"], "http").unmapped[0]?.reason).toMatch(/this range is wider/);
  });

  it("reads pat() on a body as Gatus matches it: the whole text, * for any run of characters", () => {
    const { body } = readConditions(["[BODY] == pat(v1.*-ok)"], "http");
    const regex = new RegExp(body!.matches!, "m");
    expect(regex.test("v1.2.3-ok")).toBe(true);
    expect(regex.test("v1x2-ok")).toBe(false);
    expect(regex.test("prefix\nv1.2-ok")).toBe(false);
    expect(readConditions(["[BODY] == pat(*Forgejo*)"], "http").body).toEqual({ contains: "Forgejo" });
    expect(new RegExp(readConditions(["[BODY] == 1"], "http").body!.matches!, "m").test("1\n2")).toBe(false);
    expect(new RegExp(patternRegex("a*"), "m").test("abc")).toBe(true);
    // filepath.Match as Gatus uses it: ? one character, [..] a class, "/" ignored on both sides.
    const match = (pattern: string, text: string) => new RegExp(patternRegex(pattern), "m").test(text);
    expect([match("v?.1", "v2.1"), match("v?.1", "v22.1"), match("[a-c]x", "bx"), match("[^a-c]x", "bx"), match("192.168.*", "192.168.1.7")]).toEqual([true, false, true, false, true]);
    expect([match("ab", "a/b"), match("a/b", "ab"), match("a\\*", "a*"), match("a\\*", "ab")]).toEqual([true, true, true, false]);
  });

  it("does not take Gatus' own DNS example [BODY] == pat(*.*.*.*) for a literal answer", () => {
    const read = readConditions(["[BODY] == pat(*.*.*.*)", "[DNS_RCODE] == NOERROR"], "dns");
    expect(read.answers).toBeUndefined();
    expect(read.rcode).toBe("NOERROR");
    expect(read.approximated).toEqual([{ condition: "[BODY] == pat(*.*.*.*)", how: "any answer of the query's type: the dns check's NOERROR demands at least one record" }]);
    expect(readConditions(["[BODY] == 93.184.215.14"], "dns").answers).toEqual(["93.184.215.14"]);
  });

  it("drops what it cannot express, each with a complete reason", () => {
    const { unmapped } = readConditions(["[STATUS] != 500", "[BODY].version == pat(v0.107*)", "[DOMAIN_EXPIRATION] > 720h", "len([BODY].items) == 3", "has([BODY].errors) == false", "[IP] == 127.0.0.1", "[BODY].id == any(1, 2)"], "http");
    expect(unmapped.map((u) => u.condition)).toEqual(["[STATUS] != 500", "[BODY].version == pat(v0.107*)", "[DOMAIN_EXPIRATION] > 720h", "len([BODY].items) == 3", "has([BODY].errors) == false", "[IP] == 127.0.0.1", "[BODY].id == any(1, 2)"]);
    expect(unmapped.find((u) => u.condition.startsWith("[DOMAIN"))?.reason).toBe("Understudy has no domain-expiration check (it would need RDAP or WHOIS); your registrar's renewal emails are the fallback");
    for (const { reason } of unmapped) expect(reason).toMatch(/[a-z)"]$/);
  });

  it("rounds a certificate bound that is not whole days up, and says so", () => {
    const read = readConditions(["[CERTIFICATE_EXPIRATION] > 36h"], "tls");
    expect(read.certificateDays).toBe(2);
    expect(read.approximated[0]?.how).toMatch(/fails 2 days before expiry/);
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
