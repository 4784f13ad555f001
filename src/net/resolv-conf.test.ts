import { describe, expect, it } from "vitest";
import { candidateNames, parseResolvConf } from "./resolv-conf.js";

describe("parseResolvConf", () => {
  it("reads the search list and ndots; the last of search and domain wins", () => {
    expect(parseResolvConf("nameserver 10.0.0.1\nsearch lan. home.arpa # comment\noptions ndots:2 timeout:1\n")).toEqual({ search: ["lan", "home.arpa"], ndots: 2 });
    expect(parseResolvConf("search a.example\ndomain b.example\n")).toEqual({ search: ["b.example"], ndots: 1 });
    expect(parseResolvConf(undefined)).toEqual({ search: [], ndots: 1 });
  });
});

describe("candidateNames", () => {
  const rules = { search: ["lan", "home.arpa"], ndots: 1 };
  it("tries a short name in each search domain first, then as written", () => {
    expect(candidateNames("nas", rules)).toEqual(["nas.lan", "nas.home.arpa", "nas"]);
  });
  it("tries a name with enough dots as written first", () => {
    expect(candidateNames("hs.example.org", rules)).toEqual(["hs.example.org", "hs.example.org.lan", "hs.example.org.home.arpa"]);
  });
  it("takes a name ending in a dot as absolute", () => {
    expect(candidateNames("nas.", rules)).toEqual(["nas"]);
  });
});
