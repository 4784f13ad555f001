import { describe, expect, it } from "vitest";
import { http } from "./http.js";
import { zodMessages } from "../../test/integration/helpers/zod-messages.js";

describe("http schema", () => {
  it("reads a URL string as a GET expecting 2xx with the defaults", () => {
    expect(http.schema.parse("https://hs.example.org/health")).toEqual({
      url: "https://hs.example.org/health",
      method: "GET",
      status: "2xx",
      headers: {},
      tls_verify: true,
      follow_redirects: true,
    });
  });

  it("reads the long form with durations in milliseconds", () => {
    const spec = http.schema.parse({
      url: "http://10.0.0.1:8080/",
      method: "HEAD",
      status: [200, 204],
      body: { contains: "ok" },
      json: { path: "$.status", equals: "ok" },
      headers: { Authorization: { secret: "env:TOKEN", prefix: "Bearer " }, Accept: "text/plain" },
      max_latency: "1.5s",
      tls_verify: false,
    });
    expect(spec).toMatchObject({ status: [200, 204], body: { contains: ["ok"] }, max_latency: 1500, headers: { Authorization: { secret: "env:TOKEN", prefix: "Bearer " } } });
    expect(http.describe(spec)).toBe("HEAD http://10.0.0.1:8080/");
  });

  it("explains bad input", () => {
    expect(zodMessages(http.schema, "ftp://files.lan/")).toContain('expected an http:// or https:// URL such as "https://hs.example.org/health"');
    expect(zodMessages(http.schema, { url: "http://x/", status: "200-299" })).toContain('status: expected a status class such as "2xx"');
    expect(zodMessages(http.schema, { url: "http://x/", body: { matches: "(" } })[0]).toMatch(/^body\.matches: "\(" is not a valid regular expression/);
    expect(zodMessages(http.schema, { url: "http://x/", json: { path: "status", equals: 1 } })).toContain('json.path: expected a JSON path such as "$.status" or "$.items[0].name"');
    expect(zodMessages(http.schema, { url: "http://x/", max_latency: 500 })).toContain('max_latency: expected a duration such as "500ms", "30s", "5m", "1h" or "1h30m" (units: ms, s, m, h, d, w)');
    expect(zodMessages(http.schema, { url: "http://x/", timeout: "5s" })).toContain('Unrecognized key: "timeout"');
  });

  it("refuses a secret written in a header's secret field", () => {
    expect(zodMessages(http.schema, { url: "http://x/", headers: { Authorization: { secret: "Bearer abc" } } }).join("\n")).toContain("secrets are never written in the config itself");
  });
});
