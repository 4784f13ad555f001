// The delivery record's decisions: what a leader taking over sends, and what it must never send again.
import { describe, expect, it } from "vitest";
import type { Notification } from "./notifier.js";
import {
  decodeNoticeRecord, dueReminder, newEpisode, openingIsNews, owedRecipients, resolutionIsNews, seenAlone, updateIsNews, withClaim, withOutcome,
  type NoticeClaim,
} from "./notice-record.js";

const n = (event: Notification["event"], title = "app is down"): Notification => ({ key: "incident:1", event, severity: "high", title, body: "service app is down.", at: 0, fields: {} });
const claim = (at: number, event: Notification["event"] = "opened", by = "h001", run = "run-1"): NoticeClaim => ({ by, run, token: 7, at, notification: n(event), recipients: ["hook", "ntfy"], outcomes: {} });
const opened = (openedAt = 1_000) => withClaim(newEpisode("service:app", openedAt, "app is down"), "opened", claim(openedAt + 10));

describe("notice record", () => {
  it("an opening is news when there is no record, or the last episode ended before it opened", () => {
    expect(openingIsNews(undefined, 1_000)).toBe(true);
    const record = opened(1_000);
    expect(openingIsNews(record, 1_500)).toBe(false);
    const resolved = withClaim(record, "resolved", claim(5_000, "resolved"));
    expect(resolved.resolvedAt).toBe(5_000);
    expect(openingIsNews(resolved, 4_000)).toBe(false);
    expect(openingIsNews(resolved, 6_000)).toBe(true);
  });

  it("a resolution is sent once, and only for an episode whose opening went out", () => {
    const record = opened(1_000);
    expect(resolutionIsNews(record, 3_000)).toBe(true);
    expect(resolutionIsNews(withClaim(record, "resolved", claim(3_000, "resolved", "h002", "run-2")), 3_100)).toBe(false);
    expect(resolutionIsNews(newEpisode("service:app", 1_000, "app is down"), 3_000)).toBe(false);
    expect(resolutionIsNews(undefined, 3_000)).toBe(false);
    // A follower's resolution from an earlier episode does not end the current one.
    expect(resolutionIsNews(record, 900)).toBe(false);
  });

  it("an update is sent once per reason while the episode is open", () => {
    const record = opened();
    expect(updateIsNews(record, "Severity rose to critical.")).toBe(true);
    const updated = withClaim(record, "updated:Severity rose to critical.", claim(2_000, "updated"));
    expect(updateIsNews(updated, "Severity rose to critical.")).toBe(false);
    expect(updateIsNews(withClaim(updated, "resolved", claim(3_000, "resolved")), "Now explained by host nas.")).toBe(false);
  });

  it("reminders count from the last notice and stop with the resolution", () => {
    const record = opened(1_000);
    expect(dueReminder(record, 50_000, undefined)).toBeUndefined();
    expect(dueReminder(record, 50_000, 60_000)).toBeUndefined();
    expect(dueReminder(record, 61_010, 60_000)).toBe("reminder:1");
    const reminded = withClaim(record, "reminder:1", claim(61_010, "reminder"));
    expect(dueReminder(reminded, 100_000, 60_000)).toBeUndefined();
    expect(dueReminder(reminded, 121_010, 60_000)).toBe("reminder:2");
    expect(dueReminder(withClaim(reminded, "resolved", claim(122_000, "resolved")), 999_999, 60_000)).toBeUndefined();
  });

  it("a claim whose claimant died owes only the notifiers that never answered, after the grace", () => {
    const answered = withOutcome(opened(1_000), "opened", "hook", { outcome: "sent", at: 1_020, attempts: 1 }).notices.opened!;
    expect(owedRecipients(answered, "run-1", 100_000, 30_000)).toEqual([]);
    expect(owedRecipients(answered, "run-2", 20_000, 30_000)).toEqual([]);
    expect(owedRecipients(answered, "run-2", 100_000, 30_000)).toEqual(["ntfy"]);
    const failed = withOutcome({ notices: { opened: answered } } as never, "opened", "ntfy", { outcome: "failed", at: 1_030, attempts: 5, reason: "HTTP 500" });
    expect(owedRecipients(failed.notices.opened!, "run-2", 100_000, 30_000)).toEqual([]);
  });

  it("round-trips through JSON and refuses what is not a record", () => {
    const record = withOutcome(opened(), "opened", "hook", { outcome: "sent", at: 1_020, attempts: 1 });
    expect(decodeNoticeRecord(JSON.stringify(record))).toEqual(record);
    expect(decodeNoticeRecord("not json")).toBeUndefined();
    expect(decodeNoticeRecord(JSON.stringify({ root: "x" }))).toBeUndefined();
  });

  it("marks a message sent by one agent alone", () => {
    const marked = seenAlone(n("opened"), "h002");
    expect(marked.title).toBe("app is down (seen from h002 alone)");
    expect(marked.body).toContain("Seen from h002 alone");
    expect(marked.fields).toMatchObject({ vantage: "h002", alone: true });
  });
});
