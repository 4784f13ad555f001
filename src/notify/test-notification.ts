// `understudy notify test`, as a library function: sends one test notification through the chosen
// configured notifiers with the real dispatcher (its delivery lanes, timeout and, if asked, the retry
// policy) and collects what each one answered. Optionally sends the test's resolution too, so that
// PagerDuty and Opsgenie close the alert the test opened.
import { hostname } from "node:os";
import { Dispatcher } from "./dispatcher.js";
import type { ConfiguredNotifier, DeliveryFailure } from "./dispatcher.js";
import type { Notification } from "./notifier.js";
import type { RetryPolicy } from "./retry-policy.js";

export interface TestAnswer {
  ok: boolean;
  /** The provider's answer when it failed: "HTTP 401: …", "network error (ECONNREFUSED)", … */
  reason?: string;
  attempts?: number;
}

export interface TestResult {
  name: string;
  kind: string;
  target: string;
  opened: TestAnswer;
  resolved?: TestAnswer;
}

export interface TestOptions {
  notifiers: readonly ConfiguredNotifier[];
  secret(ref: string): Promise<string>;
  timeoutMs: number;
  /** The retry policy to use; without it one attempt, so the answer is the provider's first. */
  retry?: RetryPolicy;
  resolve?: boolean;
  now?: () => number;
}

export function testNotification(at: number, names: readonly string[]): Notification {
  return {
    key: `understudy-test:${at}`,
    event: "opened",
    severity: "normal",
    title: "Understudy test notification",
    body: `Sent by \`understudy notify test\` on ${hostname()} to check ${names.length === 1 ? `the notifier ${names[0]}` : "the configured notifiers"}. Nothing is wrong.`,
    at,
    fields: { host: hostname(), test: true },
  };
}

export async function sendTestNotifications(options: TestOptions): Promise<TestResult[]> {
  const now = options.now ?? Date.now;
  const answers = new Map<string, Partial<Record<"opened" | "resolved", TestAnswer>>>();
  const record = (name: string, event: string, answer: TestAnswer) => {
    if (event !== "opened" && event !== "resolved") return;
    answers.set(name, { ...answers.get(name), [event]: answer });
  };
  const dispatcher = new Dispatcher({
    // Filters (min_severity, events) are the config's routing; a test goes to each chosen notifier.
    notifiers: options.notifiers.map(({ name, kind, spec }) => ({ ...(name === undefined ? {} : { name }), kind, spec })),
    retry: options.retry ?? { attempts: 1, min_delay_ms: 0, max_delay_ms: 0, factor: 1 },
    timeout_ms: options.timeoutMs,
    dedupe_window_ms: 0,
    secret: options.secret,
    onDelivered: (name, n) => record(name, n.event, { ok: true }),
    onDeliveryFailed: (failure: DeliveryFailure) => record(failure.notifier, failure.notification.event, { ok: false, reason: failure.reason, attempts: failure.attempts }),
  });
  try {
    const n = testNotification(now(), options.notifiers.map((notifier) => notifier.name ?? notifier.kind.kind));
    dispatcher.openIncident(n);
    await dispatcher.idle();
    if (options.resolve) {
      dispatcher.closeIncident(n.key, { ...n, event: "resolved", at: now(), title: "Resolved: Understudy test notification", body: "The test notification is resolved." });
      await dispatcher.idle();
    }
  } finally {
    await dispatcher.stop();
  }
  return dispatcher.status().map((lane) => {
    const answer = answers.get(lane.name) ?? {};
    const missing: TestAnswer = { ok: false, reason: "no answer (the dispatcher dropped it)" };
    return { name: lane.name, kind: lane.kind, target: lane.target, opened: answer.opened ?? missing, ...(options.resolve ? { resolved: answer.resolved ?? missing } : {}) };
  });
}
