// Each class of bad input gets a message a person can act on: place, key path, expectation, suggestion.
import { describe, expect, it } from "vitest";
import { parseConfig, loadConfig } from "./load.js";
import { formatDiagnostic } from "./diagnostics.js";

function errors(yaml: string): string[] {
  const result = parseConfig(yaml, "understudy.yaml");
  if (result.ok) throw new Error("expected the config to be rejected");
  return result.diagnostics.filter((d) => d.severity === "error").map(formatDiagnostic);
}

const base = `version: 1
hosts:
  O001: { address: 100.64.0.1 }
  H001: { address: 100.64.0.13 }
services:
`;

describe("loading a config", () => {
  it("accepts the seed's homelab", () => {
    const result = loadConfig("examples/homelab.yaml");
    expect(result.ok ? [] : result.diagnostics.map(formatDiagnostic)).toEqual([]);
    if (!result.ok) return;
    expect(Object.keys(result.config.hosts)).toEqual(["O001", "L001", "H001", "H002", "H003"]);
    expect(result.config.services.mesh?.depends_on[0]).toEqual({ service: "headscale", mode: "degrades", after: 3_600_000 });
    expect(Object.isFrozen(result.config.services)).toBe(true);
  });

  it("reports YAML syntax errors with line and column", () => {
    const [message] = errors("version: 1\nhosts:\n  O001: { address: 1.2.3.4\n");
    expect(message).toMatch(/^understudy\.yaml:\d+:\d+: error: .*\(YAML syntax\)$/);
  });

  it("refuses a key that is a mapping or a list, where it is, without the yaml library's own warning", () => {
    const warned: string[] = [];
    const warn = process.emitWarning;
    process.emitWarning = ((warning: string | Error) => void warned.push(String(warning))) as typeof process.emitWarning;
    try {
      const found = errors(`${base}  ? { web: 1 }\n  : { host: H001, checks: [] }\n  ? [a, b]\n  : 1\n`);
      expect(found).toEqual([
        expect.stringMatching(/^understudy\.yaml:6:5: error: a key here is a mapping .*keys must be plain names/),
        expect.stringMatching(/^understudy\.yaml:8:5: error: a key here is a list /),
      ]);
    } finally {
      process.emitWarning = warn;
    }
    expect(warned).toEqual([]);
  });

  it("reports a duplicate key as a syntax error", () => {
    expect(errors(`${base}  a: { runs_on: [O001] }\n  a: { runs_on: [H001] }\n`).join("\n")).toMatch(/understudy\.yaml:7:3: .*unique/i);
  });

  it("names a misspelt key, where it is, and what was meant", () => {
    expect(errors(`${base}  forgejo: { run_on: [H001] }\n`)).toEqual([
      expect.stringMatching(/^understudy\.yaml:6:14: error: services\.forgejo\.run_on: unknown key "run_on"; did you mean "runs_on"\?/),
    ]);
  });

  it("names an unknown host with a suggestion and the hosts there are", () => {
    expect(errors(`${base}  forgejo: { runs_on: [H01] }\n`)).toEqual([
      'understudy.yaml:6:24: error: services.forgejo.runs_on[0]: unknown host "H01"; did you mean "H001"?; hosts are: O001, H001',
    ]);
  });

  it("names an unknown service in depends_on and exposed_via", () => {
    const found = errors(`${base}  nginx: { runs_on: [O001] }\n  forgejo: { runs_on: [H001], depends_on: [ngnix], exposed_via: proxy }\n`);
    expect(found).toEqual([
      expect.stringContaining('services.forgejo.depends_on[0]: unknown service "ngnix"; did you mean "nginx"?'),
      expect.stringContaining('services.forgejo.exposed_via[0]: unknown service "proxy"'),
    ]);
  });

  it("reports every error at once, not just the first", () => {
    const found = errors(`version: 2
hosts:
  O001: { adress: 100.64.0.1 }
services:
  a: { runs_on: [X], criticality: urgent }
  b: { depends_on: [{ service: a, mode: degrade, after: soon }] }
`);
    expect(found).toHaveLength(6);
    expect(found.join("\n")).toContain('version: expected 1, got number 2');
    expect(found.join("\n")).toContain("hosts.O001.address: missing required key; expected a string");
    expect(found.join("\n")).toContain('hosts.O001.adress: unknown key "adress"; did you mean "address"?');
    expect(found.join("\n")).toContain('services.a.criticality: expected one of "critical", "high", "normal", "low", got the string "urgent"');
    expect(found.join("\n")).toContain('services.b.depends_on[0].mode: expected one of "requires", "degrades", got the string "degrade"; did you mean "degrades"?');
    expect(found.join("\n")).toContain('services.b.depends_on[0].after: "soon" is not a duration; expected a duration such as "500ms", "30s"');
  });

  it("names a dependency cycle", () => {
    const found = errors(`${base}  a: { runs_on: [O001], depends_on: [b] }\n  b: { runs_on: [O001], depends_on: [c] }\n  c: { runs_on: [O001], exposed_via: a }\n`);
    expect(found).toEqual([expect.stringMatching(/dependency cycle: (a → b → c → a|b → c → a → b|c → a → b → c)/)]);
  });

  it("rejects impossible redundancy shapes", () => {
    const found = errors(`${base}  a: { runs_on: [O001], primary: H001 }\n  b: { standby: [H001] }\n  c: { primary: H001, standby: [H001] }\n`).join("\n");
    expect(found).toContain("services.a.runs_on: use either runs_on (replicas, any one serves) or primary + standby");
    expect(found).toContain("services.b.standby: standby needs a primary");
    expect(found).toContain('services.c.standby[0]: the primary "H001" cannot also be its own standby');
  });

  it("explains a wrong type and a missing key", () => {
    const found = errors(`version: 1\nhosts:\n  O001: { address: [1, 2] }\n  H001: {}\n`).join("\n");
    expect(found).toContain("hosts.O001.address: expected a string, got a list");
    expect(found).toContain("hosts.H001.address: missing required key; expected a string");
    expect(found).toContain("services: missing required key; expected a mapping (key: value)");
  });

  it("says what a data item may be when none of its shapes fits", () => {
    expect(errors(`${base}  a: { runs_on: [O001], data: [{ sqlit: /var/db.sqlite }] }\n`)).toEqual([
      expect.stringContaining('services.a.data[0]: expected a mapping with one of the keys sqlite, path, command, got keys sqlit; did you mean "sqlite"?'),
    ]);
  });

  it("refuses a literal secret and a bare-number duration", () => {
    const found = errors(`${base}  a: { runs_on: [O001], recovery: { strategy: rebuild, rto: 30 } }\n`).join("\n");
    expect(found).toContain('services.a.recovery.rto: expected a duration such as "500ms"');
  });

  it("explains an empty file and an unreadable one", () => {
    expect(errors("")).toEqual([expect.stringContaining("the file is empty; expected a mapping with version: 1, hosts and services")]);
    const missing = loadConfig("/nonexistent/understudy.yaml");
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(formatDiagnostic(missing.diagnostics[0]!)).toBe("/nonexistent/understudy.yaml: error: cannot read the config (no such file); pass --config FILE or create understudy.yaml (examples/homelab.yaml is a start)");
  });

  it("reads JSON as well as YAML", () => {
    const result = parseConfig(JSON.stringify({ version: 1, hosts: { a: { address: "10.0.0.1" } }, services: { s: { runs_on: ["a"] } } }), "understudy.json");
    expect(result.ok).toBe(true);
  });

  it("warns about an unknown role with a suggestion but accepts the file", () => {
    const result = parseConfig(`${base}  a: { runs_on: [O001], role: reverse-prxy }\n`, "understudy.yaml");
    expect(result.ok).toBe(true);
    expect(result.ok && result.warnings.map(formatDiagnostic)).toEqual([expect.stringContaining('services.a.role: unknown role "reverse-prxy"; did you mean "reverse-proxy"?')]);
  });
});

describe("maintenance windows", () => {
  it("explains a window of the wrong shape, zone or names", () => {
    const found = errors(`${base}  a: { runs_on: [O001] }
maintenance:
  - { name: patch, hosts: [O01], cron: "0 2 * *", timezone: Europe/Berln }
  - { name: move, start: "tomorrow" }
`).join("\n");
    expect(found).toContain('maintenance[0].hosts[0]: unknown host "O01"; did you mean "O001"?');
    expect(found).toContain('maintenance[0].timezone: unknown time zone "Europe/Berln"');
    expect(found).toContain('maintenance[0].cron: "0 2 * *" is not a cron expression; expected five fields');
    expect(found).toContain("maintenance[0].cron: a recurring window needs a duration");
    expect(found).toContain('maintenance[1].start: "tomorrow" is not a local date and time');
  });
});

describe("every error at once, each said once", () => {
  it("reports a rule problem next to a schema problem, but not twice for one place", () => {
    const found = errors(`${base}  a: { runs_on: [O001], criticality: urgent }\n  b: { runs_on: [H01] }\n`);
    expect(found).toEqual([
      expect.stringContaining('services.a.criticality: expected one of "critical"'),
      expect.stringContaining('services.b.runs_on[0]: unknown host "H01"'),
    ]);
  });
});
