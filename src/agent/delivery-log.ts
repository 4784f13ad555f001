// The agent's record of incident notification deliveries (src/store/deliveries.ts), fed by the
// dispatcher's hooks: each notifier's answer to each incident notification this agent sent. With etcd,
// the answers go to the shared notice record too (shared-notices.ts), and every agent mirrors the
// records it reads, so each agent's timeline shows what the others sent.
import type { DeliveryFailure } from "../notify/dispatcher.js";
import type { NoticeRecord } from "../notify/notice-record.js";
import type { Notification } from "../notify/notifier.js";
import type { Store } from "../store/db.js";
import { recordDelivery, type Delivery } from "../store/deliveries.js";
import type { DeliveryHooks } from "./dispatcher.js";
import type { Logger } from "./log.js";
import type { SharedNotices } from "./shared-notices.js";

export interface DeliveryLog extends DeliveryHooks {
  /** Mirrors the outcomes in etcd's notice records (SharedNotices' onRecords). */
  mirror(records: readonly NoticeRecord[]): void;
}

export function deliveryLog(options: { store: Store; agent: string; now(): number; log: Logger; notices?: () => SharedNotices | undefined }): DeliveryLog {
  const write = (delivery: Delivery) => {
    try {
      recordDelivery(options.store, delivery);
    } catch (error) {
      options.log.warn({ event: "notify.record", err: error }, `recording the delivery of the ${delivery.notice} notice of ${delivery.root} to ${delivery.notifier} failed`);
    }
  };
  const identify = (n: Notification) => {
    const shared = options.notices?.()?.noticeOf(n);
    if (shared) return shared;
    return typeof n.fields.root === "string" && n.key.startsWith("incident:") ? { root: n.fields.root, notice: n.event } : undefined;
  };
  return {
    delivered(notifier, n, attempts) {
      options.notices?.()?.delivered(notifier, n, attempts);
      const which = identify(n);
      if (which) write({ ...which, notifier, outcome: attempts > 1 ? "retried" : "sent", attempts, sentBy: options.agent, alone: n.fields.alone === true, at: options.now() });
    },
    failed(failure: DeliveryFailure) {
      options.notices?.()?.failed(failure);
      const which = identify(failure.notification);
      if (which) write({ ...which, notifier: failure.notifier, outcome: failure.outcome === "dropped" ? "dropped" : "failed", attempts: failure.attempts, reason: failure.reason, sentBy: options.agent, alone: failure.notification.fields.alone === true, at: options.now() });
    },
    mirror(records) {
      for (const record of records) {
        for (const [notice, claim] of Object.entries(record.notices)) {
          if (claim.by === options.agent) continue; // This agent recorded its own as it sent them.
          for (const [notifier, answer] of Object.entries(claim.outcomes)) {
            const outcome = answer.outcome === "sent" && answer.attempts > 1 ? "retried" : answer.outcome;
            write({ root: record.root, notice, notifier, outcome, attempts: answer.attempts, ...(answer.reason ? { reason: answer.reason } : {}), sentBy: claim.by, alone: false, at: answer.at });
          }
        }
      }
    },
  };
}
