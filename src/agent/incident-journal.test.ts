// The journal between the engine's incidents and the store and notifications: one row and one message
// per incident, recoveries that repeat what people were told, silenced incidents kept quiet, and
// incidents carried over a restart or reload continued rather than opened twice.
import { afterEach, describe, expect, it } from "vitest";
import { createAgentEvents } from "../engine/events.js";
import type { Incident as EngineIncident, IncidentPart } from "../engine/incidents.js";
import { openStore, type Store } from "../store/db.js";
import { getIncident, listIncidents, openIncident } from "../store/incidents.js";
import type { Incident } from "../store/incidents.js";
import { IncidentJournal } from "./incident-journal.js";
import type { IncidentSink } from "./incident-notifier.js";
import { silentLogger } from "./log.js";

const part = (kind: "host" | "service", name: string, down = true): IncidentPart => ({ kind, name, down, hosts: [], since: 0, recoveredAt: undefined });

function engineIncident(id: number, overrides: Partial<EngineIncident> = {}): EngineIncident {
  return {
    id, status: "open", root: part("host", "H003"), children: [part("service", "lan"), part("service", "adguard")], title: "H003 down: lan, adguard", severity: "critical",
    affected: ["adguard", "lan"], silenced: false, openedAt: 1_000, resolvedAt: undefined, durationMs: undefined, mergedInto: undefined, ...overrides,
  };
}

function recordingSink() {
  const said: string[] = [];
  const sink: IncidentSink = {
    opened: (incident) => said.push(`opened #${incident.id} ${incident.title}`),
    updated: (incident, why) => said.push(`updated #${incident.id} ${why}`),
    resolved: (incident) => said.push(`resolved #${incident.id} ${incident.title}`),
  };
  return { said, sink };
}

let stores: Store[] = [];
afterEach(() => {
  for (const store of stores) store.close();
  stores = [];
});

function setup(prepare?: (store: Store) => void) {
  const store = openStore(":memory:");
  stores.push(store);
  prepare?.(store);
  const { said, sink } = recordingSink();
  const journal = new IncidentJournal(store, sink, silentLogger());
  const events = createAgentEvents();
  const detach = journal.attach(events);
  return { store, said, journal, events, detach };
}

describe("incident journal", () => {
  it("records an incident once, stays quiet about partial recoveries, and recovers with the announced title", () => {
    const { store, said, events } = setup();
    events.emit("incident.opened", { incident: engineIncident(1) });
    events.emit("incident.updated", { incident: engineIncident(1, { root: part("host", "H003", false), title: "H003 recovered; still down: lan", children: [part("service", "lan")] }) });
    events.emit("incident.resolved", { incident: engineIncident(1, { status: "resolved", resolvedAt: 5_000 }) });
    expect(said).toEqual(["opened #1 H003 down: lan, adguard", "resolved #1 H003 down: lan, adguard"]);
    expect(getIncident(store, 1)).toMatchObject({ resolvedAt: 5_000, title: "H003 recovered; still down: lan", children: [{ kind: "service", name: "lan" }] });
  });

  it("tells people when the severity rises", () => {
    const { said, events } = setup();
    events.emit("incident.opened", { incident: engineIncident(1, { severity: "normal" }) });
    events.emit("incident.updated", { incident: engineIncident(1, { severity: "critical" }) });
    expect(said).toEqual(["opened #1 H003 down: lan, adguard", "updated #1 Severity rose to critical."]);
  });

  it("keeps a silenced incident quiet, and announces it if it is still open when the window ends", () => {
    const { said, events, store } = setup();
    events.emit("incident.opened", { incident: engineIncident(1, { silenced: true }) });
    expect(said).toEqual([]);
    expect(listIncidents(store, { open: true })[0]?.silenced).toBe(true);
    events.emit("incident.updated", { incident: engineIncident(1, { silenced: false }) });
    events.emit("incident.resolved", { incident: engineIncident(1, { status: "resolved", resolvedAt: 9_000 }) });
    expect(said).toEqual(["opened #1 H003 down: lan, adguard", "resolved #1 H003 down: lan, adguard"]);
  });

  it("continues an incident left open by the previous run instead of opening another, telling of its new root", () => {
    let previous: Incident | undefined;
    const { said, events, store } = setup((s) => {
      previous = openIncident(s, { root: { kind: "service", name: "lan" }, title: "lan down", severity: "critical", at: 500 });
    });
    events.emit("incident.opened", { incident: engineIncident(1) });
    expect(listIncidents(store, { open: true }).map((incident) => incident.id)).toEqual([previous!.id]);
    events.emit("incident.resolved", { incident: engineIncident(1, { status: "resolved", resolvedAt: 7_000 }) });
    // No second opening; the new root is news, and the recovery names what people were last told.
    expect(said).toEqual(["updated #1 Now explained by host H003.", "resolved #1 H003 down: lan, adguard"]);
  });

  it("resolves carried incidents seen up again, or not seen at all within the window", () => {
    const { said, journal, detach, events } = setup();
    events.emit("incident.opened", { incident: engineIncident(1) });
    events.emit("incident.opened", { incident: engineIncident(2, { root: part("service", "nfs"), children: [], title: "nfs down" }) });
    detach();
    expect(journal.carriedCount()).toBe(2);
    journal.attach(createAgentEvents());
    journal.settleCarried((root) => root.name === "nfs", 8_000);
    expect(journal.open().map((incident) => incident.title)).toEqual(["H003 down: lan, adguard"]);
    journal.resolveCarried(9_000);
    expect(journal.open()).toEqual([]);
    expect(said.slice(2)).toEqual(["resolved #2 nfs down", "resolved #1 H003 down: lan, adguard"]);
  });
});
