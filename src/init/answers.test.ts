// The flags of `understudy init`, as users type them, and the messages for the ones that do not parse.
import { describe, expect, it } from "vitest";
import { AnswerError, checkAnswers, parseHostFlag, parseServiceFlag } from "./answers.js";

describe("init flags", () => {
  it("reads hosts and services with several hosts, a role and a criticality", () => {
    expect(parseHostFlag("H001=100.64.0.13")).toEqual({ name: "H001", address: "100.64.0.13" });
    expect(parseHostFlag("v6=fd00::1")).toEqual({ name: "v6", address: "fd00::1" });
    expect(parseServiceFlag("web@A")).toEqual({ name: "web", hosts: ["A"] });
    expect(parseServiceFlag("adguard@H003,H002:dns")).toEqual({ name: "adguard", hosts: ["H003", "H002"], role: "dns" });
    expect(parseServiceFlag("headscale@L001:control-plane:critical")).toEqual({ name: "headscale", hosts: ["L001"], role: "control-plane", criticality: "critical" });
  });

  it("explains what it expected", () => {
    expect(() => parseHostFlag("H001")).toThrow(/expected NAME=ADDRESS/);
    expect(() => parseHostFlag("-x=1")).toThrow(/not a host name/);
    expect(() => parseServiceFlag("web")).toThrow(/expected NAME@HOST/);
    expect(() => parseServiceFlag("web@A:app:urgent")).toThrow(/criticality must be one of critical, high, normal, low/);
    expect(() => checkAnswers({ hosts: [], services: [] })).toThrow(AnswerError);
    expect(() => checkAnswers({ hosts: [{ name: "A", address: "1" }, { name: "A", address: "2" }], services: [] })).toThrow(/host A is given twice/);
  });
});
