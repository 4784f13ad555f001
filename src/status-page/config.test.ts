// `status_pages:` in the config: a good one loads with its defaults; each mistake is named with its place
// and what to do (an unknown service with a suggestion, a repeated slug or address, a bad path or logo).
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../config/diagnostics.js";
import { parseConfig } from "../config/load.js";

const base = `version: 1
hosts:
  O001: { address: 100.64.0.1 }
services:
  headscale: { runs_on: [O001] }
  nginx: { runs_on: [O001] }
status_pages:
`;

function errors(yaml: string): string[] {
  const result = parseConfig(base + yaml, "understudy.yaml");
  if (result.ok) throw new Error("expected the config to be rejected");
  return result.diagnostics.filter((d) => d.severity === "error").map(formatDiagnostic);
}

describe("status_pages in the config", () => {
  it("loads pages with their defaults", () => {
    const result = parseConfig(`${base}  - { slug: lab, services: [nginx, headscale], title: Lab, footer: "Run by Ada" }\n  - { slug: main, path: /status, services: [nginx] }\n`, "understudy.yaml");
    expect(result.ok ? result.config.status_pages : result.diagnostics.map(formatDiagnostic)).toEqual([
      { slug: "lab", title: "Lab", footer: "Run by Ada", services: ["nginx", "headscale"], show_response_time: false },
      { slug: "main", path: "/status", title: "Status", services: ["nginx"], show_response_time: false },
    ]);
  });

  it("names an unknown service with its place and a suggestion", () => {
    expect(errors("  - { slug: lab, services: [nginx, headscle] }\n")).toEqual([
      expect.stringMatching(/^understudy\.yaml:8:\d+: error: status_pages\[0\]\.services\[1\]: unknown service "headscle"; did you mean "headscale"\?; services are: headscale, nginx$/),
    ]);
  });

  it("refuses two pages with one slug or one address", () => {
    const found = errors("  - { slug: lab, services: [nginx] }\n  - { slug: lab, services: [nginx] }\n  - { slug: other, path: /status/lab, services: [nginx] }\n");
    expect(found).toEqual(expect.arrayContaining([
      expect.stringContaining('status_pages[1].slug: the slug "lab" is already used by status page 1'),
      expect.stringContaining('status_pages[2].path: the address /status/lab is already taken by status page 1 ("lab")'),
    ]));
  });

  it("says what a slug, a path, a logo and the service list must be", () => {
    const found = errors('  - { slug: "Lab Page", path: /api/x, logo: "javascript:alert(1)", services: [] }\n').join("\n");
    expect(found).toContain('status_pages[0].slug: a slug: lower-case letters');
    expect(found).toContain('status_pages[0].path: a path "/status" or "/status/<name>"');
    expect(found).toContain('status_pages[0].logo: an image URL');
    expect(found).toContain("status_pages[0].services: list at least one service to show");
  });
});
