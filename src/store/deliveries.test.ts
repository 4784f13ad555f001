// The delivery timeline: each answer lands on the local incident it belongs to (by root and time),
// an answer mirrored twice is kept once, and the API's incident view shows it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { viewIncident } from "../api/incident-view.js";
import { openStore, type Store } from "./db.js";
import { deliveriesOf, recordDelivery, type Delivery } from "./deliveries.js";
import { openIncident, resolveIncident } from "./incidents.js";

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "understudy-deliveries-"));
  store = openStore(join(dir, "understudy.db"));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const delivery = (at: number, change: Partial<Delivery> = {}): Delivery => ({ root: "service:app", notice: "opened", notifier: "ntfy", outcome: "sent", attempts: 1, sentBy: "h001", alone: false, at, ...change });

describe("notification deliveries", () => {
  it("land on the incident of their root that was open when they were sent, each once", () => {
    const first = openIncident(store, { root: { kind: "service", name: "app" }, title: "app is down", severity: "high", at: 1_000 });
    resolveIncident(store, first.id, 5_000);
    const second = openIncident(store, { root: { kind: "service", name: "app" }, title: "app is down", severity: "high", at: 9_000 });
    recordDelivery(store, delivery(1_100));
    recordDelivery(store, delivery(1_150, { notifier: "hook", outcome: "retried", attempts: 3, sentBy: "h002" }));
    recordDelivery(store, delivery(1_150, { notifier: "hook", outcome: "retried", attempts: 3, sentBy: "h002" }));
    recordDelivery(store, delivery(5_100, { notice: "resolved", outcome: "failed", attempts: 5, reason: "HTTP 500" }));
    recordDelivery(store, delivery(9_100, { alone: true, sentBy: "h003" }));
    expect(deliveriesOf(store, first.id).map((d) => `${d.notice} ${d.notifier} ${d.outcome} by ${d.sentBy}`)).toEqual([
      "opened ntfy sent by h001", "opened hook retried by h002", "resolved ntfy failed by h001",
    ]);
    expect(deliveriesOf(store, second.id)).toEqual([delivery(9_100, { alone: true, sentBy: "h003" })]);
  });

  it("are the incident's timeline in the API's view", () => {
    const incident = openIncident(store, { root: { kind: "service", name: "app" }, title: "app is down", severity: "high", at: 1_000 });
    recordDelivery(store, delivery(1_100, { outcome: "failed", attempts: 5, reason: "HTTP 500" }));
    expect(viewIncident(incident, 2_000, deliveriesOf(store, incident.id)).deliveries).toEqual([
      { at: new Date(1_100).toISOString(), notice: "opened", notifier: "ntfy", outcome: "failed", attempts: 5, reason: "HTTP 500", sent_by: "h001", alone: false },
    ]);
  });
});
