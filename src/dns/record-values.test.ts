// Values compare equal however each side spells them, and a value that does not fit its type is
// caught before anything is sent.
import { describe, expect, test } from "vitest";
import { inZone, invalidValue, normaliseName, valueSet } from "./record-values.js";

describe("record values", () => {
  test("IPv6 addresses are compared in RFC 5952 form", () => {
    expect(valueSet("AAAA", ["FD00:0000:0:0::0001", "fd00::1", "2001:db8:0:0:1:0:0:1"])).toEqual(["2001:db8::1:0:0:1", "fd00::1"]);
    expect(valueSet("AAAA", ["::ffff:10.0.0.1"])).toEqual(["::ffff:a00:1"]);
    expect(valueSet("AAAA", ["1:0:0:2:0:0:0:3"])).toEqual(["1:0:0:2::3"]);
  });

  test("names lose case and the trailing dot; sets are sorted and de-duplicated", () => {
    expect(normaliseName("HS.Example.ORG.")).toBe("hs.example.org");
    expect(valueSet("CNAME", ["Standby.Example.org."])).toEqual(["standby.example.org"]);
    expect(valueSet("A", ["10.0.0.2", "10.0.0.1", "10.0.0.2"])).toEqual(["10.0.0.1", "10.0.0.2"]);
  });

  test("a value that does not fit its type is explained", () => {
    expect(invalidValue("A", "fd00::1")).toMatch(/not an IPv4 address/);
    expect(invalidValue("AAAA", "10.0.0.1")).toMatch(/not an IPv6 address/);
    expect(invalidValue("CNAME", "not a name")).toMatch(/not a host name/);
    expect(invalidValue("A", "10.0.0.1")).toBeUndefined();
  });

  test("a zone holds its apex and the names under it, not names that merely end alike", () => {
    expect(inZone("example.org", "example.org")).toBe(true);
    expect(inZone("hs.example.org", "example.org")).toBe(true);
    expect(inZone("badexample.org", "example.org")).toBe(false);
  });
});
