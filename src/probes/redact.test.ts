import { describe, expect, it } from "vitest";
import { redactResult, redactText, redactUrlPasswords } from "./redact.js";

describe("redactUrlPasswords", () => {
  it("masks the password of every URL and keeps the rest", () => {
    expect(redactUrlPasswords("GET https://monitor:s3cret@hs.example.org:8443/health?x=1 answered 401.")).toBe("GET https://monitor:***@hs.example.org:8443/health?x=1 answered 401.");
    expect(redactUrlPasswords("from http://a:b@x/ to http://c:d@y/")).toBe("from http://a:***@x/ to http://c:***@y/");
  });

  it("masks a password holding a raw @ whole, and an empty user's", () => {
    expect(redactUrlPasswords("http://u:p@ss@host/path")).toBe("http://u:***@host/path");
    expect(redactUrlPasswords("redis://:pw@cache:6379")).toBe("redis://:***@cache:6379");
  });

  it("leaves URLs without a password, ports and mail addresses alone", () => {
    for (const text of ["http://host:8080/a@b", "http://user@host/", "mail root@example.org", "ssh root@10.0.0.1:22 true"]) expect(redactUrlPasswords(text)).toBe(text);
  });
});

describe("redactText and redactResult", () => {
  it("masks secret values read by the probe, not short ones", () => {
    expect(redactText("stderr: token=abcd1234", ["abcd1234", "ok"])).toBe("stderr: token=***");
    expect(redactText("ok: ok", ["ok"])).toBe("ok: ok");
  });

  it("masks message, reason and details, deep", () => {
    const result = { ok: false, reason: "status", message: "GET http://u:pw@h/ answered 401 for tok-123456", latencyMs: 1, details: { url: "http://u:pw@h/", list: ["tok-123456"], status: 401 } };
    expect(redactResult(result, ["tok-123456"])).toEqual({
      ok: false,
      reason: "status",
      message: "GET http://u:***@h/ answered 401 for ***",
      latencyMs: 1,
      details: { url: "http://u:***@h/", list: ["***"], status: 401 },
    });
  });
});
