import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "./db.js";
import { getIncident, listIncidents, openIncident, resolveIncident, updateIncident } from "./incidents.js";

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "understudy-incidents-"));
  store = openStore(join(dir, "understudy.db"));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("incidents", () => {
  it("open, grow, silence and resolve, and survive a re-open", () => {
    const opened = openIncident(store, { root: { kind: "host", name: "L001" }, title: "L001 is down", severity: "critical", at: 1_000, children: [{ kind: "service", name: "headscale" }] });
    expect(opened).toEqual({
      id: opened.id, root: { kind: "host", name: "L001" }, title: "L001 is down", severity: "critical",
      openedAt: 1_000, updatedAt: 1_000, resolvedAt: undefined, silenced: false, children: [{ kind: "service", name: "headscale" }],
    });
    const grown = updateIncident(store, opened.id, { at: 2_000, children: [{ kind: "service", name: "mesh" }, { kind: "service", name: "headscale" }] });
    expect(grown.children.map((c) => c.name)).toEqual(["headscale", "mesh"]);
    expect(grown.updatedAt).toBe(2_000);
    const silenced = updateIncident(store, opened.id, { at: 2_500, silenced: true });
    expect(silenced).toMatchObject({ silenced: true, title: "L001 is down", children: grown.children });
    const resolved = resolveIncident(store, opened.id, 3_000);
    expect(resolved).toMatchObject({ resolvedAt: 3_000, updatedAt: 3_000 });
    expect(resolveIncident(store, opened.id, 9_000).resolvedAt).toBe(3_000);

    store.close();
    store = openStore(join(dir, "understudy.db"));
    expect(getIncident(store, opened.id)).toEqual(resolveIncident(store, opened.id, 9_999));
  });

  it("list open ones, resolved ones, and those still open since a time, newest first", () => {
    const old = openIncident(store, { root: { kind: "service", name: "nfs" }, title: "nfs down", severity: "high", at: 100 });
    resolveIncident(store, old.id, 200);
    const later = openIncident(store, { root: { kind: "service", name: "jellyfin" }, title: "jellyfin down", severity: "normal", at: 300 });
    resolveIncident(store, later.id, 600);
    const current = openIncident(store, { root: { kind: "host", name: "H003" }, title: "H003 down", severity: "critical", at: 500 });
    const ids = (filter: Parameters<typeof listIncidents>[1]): number[] => listIncidents(store, filter).map((i) => i.id);
    expect(ids({})).toEqual([current.id, later.id, old.id]);
    expect(ids({ open: true })).toEqual([current.id]);
    expect(ids({ open: false })).toEqual([later.id, old.id]);
    expect(ids({ since: 400 })).toEqual([current.id, later.id]);
    expect(ids({ since: 700 })).toEqual([current.id]);
  });
});
