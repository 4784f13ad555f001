// Instance states: the active host always serves and never receives; a standby is warm by default;
// stored states survive a reopen of the store; mayReceive is true only for warm and catching-up.
import { describe, expect, test } from "vitest";
import { moveActiveHost } from "./active-host.js";
import { instancesIn, instanceState, instanceStates, mayReceive, writeInstanceState } from "./instance-states.js";
import { fixtureConfig } from "./test-fixture.js";
import { openStore } from "../store/db.js";

describe("instance states", () => {
  test("by default the primary serves and the standby is warm: replication may write onto the standby only", () => {
    const { topology } = fixtureConfig();
    const store = openStore(":memory:");
    expect(instanceStates(store, topology, "hs", 0)?.map((i) => `${i.host}:${i.state}`)).toEqual(["vps:serving", "spare:warm"]);
    expect(mayReceive(store, topology, "hs", "vps")).toBe(false);
    expect(mayReceive(store, topology, "hs", "spare")).toBe(true);
    store.close();
  });

  test("after a failover the promoted standby serves and never receives, whatever was stored for it", () => {
    const { topology } = fixtureConfig();
    const store = openStore(":memory:");
    writeInstanceState(store, "hs", "spare", "warm", 1, "a standby");
    moveActiveHost(store, "hs", { from: "vps", to: "spare", primary: "vps" }, 2);
    writeInstanceState(store, "hs", "vps", "pending-fence", 2, "fence of vps timed out");
    expect(instanceState(store, topology, "hs", "spare")?.state).toBe("serving");
    expect(mayReceive(store, topology, "hs", "spare")).toBe(false);
    expect(mayReceive(store, topology, "hs", "vps")).toBe(false);
    expect(instancesIn(store, "pending-fence")).toEqual([{ service: "hs", host: "vps", entry: { state: "pending-fence", since: 2, reason: "fence of vps timed out" } }]);
    writeInstanceState(store, "hs", "vps", "catching-up", 3, "fenced");
    expect(mayReceive(store, topology, "hs", "vps")).toBe(true);
    expect(mayReceive(store, topology, "other", "vps")).toBe(false);
    store.close();
  });
});
