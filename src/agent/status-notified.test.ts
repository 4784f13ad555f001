// `understudy status` and /api/status say who was told about each open incident: one line per notice
// and sender, each notifier's outcome.
import { expect, test } from "vitest";
import { fixtureConfig } from "../failover/test-fixture.js";
import { openStore } from "../store/db.js";
import { deliveriesOf, recordDelivery } from "../store/deliveries.js";
import { openIncident } from "../store/incidents.js";
import { buildStatus } from "./status.js";

test("each open incident lists its notifications' deliveries", () => {
  const { topology } = fixtureConfig();
  const store = openStore(":memory:");
  const incident = openIncident(store, { root: { kind: "service", name: "hs" }, title: "hs is down", severity: "high", at: 1_000 });
  const quiet = openIncident(store, { root: { kind: "service", name: "db" }, title: "db is down", severity: "high", at: 1_000 });
  const base = { root: "service:hs", notice: "opened", sentBy: "h001", alone: false } as const;
  recordDelivery(store, { ...base, notifier: "hook", outcome: "sent", attempts: 1, at: 1_100 });
  recordDelivery(store, { ...base, notifier: "ntfy", outcome: "retried", attempts: 3, at: 1_200 });
  recordDelivery(store, { ...base, sentBy: "h002", alone: true, notifier: "hook", outcome: "failed", attempts: 5, reason: "HTTP 500", at: 1_300 });
  const status = buildStatus({
    topology, source: "agent", agent: { name: "a", version: "0", started_at: new Date(0).toISOString(), uptime_s: 0 }, lastResult: () => undefined,
    incidents: [incident, quiet], deliveries: (id) => deliveriesOf(store, id),
  });
  expect(status.incidents.find((row) => row.id === incident.id)?.notified).toEqual(["opened: hook sent, ntfy retried (3 attempts), by h001", "opened (alone): hook failed (5 attempts), by h002"]);
  expect(status.incidents.find((row) => row.id === quiet.id)).not.toHaveProperty("notified");
  store.close();
});
