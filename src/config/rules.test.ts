// What `understudy validate` says about coordination: each message, where it points, and its severity.
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "./diagnostics.js";
import { parseConfig } from "./load.js";

function diagnostics(agents: string): { errors: string[]; warnings: string[] } {
  const yaml = `version: 1
hosts:
  H001: { address: 100.64.0.13 }
services:
  web: { runs_on: [H001] }
agents:
${agents}`;
  const result = parseConfig(yaml, "understudy.yaml");
  if (result.ok) return { errors: [], warnings: result.warnings.map(formatDiagnostic) };
  const all = result.diagnostics;
  return { errors: all.filter((d) => d.severity === "error").map(formatDiagnostic), warnings: all.filter((d) => d.severity === "warning").map(formatDiagnostic) };
}

const etcd = (endpoints: number) => `  coordination:
    etcd:
      endpoints: [${Array.from({ length: endpoints }, (_, i) => `"http://10.0.0.${i + 1}:2379"`).join(", ")}]
`;

describe("coordination rules", () => {
  it("accepts 3 etcd members with quorum 3 silently", () => {
    expect(diagnostics(`${etcd(3)}  quorum: 3\n`)).toEqual({ errors: [], warnings: [] });
  });

  it("warns that etcd with fewer than 3 members cannot lose one", () => {
    expect(diagnostics(`${etcd(1)}  quorum: 3\n`).warnings).toEqual([
      "understudy.yaml:9:18: warning: agents.coordination.etcd.endpoints: etcd with 1 member cannot survive losing one (a majority must stay up): run 3 members (or 5) and list every member's client URL here",
    ]);
    expect(diagnostics(`${etcd(2)}  quorum: 3\n`).warnings).toEqual([expect.stringContaining("etcd with 2 members cannot survive losing one")]);
  });

  it("refuses quorum 2 with coordination local: one agent is never two vantage points", () => {
    expect(diagnostics("  quorum: 2\n")).toEqual({
      errors: ["understudy.yaml:7:11: error: agents.quorum: quorum 2 needs 2 agents agreeing, but coordination: local runs one agent; set quorum: 1, or coordination: { etcd: { endpoints: [...] } } and run 3 or more agents"],
      warnings: [],
    });
  });

  it("warns that quorum 1 with etcd lets one agent's broken link fail a service over", () => {
    expect(diagnostics(`${etcd(3)}  quorum: 1\n`).warnings).toEqual([
      "understudy.yaml:10:11: warning: agents.quorum: quorum 1 with several agents: one agent's broken link can fail a service over; use quorum: 2 with 3 agents",
    ]);
    // quorum defaults to 1: the warning is for the default too (placed on the key that is missing).
    expect(diagnostics(etcd(3)).warnings).toEqual([expect.stringContaining("quorum 1 with several agents")]);
  });

  it("notes that quorum 2 needs 3 agents, as Redis Sentinel's docs warn against 2 sentinels", () => {
    expect(diagnostics(`${etcd(3)}  quorum: 2\n`).warnings).toEqual([
      expect.stringMatching(/agents\.quorum: quorum 2 needs 3 agents: with only 2, either one failing blocks every verdict \(Redis Sentinel's docs warn against 2 sentinels/),
    ]);
  });
});
