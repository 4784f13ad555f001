// One notifier's delivery queue: messages go out one at a time, in order, each retried by the retry
// policy. A lane waiting out a provider's backoff holds up only its own notifier. Its counters and
// last success/failure are what the dispatcher reports; a lane never throws at its caller.
import type { Notification, NotifierKind, SendResult } from "./notifier.js";
import { backoffDelay } from "./retry-policy.js";
import type { RetryPolicy } from "./retry-policy.js";

export interface Clock {
  now(): number;
}

/** The timer functions the dispatcher uses, injected so that tests advance time without sleeping. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface LaneCounters {
  sent: number;
  failed: number;
  retried: number;
  dropped: number;
}

export interface LaneStatus {
  name: string;
  kind: string;
  target: string;
  queued: number;
  last_success_at?: number;
  last_failure_at?: number;
  last_error?: string;
  consecutive_failures: number;
}

export interface DeliveryFailure {
  notifier: string;
  kind: string;
  notification: Notification;
  reason: string;
  attempts: number;
  /** "gave-up": retries exhausted or not retryable; "dropped": the queue overflowed or the dispatcher stopped. */
  outcome: "gave-up" | "dropped";
}

export interface LaneOptions {
  name: string;
  kind: NotifierKind;
  spec: unknown;
  retry: RetryPolicy;
  timeoutMs: number;
  maxQueue: number;
  clock: Clock;
  timers: Timers;
  random: () => number;
  secret(ref: string): Promise<string>;
  onFailed(failure: DeliveryFailure): void;
  /** `attempts`: 1 when the first attempt went through. */
  onSent(name: string, n: Notification, attempts: number): void;
}

export class DeliveryLane {
  readonly counters: LaneCounters = { sent: 0, failed: 0, retried: 0, dropped: 0 };
  private readonly queue: Notification[] = [];
  private readonly state: Omit<LaneStatus, "name" | "kind" | "target" | "queued"> = { consecutive_failures: 0 };
  private worker: Promise<void> | undefined;
  private cancelled = false;
  private inFlight: AbortController | undefined;
  private sleeping: { handle: unknown; wake: () => void } | undefined;

  constructor(private readonly options: LaneOptions) {}

  get name(): string {
    return this.options.name;
  }

  enqueue(n: Notification): void {
    if (this.cancelled) return;
    this.queue.push(n);
    // The head is being worked on; drop the oldest waiting one, never the one in flight.
    if (this.queue.length > this.options.maxQueue) this.drop(this.queue.splice(1, 1)[0]!, "queue full");
    this.kick();
  }

  private kick(): void {
    if (this.worker || this.cancelled) return;
    // Start on a later microtask so that the caller of enqueue never runs any delivery code.
    this.worker = Promise.resolve()
      .then(() => this.work())
      .finally(() => {
        this.worker = undefined;
        // A message may have arrived while the loop was ending.
        if (this.queue.length > 0) this.kick();
      });
  }

  /** Resolves when the queue is empty and nothing is in flight. */
  async idle(): Promise<void> {
    while (this.worker) await this.worker;
  }

  /** Stops at once: aborts the attempt in flight, ends any backoff wait, drops what is queued. */
  async cancel(): Promise<void> {
    this.cancelled = true;
    this.inFlight?.abort();
    if (this.sleeping) {
      this.options.timers.clearTimeout(this.sleeping.handle);
      this.sleeping.wake();
    }
    await this.idle();
    for (const n of this.queue.splice(0)) this.drop(n, "dispatcher stopped");
  }

  status(): LaneStatus {
    let target: string;
    try {
      target = this.options.kind.describe(this.options.spec);
    } catch {
      target = this.options.kind.kind;
    }
    return { name: this.name, kind: this.options.kind.kind, target, queued: this.queue.length, ...this.state };
  }

  private drop(n: Notification, reason: string): void {
    this.counters.dropped++;
    this.options.onFailed({ notifier: this.name, kind: this.options.kind.kind, notification: n, reason, attempts: 0, outcome: "dropped" });
  }

  private async work(): Promise<void> {
    while (!this.cancelled && this.queue.length > 0) {
      await this.deliver(this.queue[0]!);
      if (!this.cancelled) this.queue.shift();
    }
  }

  private async deliver(n: Notification): Promise<void> {
    const { retry, clock } = this.options;
    for (let attempt = 1; ; attempt++) {
      const result = await this.attempt(n);
      if (this.cancelled) return;
      if (result.ok) {
        this.counters.sent++;
        this.state.last_success_at = clock.now();
        this.state.consecutive_failures = 0;
        this.options.onSent(this.name, n, attempt);
        return;
      }
      this.state.last_failure_at = clock.now();
      this.state.last_error = result.reason;
      if (!result.retryable || attempt >= retry.attempts) {
        this.counters.failed++;
        this.state.consecutive_failures++;
        this.options.onFailed({ notifier: this.name, kind: this.options.kind.kind, notification: n, reason: result.reason, attempts: attempt, outcome: "gave-up" });
        return;
      }
      this.counters.retried++;
      await this.sleep(backoffDelay(retry, attempt, this.options.random, result.retryAfterMs));
      if (this.cancelled) return;
    }
  }

  private async attempt(n: Notification): Promise<SendResult> {
    const controller = new AbortController();
    this.inFlight = controller;
    const timer = this.options.timers.setTimeout(() => controller.abort(), this.options.timeoutMs);
    try {
      return await this.options.kind.send(this.options.spec, n, { signal: controller.signal, secret: this.options.secret });
    } catch (error) {
      // Kinds return expected failures; a throw is a bug or an unreadable secret, which retrying will not fix.
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return { ok: false, reason: controller.signal.aborted ? `timed out after ${this.options.timeoutMs}ms` : message, retryable: controller.signal.aborted };
    } finally {
      this.options.timers.clearTimeout(timer);
      this.inFlight = undefined;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        this.sleeping = undefined;
        resolve();
      };
      this.sleeping = { handle: this.options.timers.setTimeout(wake, ms), wake };
    });
  }
}
