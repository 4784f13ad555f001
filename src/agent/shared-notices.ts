// One voice for several agents: the incident sink of an agent coordinated through etcd. Every agent's
// journal sees the same incidents (the quorum's verdicts), but only the leader sends, and what it sends
// is recorded per incident root in etcd (src/coord/incident-notices.ts) so that a new leader continues
// exactly where the old one stopped: it sends what was not sent and never what was.
//
// The leader reconciles (on each journal event, on taking the lead, and every `periodMs`):
//   - each of its open, announced incidents whose opening is news (no record, or the record's episode
//     ended before it opened) → claim "opened", send;
//   - each resolution or update its journal saw (kept as intents by every agent, leader or not, so a
//     follower that takes over still knows) that is news for the record → claim, send;
//   - each open record whose reminder is due (`notify_policy.remind_every`) → claim "reminder:<n>", send;
//   - each claim whose claimant (another process) died before every notifier answered → send again to
//     those notifiers only;
//   - each member agent gone (no lease) for longer than a TTL → an incident of its own, root
//     "agent:<name>" ("agent h001 is gone: 2 of 3 vantage points left; quorum still possible"),
//     resolved when its card is back (src/coord/agent-presence.ts).
// Every agent with a lease also hands the records it reads to `onRecords` (its delivery log mirrors
// them), and registers itself as a member; a deliberate stop withdraws the membership.
// An agent without a lease (cut off from etcd, or etcd not joined yet) alerts on its own, at once, with
// each message marked "seen from <agent> alone"; it also sends the resolution of what it told alone,
// marked the same, and nothing of it is handed to the record: the others never heard of it. Followers
// with a lease send nothing.
import { randomUUID } from "node:crypto";
import type { Session } from "../coord/etcd-api.js";
import { AgentAbsence, agentBack, memberKey, readPresence } from "../coord/agent-presence.js";
import { claimNotice, readNotices, recordNoticeOutcome, type StoredNotice } from "../coord/incident-notices.js";
import type { DeliveryFailure, Dispatcher } from "../notify/dispatcher.js";
import {
  dueReminder, newEpisode, openingIsNews, owedRecipients, resolutionIsNews, seenAlone, updateIsNews, withClaim,
  type NoticeRecord, type NotifierOutcome,
} from "../notify/notice-record.js";
import type { Notification } from "../notify/notifier.js";
import type { Incident } from "../store/incidents.js";
import { incidentNotification, type IncidentSink } from "./incident-notifier.js";
import type { Logger } from "./log.js";

/** What the notices need of the leadership (EtcdCoordinator has it). */
export interface SharedLeadership {
  isLeader(): boolean;
  fencingToken(): Promise<number>;
  onLeadership(listener: (event: { leading: boolean }) => void): () => void;
}

export interface SharedNoticesOptions {
  agent: string;
  dispatcher(): Dispatcher;
  now(): number;
  log: Logger;
  /** The open incidents of this agent's journal (the store's record). */
  openIncidents(): Incident[];
  /** A note for an opening (the failover hint of a manual service), if any. */
  hint(incident: Incident): string | undefined;
  remindEveryMs(): number | undefined;
  /** agents.quorum, for the "agent is gone" incidents' count of vantage points. */
  quorum(): number;
  /** How often the leader reconciles without being asked (default 2 s). */
  periodMs?: number;
  /** How long a claim may wait for its notifiers' answers before another run sends it again (default 30 s). */
  graceMs?: number;
  /** Hears every record read from etcd (every agent with a lease, each pass): the local delivery log mirrors it. */
  onRecords?(records: readonly NoticeRecord[]): void;
}

interface Intent {
  root: string;
  notice: string;
  at: number;
  notification: Notification;
}

const rootOf = (incident: Incident) => `${incident.root.kind}:${incident.root.name}`;
const INTENT_LIFETIME_MS = 3_600_000;

export class SharedNotices {
  readonly run = randomUUID();
  private coordination: { session: Session; leadership: SharedLeadership } | undefined;
  /** Store ids of incidents this agent announced alone; it closes them itself. */
  private readonly alone = new Set<number>();
  private readonly intents = new Map<string, Intent>();
  /** Notifications in flight → which notice of which root they are. */
  private readonly inFlight = new WeakMap<Notification, { root: string; notice: string }>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private offLeadership: (() => void) | undefined;
  private running: Promise<void> = Promise.resolve();
  private readonly absence = new AgentAbsence();
  /** Whether this run wrote its member key (agent-presence.ts). */
  private member = false;
  private again = false;
  private busy = false;

  constructor(private readonly options: SharedNoticesOptions) {}

  /** Coordination begins (the etcd session is open): from now on the leader speaks for all. */
  attach(leadership: SharedLeadership, session: Session): void {
    this.coordination = { session, leadership };
    const offs = [leadership.onLeadership((event) => event.leading && this.kick()), session.onLease((event) => event.kind === "granted" && this.kick())];
    this.offLeadership = () => offs.forEach((off) => off());
    this.timer = setInterval(() => this.kick(), this.options.periodMs ?? 2_000);
    this.timer.unref?.();
    // At once: the membership is written on the first pass, so an agent cut off right after its start is missed.
    this.kick();
  }

  /** Stops the loop; a deliberate stop also withdraws this agent's membership, so that no one is paged for it. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.offLeadership?.();
    await this.running.catch(() => undefined);
    const session = this.coordination?.session;
    if (session && this.member && session.lease() !== undefined) await session.etcd.delete(memberKey(session.prefix, this.options.agent)).catch(() => undefined);
  }

  /** The sink the incident journal talks to. */
  readonly sink: IncidentSink = {
    opened: (incident) => {
      if (this.isAlone()) return this.sendAlone(incident, incidentNotification("opened", incident, this.options.now(), this.options.hint(incident)), "open");
      this.kick();
    },
    updated: (incident, why) => {
      if (this.alone.has(incident.id)) return this.isAlone() ? this.sendAlone(incident, incidentNotification("updated", incident, this.options.now(), why), "open") : undefined;
      if (this.isAlone()) return;
      this.intend({ root: rootOf(incident), notice: `updated:${why}`, at: this.options.now(), notification: incidentNotification("updated", incident, this.options.now(), why) });
    },
    resolved: (incident, at, why) => {
      if (this.alone.has(incident.id)) {
        this.alone.delete(incident.id);
        return this.sendAlone(incident, incidentNotification("resolved", incident, at, why), "close");
      }
      this.intend({ root: rootOf(incident), notice: "resolved", at, notification: incidentNotification("resolved", incident, at, why) });
    },
  };

  /** The dispatcher's delivery hooks: each notifier's answer to a claimed notice goes to its record. */
  delivered(notifier: string, n: Notification, attempts: number): void {
    this.outcome(n, notifier, { outcome: "sent", at: this.options.now(), attempts });
  }

  failed(failure: DeliveryFailure): void {
    this.outcome(failure.notification, failure.notifier, { outcome: failure.outcome === "dropped" ? "dropped" : "failed", at: this.options.now(), attempts: failure.attempts, reason: failure.reason });
  }

  /** Which claimed notice of which root n is (undefined: not a claimed notice, e.g. one sent alone). */
  noticeOf(n: Notification): { root: string; notice: string } | undefined {
    return this.inFlight.get(n);
  }

  /** No lease (or no session yet): this agent speaks for itself. */
  private isAlone(): boolean {
    return this.coordination === undefined || this.coordination.session.lease() === undefined;
  }

  private sendAlone(incident: Incident, n: Notification, how: "open" | "close"): void {
    const marked = seenAlone(n, this.options.agent);
    // No reminders: once back with the others, the leader's record is the one that reminds.
    if (how === "open") this.alone.add(incident.id);
    this.options.dispatcher().dispatch(marked);
    this.options.log.warn({ event: "notify.alone", incident: incident.id, notification: n.event }, `etcd is out of reach: "${marked.title}" is sent by this agent alone`);
  }

  private intend(intent: Intent): void {
    this.intents.set(`${intent.root}\u0000${intent.notice}`, intent);
    this.kick();
  }

  /** Runs a reconciliation now, or right after the one running. */
  private kick(): void {
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.reconcile();
        } catch (error) {
          this.options.log.warn({ event: "notify.shared", err: error }, `sending incident notices through etcd failed; retrying: ${(error as Error).message}`);
        }
      } while (this.again);
    })().finally(() => (this.busy = false));
  }

  private async reconcile(): Promise<void> {
    const now = this.options.now();
    for (const [key, intent] of this.intents) if (now - intent.at > INTENT_LIFETIME_MS) this.intents.delete(key);
    const coordination = this.coordination;
    if (!coordination || coordination.session.lease() === undefined) return;
    const { session, leadership } = coordination;
    if (!this.member) {
      await session.etcd.put(memberKey(session.prefix, this.options.agent), JSON.stringify({ name: this.options.agent, joinedAt: now }));
      this.member = true;
    }
    const records = await readNotices(session.etcd, session.prefix, (key) => this.options.log.warn({ event: "notify.shared", key }, `${key} in etcd is not a notice record; it is ignored`));
    this.options.onRecords?.([...records.values()].map((stored) => stored.record));
    if (!leadership.isLeader()) return;
    const token = await leadership.fencingToken();
    const touched = new Set<string>();
    const claim = (stored: StoredNotice | undefined, record: NoticeRecord, name: string, n: Notification, only?: string[]) => this.claim(session, token, stored, record, name, n, only);

    for (const incident of this.options.openIncidents()) {
      if (incident.silenced || this.alone.has(incident.id)) continue;
      const root = rootOf(incident);
      const stored = records.get(root);
      if (!openingIsNews(stored?.record, incident.openedAt)) continue;
      const n = incidentNotification("opened", incident, now, this.options.hint(incident));
      if (!(await claim(stored, newEpisode(root, incident.openedAt, incident.title), "opened", n))) return;
      touched.add(root);
    }
    for (const [key, intent] of this.intents) {
      // A record claimed in this pass is read again in the next one.
      if (touched.has(intent.root)) {
        this.again = true;
        continue;
      }
      const stored = records.get(intent.root);
      const news = intent.notice === "resolved" ? resolutionIsNews(stored?.record, intent.at) : updateIsNews(stored?.record, intent.notice.slice("updated:".length));
      if (news && stored) {
        const n = intent.notice === "resolved" ? { ...intent.notification, title: `Resolved: ${stored.record.title}` } : intent.notification;
        if (!(await claim(stored, stored.record, intent.notice, n))) return;
        touched.add(intent.root);
      }
      this.intents.delete(key);
    }
    if (!(await this.watchAgents(session, records, touched, claim, now))) return;
    for (const stored of records.values()) {
      if (touched.has(stored.record.root)) continue;
      const reminder = dueReminder(stored.record, now, this.options.remindEveryMs());
      const opened = stored.record.notices.opened;
      if (reminder && opened) {
        const base = opened.notification;
        const n: Notification = { ...base, event: "reminder", at: now, title: `Still open: ${stored.record.title}`, body: `Still open. ${base.body}`, fields: { ...base.fields, open_for_ms: now - stored.record.openedAt } };
        if (!(await claim(stored, stored.record, reminder, n))) return;
        continue;
      }
      for (const [name, noticeClaim] of Object.entries(stored.record.notices)) {
        const owed = owedRecipients(noticeClaim, this.run, now, this.options.graceMs ?? 30_000);
        if (owed.length === 0) continue;
        this.options.log.warn({ event: "notify.handover", root: stored.record.root, notice: name, by: noticeClaim.by, notifiers: owed }, `${noticeClaim.by} claimed the ${name} notice of ${stored.record.root} but did not record ${owed.join(", ")} answering; sending it to them`);
        if (!(await claim(stored, stored.record, name, noticeClaim.notification, owed))) return;
        break;
      }
    }
  }

  /** The watchers watched: an incident per member gone longer than a lease TTL, resolved when it is back. */
  private async watchAgents(session: Session, records: Map<string, StoredNotice>, touched: Set<string>, claim: (stored: StoredNotice | undefined, record: NoticeRecord, name: string, n: Notification) => Promise<boolean>, now: number): Promise<boolean> {
    const presence = await readPresence(session.etcd, session.prefix);
    const quorum = this.options.quorum();
    for (const gone of this.absence.gone(presence, now, session.ttlMs, quorum)) {
      const root = `agent:${gone.name}`;
      const stored = records.get(root);
      if (touched.has(root) || !openingIsNews(stored?.record, gone.since)) continue;
      if (!(await claim(stored, newEpisode(root, gone.since, gone.notification.title), "opened", gone.notification))) return false;
      touched.add(root);
    }
    for (const stored of records.values()) {
      const { root } = stored.record;
      const name = root.slice("agent:".length);
      if (!root.startsWith("agent:") || touched.has(root) || !presence.live.includes(name) || !resolutionIsNews(stored.record, now)) continue;
      if (!(await claim(stored, stored.record, "resolved", agentBack(name, presence, quorum, stored.record.openedAt, now)))) return false;
      touched.add(root);
    }
    return true;
  }

  /** Claims `name` on the record (fenced), then queues n; false when the claim was refused (stop this pass). */
  private async claim(session: Session, token: number, stored: StoredNotice | undefined, record: NoticeRecord, name: string, n: Notification, only?: string[]): Promise<boolean> {
    const dispatcher = this.options.dispatcher();
    const recipients = only ?? dispatcher.recipients(n);
    const previous = record.notices[name];
    const outcomes = only && previous ? Object.fromEntries(Object.entries(previous.outcomes)) : {};
    const next = withClaim(record, name, { by: this.options.agent, run: this.run, token, at: this.options.now(), notification: n, recipients: only ? previous?.recipients ?? only : recipients, outcomes });
    const result = await claimNotice(session, token, stored?.modRevision ?? 0, next);
    if (!result.ok) {
      this.options.log[result.reason === "changed" ? "debug" : "warn"]({ event: "notify.claim", root: record.root, notice: name, reason: result.reason }, result.message);
      if (result.reason === "changed") this.again = true;
      return false;
    }
    // A fresh object per claim, so the delivery hooks know which notice each answer is for.
    const sending: Notification = { ...n };
    this.inFlight.set(sending, { root: record.root, notice: name });
    dispatcher.send(sending, only ? new Set(only) : undefined);
    this.options.log.info({ event: "notify.claimed", root: record.root, notice: name, notifiers: recipients, fencing_token: token }, `sending the ${name} notice of ${record.root} for all agents: ${n.title}`);
    return true;
  }

  private outcome(n: Notification, notifier: string, outcome: NotifierOutcome): void {
    const which = this.inFlight.get(n);
    if (!which) return;
    const session = this.coordination?.session;
    if (!session) return;
    void recordNoticeOutcome(session.etcd, session.prefix, which.root, which.notice, notifier, outcome).then((problem) => {
      if (problem) this.options.log.warn({ event: "notify.outcome", root: which.root, notice: which.notice, notifier }, problem);
    });
  }
}
