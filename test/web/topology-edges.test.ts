// The topology drawing's dependency lines go around the boxes, not through them (issue 17): laid out for
// the example homelab and for the demo's seed lab, every routed line, sampled every pixel, stays out of
// every host box and logical service except the one it leaves and the one it enters.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { topologyView } from "../../src/api/topology-view.js";
import { loadConfig, parseConfig } from "../../src/config/load.js";
import { buildTopology } from "../../src/model/topology.js";
import type { Topology as WebTopology } from "../../web/src/api/types.js";
import { layoutTopology, type Layout, type Rect } from "../../web/src/components/topology-layout.js";

const ROOT = join(import.meta.dirname, "../..");

function drawn(loaded: ReturnType<typeof loadConfig>): Layout {
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join("\n"));
  const view = topologyView(buildTopology(loaded.config), { health: () => "up" });
  return layoutTopology(view as unknown as WebTopology);
}

/** The polyline through every coordinate of a path (corners' control points are the corners; a loop
 * between two services of one host bulges into the gap beside its box, and so do its control points). */
function points(d: string): Array<[number, number]> {
  return [...d.matchAll(/(-?[\d.]+),(-?[\d.]+)/g)].map((match) => [Number(match[1]), Number(match[2])]);
}

const inside = (rect: Rect, x: number, y: number) => x > rect.x + 1 && x < rect.x + rect.w - 1 && y > rect.y + 1 && y < rect.y + rect.h - 1;

/** For each routed edge, the boxes it passes through that are neither its start's nor its end's. */
function crossings(layout: Layout): string[] {
  const boxes: Array<{ name: string; rect: Rect; holds: string[] }> = [
    ...layout.hosts.map((host) => ({ name: host.name, rect: host as Rect, holds: [host.name, ...host.instances.map((instance) => instance.service)] })),
    ...layout.logical.map((node) => ({ name: node.service, rect: node as Rect, holds: [node.service] })),
  ];
  const found: string[] = [];
  for (const edge of layout.edges) {
    const line = points(edge.d);
    const own = boxes.filter((box) => box.holds.includes(edge.from) || box.holds.includes(edge.to));
    for (let i = 1; i < line.length; i++) {
      const [[x1, y1], [x2, y2]] = [line[i - 1]!, line[i]!];
      const steps = Math.ceil(Math.hypot(x2 - x1, y2 - y1));
      for (let step = 0; step <= steps; step++) {
        const [x, y] = [x1 + ((x2 - x1) * step) / Math.max(1, steps), y1 + ((y2 - y1) * step) / Math.max(1, steps)];
        for (const box of boxes) if (!own.includes(box) && inside(box.rect, x, y)) found.push(`${edge.from} → ${edge.to} crosses ${box.name} at ${Math.round(x)},${Math.round(y)}`);
      }
    }
  }
  return [...new Set(found.map((text) => text.replace(/ at .*/, "")))];
}

describe("topology lines", () => {
  it("go around every box in the example homelab", () => {
    const layout = drawn(loadConfig(join(ROOT, "examples/homelab.yaml")));
    expect(layout.edges.length).toBeGreaterThan(5);
    expect(crossings(layout)).toEqual([]);
  });

  it("go around every box in the seed lab, and each ends at its target's side", () => {
    const layout = drawn(parseConfig(`version: 1
hosts:
  L001: { address: 100.64.0.2, site: linode, public: true }
  O001: { address: 100.64.0.1, site: oracle, public: true }
  H001: { address: 10.12.14.3, site: home }
  H002: { address: 10.12.14.4, site: home }
  H003: { address: 10.12.14.1, site: home }
services:
  headscale: { criticality: critical, primary: L001, standby: [O001], public: true }
  nginx: { role: reverse-proxy, runs_on: [O001], public: true }
  vaultwarden: { runs_on: [O001], exposed_via: nginx }
  forgejo: { runs_on: [H001], depends_on: [lan], exposed_via: nginx }
  jellyfin: { runs_on: [H001], depends_on: [lan, nfs] }
  nfs: { runs_on: [H002], depends_on: [lan] }
  adguard: { role: dns, runs_on: [H003] }
  lan: { role: router, runs_on: [H003], depends_on: [adguard] }
  mesh: { depends_on: [{ service: headscale, mode: degrades, after: 1h }] }
`, "seed.yaml"));
    expect(crossings(layout)).toEqual([]);
    // The line into lan (H003) from H001 would have run straight through H002 before.
    const intoLan = layout.edges.filter((edge) => edge.to === "lan" && !edge.d.includes("C"));
    expect(intoLan.length).toBeGreaterThan(0);
    const lanNode = layout.hosts.flatMap((host) => host.instances).find((instance) => instance.service === "lan")!;
    for (const edge of intoLan) {
      const [x, y] = points(edge.d).at(-1)!;
      expect([lanNode.x, lanNode.x + lanNode.w]).toContain(x);
      expect(y).toBe(lanNode.y + lanNode.h / 2);
    }
  });
});
