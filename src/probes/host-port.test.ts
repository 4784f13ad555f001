import { describe, expect, it } from "vitest";
import { formatHostPort, parseHostPort } from "./host-port.js";
import { lookupJsonPath, parseJsonPath } from "./json-path.js";

describe("parseHostPort", () => {
  it.each([
    ["db.lan:5432", undefined, { host: "db.lan", port: 5432 }],
    ["10.0.0.1", 53, { host: "10.0.0.1", port: 53 }],
    ["[fd00::1]:5353", undefined, { host: "fd00::1", port: 5353 }],
    ["fd00::1", 53, { host: "fd00::1", port: 53 }],
    ["[fd00::1]", 443, { host: "fd00::1", port: 443 }],
  ])("reads %s", (text, defaultPort, expected) => {
    expect(parseHostPort(text, defaultPort)).toEqual(expected);
  });

  it.each([["db.lan"], ["db.lan:0"], ["db.lan:70000"], ["db.lan:http"], ["-oProxyCommand=x:22"], ["a b:1"], [""]])("refuses %j without a default port", (text) => {
    expect(parseHostPort(text)).toBeUndefined();
  });

  it("brackets IPv6 addresses when formatting", () => {
    expect(formatHostPort({ host: "fd00::1", port: 53 })).toBe("[fd00::1]:53");
    expect(formatHostPort({ host: "db.lan", port: 5432 })).toBe("db.lan:5432");
  });
});

describe("JSON paths", () => {
  const body = { status: "ok", checks: [{ name: "db", state: "up" }], "a key": { nested: null } };

  it("looks up keys, indexes and quoted keys", () => {
    expect(lookupJsonPath(body, parseJsonPath("$.status")!)).toEqual({ found: true, value: "ok" });
    expect(lookupJsonPath(body, parseJsonPath("$.checks[0].state")!)).toEqual({ found: true, value: "up" });
    expect(lookupJsonPath(body, parseJsonPath(`$['a key']["nested"]`)!)).toEqual({ found: true, value: null });
    expect(lookupJsonPath(body, parseJsonPath("$")!)).toEqual({ found: true, value: body });
  });

  it("says not found for missing keys, indexes past the end and keys on arrays", () => {
    expect(lookupJsonPath(body, parseJsonPath("$.missing")!)).toEqual({ found: false });
    expect(lookupJsonPath(body, parseJsonPath("$.checks[1]")!)).toEqual({ found: false });
    expect(lookupJsonPath(body, parseJsonPath("$.checks.length")!)).toEqual({ found: false });
    expect(lookupJsonPath(body, parseJsonPath("$.status.constructor")!)).toEqual({ found: false });
  });

  it.each([["status"], ["$.checks[*]"], ["$..state"], ["$.a b"]])("refuses %j outside the supported subset", (path) => {
    expect(parseJsonPath(path)).toBeUndefined();
  });
});
