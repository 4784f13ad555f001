// Backup alerts survive a restart: the open problems live in the store, so an agent started again
// neither repeats the alert for a backup that is still failing nor forgets the recovery of one fixed.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Dispatcher } from "../notify/dispatcher.js";
import type { Notification } from "../notify/notifier.js";
import { openStore, type Store } from "../store/db.js";
import { BackupAlerts } from "./backup-alerts.js";

let store: Store;
beforeEach(() => {
  store = openStore(":memory:");
});
afterEach(() => store.close());

function recording() {
  const sent: Array<{ call: string; n: Notification | undefined }> = [];
  const dispatcher = {
    openIncident: (n: Notification) => (sent.push({ call: "open", n }), true),
    closeIncident: (_key: string, n?: Notification) => (sent.push({ call: "close", n }), true),
  } as unknown as Dispatcher;
  return { sent, dispatcher };
}

describe("backup alerts", () => {
  it("raise once per problem, clear once, and remember across a restart", () => {
    const first = recording();
    let now = 1_000;
    const before = new BackupAlerts(store, () => first.dispatcher, () => now);
    const problem = { service: "headscale", kind: "backup" as const };
    expect(before.raise(problem, "backup of headscale failed: nas: ENOTDIR", "…", "high")).toBe(true);
    expect(before.raise(problem, "backup of headscale failed: nas: ENOTDIR", "…", "high")).toBe(false);
    expect(before.raise({ service: "headscale", kind: "rpo", host: "L002" }, "replica of headscale on L002 is 6m old, RPO 5m", "…", "high")).toBe(true);
    expect(before.open().sort()).toEqual(["backup:headscale:backup", "backup:headscale:rpo:L002"]);

    // The agent restarts: a new BackupAlerts on the same store.
    const second = recording();
    now = 61_000;
    const after = new BackupAlerts(store, () => second.dispatcher, () => now);
    expect(after.raise(problem, "backup of headscale failed: nas: ENOTDIR", "…", "high")).toBe(false);
    expect(after.clear(problem, "backup of headscale works again")).toBe(true);
    expect(after.clear(problem, "backup of headscale works again")).toBe(false);
    expect(second.sent).toEqual([{ call: "close", n: expect.objectContaining({ key: "backup:headscale:backup", event: "resolved", title: "Resolved: backup of headscale failed: nas: ENOTDIR", fields: expect.objectContaining({ open_for_ms: 60_000 }) }) }]);
    expect(first.sent.map((s) => s.n?.key)).toEqual(["backup:headscale:backup", "backup:headscale:rpo:L002"]);
  });
});
