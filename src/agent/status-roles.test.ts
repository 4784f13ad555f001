// `understudy status` and /api/status show each primary/standby instance's role (serving, warm,
// catching-up, pending-fence, down) beside its check verdict: a warm standby whose checks fail by
// design reads "down (warm)", not a bare "down".
import { expect, test } from "vitest";
import { moveActiveHost } from "../failover/active-host.js";
import { instanceState, writeInstanceState } from "../failover/instance-states.js";
import { fixtureConfig } from "../failover/test-fixture.js";
import { openStore } from "../store/db.js";
import { buildStatus } from "./status.js";

test("each instance of a failover service carries its role", () => {
  const { topology } = fixtureConfig();
  const store = openStore(":memory:");
  moveActiveHost(store, "hs", { from: "vps", to: "spare", primary: "vps" }, 1);
  writeInstanceState(store, "hs", "vps", "pending-fence", 1, "fence timed out");
  const status = buildStatus({
    topology, source: "agent", agent: { name: "a", version: "0", started_at: new Date(0).toISOString(), uptime_s: 0 }, lastResult: () => undefined, incidents: [],
    instanceState: (_s, host) => (host === "spare" ? "up" : "down"), role: (service, host) => instanceState(store, topology, service, host)?.state,
  });
  expect(status.services[0]?.instances.map((i) => `${i.host} ${i.state} ${i.role}`)).toEqual(["vps down pending-fence", "spare up serving"]);
  store.close();
});
