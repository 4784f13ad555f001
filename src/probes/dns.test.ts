import { describe, expect, it } from "vitest";
import { dns, normaliseAnswer } from "./dns.js";
import { zodMessages } from "../../test/integration/helpers/zod-messages.js";

describe("dns schema", () => {
  it("reads a server with the default port and type A expecting NOERROR", () => {
    expect(dns.schema.parse({ server: "10.0.0.1", name: "hs.example.org", answers: "100.64.0.2" })).toEqual({
      server: { host: "10.0.0.1", port: 53 },
      name: "hs.example.org",
      type: "A",
      answers: ["100.64.0.2"],
      rcode: "NOERROR",
    });
    expect(dns.describe(dns.schema.parse({ server: "[fd00::1]:5353", name: "x.lan", type: "AAAA" }))).toBe("dns AAAA x.lan @[fd00::1]:5353");
  });

  it("explains bad input", () => {
    expect(zodMessages(dns.schema, { server: "10.0.0.1", name: "x", answers: ["1.2.3.4"], rcode: "NXDOMAIN" })).toEqual(["answers: answers can only be expected with rcode NOERROR"]);
    expect(zodMessages(dns.schema, { server: "10.0.0.1:dns", name: "x" })[0]).toContain('"10.0.0.1:dns" is not a target');
    expect(zodMessages(dns.schema, { server: "10.0.0.1", name: "x", type: "ANY" })[0]).toMatch(/^type: /);
    expect(zodMessages(dns.schema, { name: "x" })).toEqual(["server: Invalid input: expected string, received undefined"]);
  });
});

describe("normaliseAnswer", () => {
  it("writes names without case or final dot and IPv6 in compressed form", () => {
    expect(normaliseAnswer("CNAME", "WWW.Example.org.")).toBe("www.example.org");
    expect(normaliseAnswer("MX", "10   Mail.Example.org.")).toBe("10 mail.example.org");
    expect(normaliseAnswer("AAAA", "FD00:0:0:0::1")).toBe("fd00::1");
    expect(normaliseAnswer("TXT", "v=spf1 -all")).toBe("v=spf1 -all");
  });
});
