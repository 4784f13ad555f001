import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "./db.js";
import { deleteState, getState, listState, setState } from "./state.js";

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "understudy-state-"));
  store = openStore(join(dir, "understudy.db"));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("state", () => {
  it("remembers a service's active host across a re-open", () => {
    expect(getState(store, "active-host/headscale")).toBeUndefined();
    setState(store, "active-host/headscale", "L001", 10);
    store.close();
    store = openStore(join(dir, "understudy.db"));
    expect(getState(store, "active-host/headscale")).toEqual({ value: "L001", updatedAt: 10 });
  });

  it("writes conditionally, so only one of two movers wins", () => {
    expect(setState(store, "active-host/forgejo", "H001", 1, { expect: undefined })).toBe(true);
    expect(setState(store, "active-host/forgejo", "O001", 2, { expect: "H001" })).toBe(true);
    expect(setState(store, "active-host/forgejo", "L001", 3, { expect: "H001" })).toBe(false);
    expect(getState(store, "active-host/forgejo")?.value).toBe("O001");
  });

  it("lists by prefix and deletes", () => {
    setState(store, "active-host/a", "H1", 1);
    setState(store, "active-host/b", "H2", 2);
    setState(store, "other", { x: 1 }, 3);
    expect([...listState(store, "active-host/").keys()]).toEqual(["active-host/a", "active-host/b"]);
    expect(deleteState(store, "active-host/a")).toBe(true);
    expect(deleteState(store, "active-host/a")).toBe(false);
    expect(getState(store, "other")?.value).toEqual({ x: 1 });
  });
});
