// Incident notices in etcd: <prefix>/notices/<root> holds one NoticeRecord (src/notify/notice-record.ts),
// no lease (it must outlive the agent that wrote it: that is the point of a lossless handover).
//
// Decisions:
//   - A claim is one transaction comparing the leader key (create revision = our fencing token, value
//     = our name) and the record's mod revision: a deposed leader cannot claim, and two claims of one
//     record cannot both succeed. Losing either comparison is an answer ("not-leader", "changed"),
//     not an error: the reconciler reads again on its next pass.
//   - An outcome (one notifier's answer) is written by whoever sent it, leader or not any more: it is
//     a fact. Read-modify-write on the mod revision, a few attempts; failures are returned, not thrown.
import type { Etcd, Session } from "./etcd-api.js";
import { decodeNoticeRecord, withOutcome, type NoticeRecord, type NotifierOutcome } from "../notify/notice-record.js";

export interface StoredNotice {
  record: NoticeRecord;
  modRevision: number;
}

export type ClaimResult = { ok: true } | { ok: false; reason: "not-leader" | "changed" | "unreachable"; message: string };

export function noticesPrefix(prefix: string): string {
  return `${prefix.replace(/\/+$/, "")}/notices/`;
}

export function noticeKey(prefix: string, root: string): string {
  return noticesPrefix(prefix) + encodeURIComponent(root);
}

/** Every record, by root; records that do not parse are reported through `onBad` and skipped. */
export async function readNotices(etcd: Etcd, prefix: string, onBad?: (key: string) => void): Promise<Map<string, StoredNotice>> {
  const { kvs } = await etcd.range(noticesPrefix(prefix));
  const out = new Map<string, StoredNotice>();
  for (const kv of kvs) {
    const record = decodeNoticeRecord(kv.value);
    if (record) out.set(record.root, { record, modRevision: kv.modRevision });
    else onBad?.(kv.key);
  }
  return out;
}

/** Writes `next` if this session still leads with `token` and the record is as last read (`modRevision`, 0: absent). */
export async function claimNotice(session: Session, token: number, modRevision: number, next: NoticeRecord): Promise<ClaimResult> {
  const prefix = session.prefix.replace(/\/+$/, "");
  const leader = `${prefix}/leader`;
  const key = noticeKey(prefix, next.root);
  try {
    const result = await session.etcd.txn({
      compare: [
        { key: leader, target: "create", result: "equal", value: token },
        { key: leader, target: "value", result: "equal", value: session.name },
        { key, target: "mod", result: "equal", value: modRevision },
      ],
      success: [{ put: { key, value: JSON.stringify(next) } }],
      failure: [{ range: { key: leader } }],
    });
    if (result.succeeded) return { ok: true };
    const holder = result.responses[0]?.[0];
    if (!holder || holder.value !== session.name || holder.createRevision !== token) {
      return { ok: false, reason: "not-leader", message: `${session.name} no longer leads (token ${token}); the notice for ${next.root} is left to the leader` };
    }
    return { ok: false, reason: "changed", message: `the notice record for ${next.root} changed since it was read; reading it again` };
  } catch (error) {
    return { ok: false, reason: "unreachable", message: `claiming the notice for ${next.root} failed: ${(error as Error).message}` };
  }
}

/** Adds one notifier's outcome to a notice; an error message when etcd could not be written. */
export async function recordNoticeOutcome(etcd: Etcd, prefix: string, root: string, notice: string, notifier: string, outcome: NotifierOutcome): Promise<string | undefined> {
  const key = noticeKey(prefix, root);
  let last = "the record kept changing";
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      const kv = await etcd.get(key);
      const record = kv ? decodeNoticeRecord(kv.value) : undefined;
      if (!kv || !record) return `no notice record for ${root} to add ${notifier}'s outcome to`;
      const next = withOutcome(record, notice, notifier, outcome);
      const result = await etcd.txn({ compare: [{ key, target: "mod", result: "equal", value: kv.modRevision }], success: [{ put: { key, value: JSON.stringify(next) } }] });
      if (result.succeeded) return undefined;
    } catch (error) {
      last = (error as Error).message;
    }
  }
  return `recording ${notifier}'s outcome for the ${notice} notice of ${root} failed: ${last}`;
}
