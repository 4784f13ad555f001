// The dispatcher: the one object the agent talks to about notifications. It never makes its caller
// wait: every call returns at once and delivery happens on a queue per notifier (delivery-lane.ts).
//
//   dispatch(n)              send n to every notifier whose filters match; the same key+event
//                            within `dedupe_window_ms` goes out once. Returns false when deduped.
//   openIncident(n)          dispatch n and, with `remind_every_ms`, remind while it stays open;
//                            calling it again for an open key updates what reminders say.
//   closeIncident(key, n?)   stop reminding and send the recovery (n, or one made from the opening).
//   send(n, only?)           queue n as is (no dedupe, no reminders), to `only` these notifiers if given.
//   counters() / status()    sent, failed, retried, dropped per notifier; last success and failure.
//   stop({ drain })          cancel (default) or finish the queues first, bounded by `timeout_ms`;
//                            afterwards no timer of the dispatcher remains.
//
// Its own failures are visible: `onDeliveryFailed` hears every message given up on or dropped.
// Time comes from the injected clock and timers, so tests run reminders and backoff without sleeping.
import { formatDuration } from "../config/duration.js";
import { readSecret } from "../config/secret.js";
import type { Notification, NotifierKind, Severity } from "./notifier.js";
import { DeliveryLane } from "./delivery-lane.js";
import type { Clock, DeliveryFailure, LaneCounters, LaneStatus, Timers } from "./delivery-lane.js";
import { DEFAULT_RETRY_POLICY } from "./retry-policy.js";
import type { RetryPolicy } from "./retry-policy.js";

export type { Clock, DeliveryFailure, LaneCounters, LaneStatus, Timers } from "./delivery-lane.js";

export type NotificationEvent = Notification["event"];

/** One configured notifier: its kind, its parsed spec, and which notifications it wants. */
export interface ConfiguredNotifier {
  /** Unique label in counters and status; default "<kind>#<position>". */
  name?: string;
  kind: NotifierKind;
  spec: unknown;
  min_severity?: Severity;
  /** Events this notifier wants; default all. */
  events?: readonly NotificationEvent[];
}

export interface DispatcherOptions {
  notifiers: readonly ConfiguredNotifier[];
  clock?: Clock;
  timers?: Timers;
  retry?: RetryPolicy;
  dedupe_window_ms?: number;
  remind_every_ms?: number;
  /** Per attempt. */
  timeout_ms?: number;
  max_queue?: number;
  random?: () => number;
  secret?: (ref: string) => Promise<string>;
  onDeliveryFailed?: (failure: DeliveryFailure) => void;
  onDelivered?: (notifier: string, n: Notification, attempts: number) => void;
}

export const SEVERITY_RANK: Record<Severity, number> = { low: 0, normal: 1, high: 2, critical: 3 };

const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface OpenIncident {
  notification: Notification;
  openedAt: number;
  reminders: number;
  timer?: unknown;
}

interface Route {
  lane: DeliveryLane;
  minSeverity: Severity;
  events: ReadonlySet<NotificationEvent> | undefined;
}

export class Dispatcher {
  private readonly routes: Route[];
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly recent = new Map<string, number>();
  private readonly incidents = new Map<string, OpenIncident>();
  private stopped = false;
  private dedupedCount = 0;

  constructor(private readonly options: DispatcherOptions) {
    this.clock = options.clock ?? { now: () => Date.now() };
    this.timers = options.timers ?? realTimers;
    const names = new Set<string>();
    this.routes = options.notifiers.map((notifier, index) => {
      const name = notifier.name ?? `${notifier.kind.kind}#${index + 1}`;
      if (names.has(name)) throw new Error(`two notifiers are named ${name}; names must be unique`);
      names.add(name);
      const lane = new DeliveryLane({
        name,
        kind: notifier.kind,
        spec: notifier.spec,
        retry: options.retry ?? DEFAULT_RETRY_POLICY,
        timeoutMs: options.timeout_ms ?? 15_000,
        maxQueue: options.max_queue ?? 100,
        clock: this.clock,
        timers: this.timers,
        random: options.random ?? Math.random,
        secret: options.secret ?? ((ref) => readSecret(ref)),
        onFailed: (failure) => this.safely(() => options.onDeliveryFailed?.(failure)),
        onSent: (laneName, n, attempts) => this.safely(() => options.onDelivered?.(laneName, n, attempts)),
      });
      return { lane, minSeverity: notifier.min_severity ?? "low", events: notifier.events ? new Set(notifier.events) : undefined };
    });
  }

  /** Queues n for every matching notifier and returns at once; false when deduped or stopped. */
  dispatch(n: Notification): boolean {
    if (this.stopped) return false;
    const now = this.clock.now();
    const window = this.options.dedupe_window_ms ?? 300_000;
    for (const [id, at] of this.recent) if (now - at >= window) this.recent.delete(id);
    const id = `${n.key}\u0000${n.event}`;
    if (this.recent.has(id)) {
      this.dedupedCount++;
      return false;
    }
    this.recent.set(id, now);
    this.fanOut(n);
    return true;
  }

  /**
   * Queues n now, without dedupe or reminders (the caller keeps its own record of what went out, as
   * the etcd-coordinated incident notices do); `only` limits it to these notifiers. False when stopped.
   */
  send(n: Notification, only?: ReadonlySet<string>): boolean {
    if (this.stopped) return false;
    this.fanOut(n, only);
    return true;
  }

  /** The names of the notifiers that take n (its severity and event), in the order they were configured. */
  recipients(n: Notification): string[] {
    return this.routes.filter((route) => this.wants(route, n)).map(({ lane }) => lane.name);
  }

  openIncident(n: Notification): boolean {
    if (this.stopped) return false;
    const open = this.incidents.get(n.key);
    if (open) open.notification = n;
    else {
      const incident: OpenIncident = { notification: n, openedAt: this.clock.now(), reminders: 0 };
      this.incidents.set(n.key, incident);
      this.scheduleReminder(n.key, incident);
    }
    return this.dispatch(n);
  }

  /** Ends reminders for key and sends the recovery; false when no incident was open and no n given. */
  closeIncident(key: string, resolved?: Notification): boolean {
    const open = this.incidents.get(key);
    if (open) {
      this.incidents.delete(key);
      if (open.timer !== undefined) this.timers.clearTimeout(open.timer);
    }
    if (this.stopped) return false;
    if (resolved) return this.dispatch(resolved);
    if (!open) return false;
    const now = this.clock.now();
    const opened = open.notification;
    return this.dispatch({
      ...opened,
      event: "resolved",
      at: now,
      title: `Resolved: ${opened.title}`,
      body: `${opened.title} is resolved after ${formatDuration(now - open.openedAt)}.`,
      fields: { ...opened.fields, open_for_ms: now - open.openedAt },
    });
  }

  openIncidents(): string[] {
    return [...this.incidents.keys()];
  }

  counters(): { notifiers: Record<string, LaneCounters>; deduped: number } {
    return { notifiers: Object.fromEntries(this.routes.map(({ lane }) => [lane.name, { ...lane.counters }])), deduped: this.dedupedCount };
  }

  status(): LaneStatus[] {
    return this.routes.map(({ lane }) => lane.status());
  }

  /** Resolves when every queue is empty (backoff waits included). */
  async idle(): Promise<void> {
    await Promise.all(this.routes.map(({ lane }) => lane.idle()));
  }

  /**
   * Stops reminders and new dispatches. Without `drain`, cancels what is queued or in flight; with
   * it, lets the queues finish for at most `timeout_ms` (default 10s) and then cancels the rest.
   */
  async stop(options: { drain?: boolean; timeout_ms?: number } = {}): Promise<void> {
    this.stopped = true;
    for (const incident of this.incidents.values()) if (incident.timer !== undefined) this.timers.clearTimeout(incident.timer);
    this.incidents.clear();
    if (options.drain) {
      let deadline: unknown;
      const timedOut = new Promise<void>((resolve) => (deadline = this.timers.setTimeout(resolve, options.timeout_ms ?? 10_000)));
      await Promise.race([this.idle(), timedOut]);
      this.timers.clearTimeout(deadline);
    }
    await Promise.all(this.routes.map(({ lane }) => lane.cancel()));
  }

  private wants(route: Route, n: Notification): boolean {
    return SEVERITY_RANK[n.severity] >= SEVERITY_RANK[route.minSeverity] && (!route.events || route.events.has(n.event));
  }

  private fanOut(n: Notification, only?: ReadonlySet<string>): void {
    for (const route of this.routes) {
      if (!this.wants(route, n) || (only && !only.has(route.lane.name))) continue;
      route.lane.enqueue(n);
    }
  }

  private scheduleReminder(key: string, incident: OpenIncident): void {
    const every = this.options.remind_every_ms;
    if (every === undefined || every <= 0) return;
    incident.timer = this.timers.setTimeout(() => {
      if (this.stopped || this.incidents.get(key) !== incident) return;
      incident.reminders++;
      const now = this.clock.now();
      const base = incident.notification;
      // Reminders skip dedupe: they are the dispatcher's own repetition, already spaced by remind_every.
      this.fanOut({
        ...base,
        event: "reminder",
        at: now,
        title: `Still open: ${base.title}`,
        body: `Open for ${formatDuration(now - incident.openedAt)}. ${base.body}`,
        fields: { ...base.fields, open_for_ms: now - incident.openedAt, reminder: incident.reminders },
      });
      this.scheduleReminder(key, incident);
    }, every);
  }

  /** A failing listener never breaks delivery. */
  private safely(listener: () => void): void {
    try {
      listener();
    } catch {
      // Deliberately ignored: the listener's owner logs its own errors.
    }
  }
}

/**
 * Turns the config's notify list (items like { min_severity, ntfy: {...} }) into configured
 * notifiers, given the kinds to look up. Items without a known kind are skipped: the config rules
 * already reported them.
 */
export function notifiersFromConfig(
  items: readonly Record<string, unknown>[],
  kinds: readonly NotifierKind[],
): ConfiguredNotifier[] {
  const out: ConfiguredNotifier[] = [];
  items.forEach((item, index) => {
    const kind = kinds.find((candidate) => item[candidate.kind] !== undefined);
    if (!kind) return;
    const events = item.events as NotificationEvent[] | undefined;
    out.push({
      name: typeof item.name === "string" ? item.name : `${kind.kind}#${index + 1}`,
      kind,
      spec: item[kind.kind],
      min_severity: (item.min_severity as Severity | undefined) ?? "low",
      ...(events ? { events } : {}),
    });
  });
  return out;
}
