// Each notifier's answer to an incident notification, as the incident's timeline shows it: which notice
// (opened, an update, a reminder, the resolution), which notifier, sent / retried (sent after more than
// one attempt) / failed / dropped, by which agent, and whether that agent was alone (cut off from etcd).
// An agent records what it sent itself and, with etcd, what the others recorded in the shared notices.
import type { Store } from "./db.js";

export type DeliveryOutcome = "sent" | "retried" | "failed" | "dropped";

export interface Delivery {
  root: string;
  notice: string;
  notifier: string;
  outcome: DeliveryOutcome;
  attempts: number;
  reason?: string;
  sentBy: string;
  alone: boolean;
  at: number;
}

interface DeliveryRow {
  root: string;
  notice: string;
  notifier: string;
  outcome: DeliveryOutcome;
  attempts: number;
  reason: string | null;
  sent_by: string;
  alone: number;
  at: number;
}

/** The local incident a delivery belongs to: the latest with this root opened at or before `at`. */
function incidentFor(store: Store, root: string, at: number): number | null {
  const colon = root.indexOf(":");
  const row = store.statement("SELECT id FROM incidents WHERE root_kind = ? AND root_name = ? AND opened_at <= ? ORDER BY opened_at DESC LIMIT 1")
    .get(root.slice(0, colon), root.slice(colon + 1), at) as { id: number } | undefined;
  return row?.id ?? null;
}

/** Records one answer; the same answer (notice, notifier, agent, time) recorded twice is kept once. */
export function recordDelivery(store: Store, delivery: Delivery): void {
  const seen = store.statement("SELECT 1 FROM notification_deliveries WHERE root = ? AND notice = ? AND notifier = ? AND sent_by = ? AND at = ?")
    .get(delivery.root, delivery.notice, delivery.notifier, delivery.sentBy, delivery.at);
  if (seen) return;
  store.statement(`INSERT INTO notification_deliveries (incident_id, root, notice, notifier, outcome, attempts, reason, sent_by, alone, at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
    incidentFor(store, delivery.root, delivery.at), delivery.root, delivery.notice, delivery.notifier, delivery.outcome, delivery.attempts,
    delivery.reason ?? null, delivery.sentBy, delivery.alone ? 1 : 0, delivery.at,
  );
}

/** An incident's deliveries, oldest first. */
export function deliveriesOf(store: Store, incidentId: number): Delivery[] {
  const rows = store.statement("SELECT * FROM notification_deliveries WHERE incident_id = ? ORDER BY at, id").all(incidentId) as DeliveryRow[];
  return rows.map((row) => ({
    root: row.root, notice: row.notice, notifier: row.notifier, outcome: row.outcome, attempts: row.attempts,
    ...(row.reason === null ? {} : { reason: row.reason }), sentBy: row.sent_by, alone: row.alone === 1, at: row.at,
  }));
}
