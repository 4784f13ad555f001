// The replication plan: it reads from the host serving now and ships to every other host holding the
// service's data (the old primary too, once it may receive), never to the active one.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/load.js";
import { replicationPlan, rootOf } from "./replication.js";

const parsed = parseConfig(`version: 1
hosts:
  L001: { address: 10.0.0.1, ssh: { private_key: "file:/k", host_key: "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" } }
  L002: { address: 10.0.0.2, ssh: { private_key: "file:/k", host_key: "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" } }
  L003: { address: 10.0.0.3, ssh: { private_key: "file:/k", host_key: "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" } }
services:
  headscale:
    primary: L001
    standby: [L002, L003]
    data: [{ sqlite: /var/lib/headscale/db.sqlite }]
    replicate: { to: standby, root: /srv/replica }
`, "understudy.yaml");
if (!parsed.ok) throw new Error(parsed.diagnostics.map((d) => d.message).join("\n"));
const doc = parsed.config;

describe("replicationPlan", () => {
  it("ships from the primary to the standbys while the primary serves", () => {
    expect(replicationPlan(doc, "headscale", undefined)).toEqual({ source: "L001", targets: ["L002", "L003"], held: [] });
  });

  it("after a failover ships from the promoted standby, never to it, and to the old primary only once it may receive", () => {
    expect(replicationPlan(doc, "headscale", "L002")).toEqual({ source: "L002", targets: ["L001", "L003"], held: [] });
    const fenceable = (_service: string, host: string) => host !== "L001";
    expect(replicationPlan(doc, "headscale", "L002", fenceable)).toEqual({ source: "L002", targets: ["L003"], held: ["L001"] });
  });

  it("finds the data at its paths on the primary and under replicate.root elsewhere", () => {
    expect(rootOf(doc, "headscale", "L001")).toBe("/");
    expect(rootOf(doc, "headscale", "L002")).toBe("/srv/replica");
  });
});
