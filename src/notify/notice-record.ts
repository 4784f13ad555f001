// The delivery record of one incident's notifications when several agents watch together (etcd): which
// notices went out (opened, each update, each reminder, resolved), who claimed each one, and what every
// notifier answered. One record per incident root ("service:app"); a root that fails again after its
// resolution starts a new episode in the same record. Pure: the decisions here are what the leader's
// reconciler (src/agent/shared-notices.ts) acts on, and what the unit tests pin down.
//
// A notice is claimed (written to etcd, fenced by the leader's token) BEFORE it is queued and each
// notifier's outcome is written AFTER it answers. So an agent taking over knows, per notice and notifier:
//   - claimed and answered     sent (or failed): never sent again;
//   - claimed, no answer yet   in flight; if the claimant's run is not ours and the claim is older
//                              than the grace, the claimant died mid-send: send to those notifiers again
//                              (the one window where a message may go out twice, never zero times);
//   - not claimed              not sent: the new leader sends it.
import type { Notification } from "./notifier.js";

export type DeliveryOutcome = "sent" | "failed" | "dropped";

export interface NotifierOutcome {
  outcome: DeliveryOutcome;
  at: number;
  attempts: number;
  reason?: string;
}

export interface NoticeClaim {
  /** The agent that claimed it, and its process run (a restarted agent is another run). */
  by: string;
  run: string;
  token: number;
  at: number;
  notification: Notification;
  /** The notifiers the notification was meant for when claimed. */
  recipients: string[];
  outcomes: Record<string, NotifierOutcome>;
}

export interface NoticeRecord {
  root: string;
  /** When this episode opened (the claimant's own incident's opening). */
  openedAt: number;
  title: string;
  /** Set once the resolution is claimed. */
  resolvedAt?: number;
  /** "opened", "updated:<why>", "reminder:<n>", "resolved" → its claim. */
  notices: Record<string, NoticeClaim>;
  /** The last notice's claim time: reminders count from it. */
  lastNoticeAt: number;
}

/** Whether an incident opened at `openedAt` is news: no record, or the record's episode ended before it. */
export function openingIsNews(record: NoticeRecord | undefined, openedAt: number): boolean {
  if (!record) return true;
  return record.resolvedAt !== undefined && record.resolvedAt < openedAt;
}

/** Whether a resolution seen at `resolvedAt` ends the record's episode and was not sent yet. */
export function resolutionIsNews(record: NoticeRecord | undefined, resolvedAt: number): boolean {
  if (!record || record.resolvedAt !== undefined || !record.notices.opened) return false;
  // A resolution from before this episode opened belongs to an earlier one (a stale intent).
  return resolvedAt >= record.openedAt;
}

export function updateIsNews(record: NoticeRecord | undefined, why: string): boolean {
  return record !== undefined && record.resolvedAt === undefined && record.notices[`updated:${why}`] === undefined;
}

/** The next reminder's notice name when one is due, else undefined. */
export function dueReminder(record: NoticeRecord, now: number, everyMs: number | undefined): string | undefined {
  if (everyMs === undefined || everyMs <= 0 || record.resolvedAt !== undefined || !record.notices.opened) return undefined;
  if (now - record.lastNoticeAt < everyMs) return undefined;
  const sent = Object.keys(record.notices).filter((name) => name.startsWith("reminder:")).length;
  return `reminder:${sent + 1}`;
}

/** The notifiers a claim still owes, when its claimant is gone (another run) and the grace has passed. */
export function owedRecipients(claim: NoticeClaim, run: string, now: number, graceMs: number): string[] {
  if (claim.run === run || now - claim.at < graceMs) return [];
  return claim.recipients.filter((name) => claim.outcomes[name] === undefined);
}

export function newEpisode(root: string, openedAt: number, title: string): NoticeRecord {
  return { root, openedAt, title, notices: {}, lastNoticeAt: openedAt };
}

/** The record with `name` claimed (resolution marks the episode resolved). */
export function withClaim(record: NoticeRecord, name: string, claim: NoticeClaim): NoticeRecord {
  return {
    ...record,
    notices: { ...record.notices, [name]: claim },
    lastNoticeAt: Math.max(record.lastNoticeAt, claim.at),
    ...(name === "resolved" ? { resolvedAt: claim.at } : {}),
  };
}

/** The record with one notifier's answer to one notice (unknown notices are left alone). */
export function withOutcome(record: NoticeRecord, name: string, notifier: string, outcome: NotifierOutcome): NoticeRecord {
  const claim = record.notices[name];
  if (!claim) return record;
  return { ...record, notices: { ...record.notices, [name]: { ...claim, outcomes: { ...claim.outcomes, [notifier]: outcome } } } };
}

export function decodeNoticeRecord(text: string): NoticeRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<NoticeRecord>;
    if (typeof value.root !== "string" || typeof value.openedAt !== "number" || typeof value.notices !== "object" || value.notices === null) return undefined;
    return { title: "", lastNoticeAt: value.openedAt, ...value } as NoticeRecord;
  } catch {
    return undefined;
  }
}

/** Marks a notification as one agent's own view, sent while it could not reach the others (etcd). */
export function seenAlone(n: Notification, agent: string): Notification {
  const mark = `seen from ${agent} alone`;
  return {
    ...n,
    title: `${n.title} (${mark})`,
    body: `${n.body} Seen from ${agent} alone: it cannot reach etcd, so no other agent confirmed this.`,
    fields: { ...n.fields, vantage: agent, alone: true },
  };
}
