// No two primaries: an instance whose fence could not reach it (unreachable, timed out) is left
// `pending-fence` by the run, and this retrier fences it until done — with backoff, and at once when
// its host is seen again (`poke`), so an old primary that comes back while the standby serves is
// stopped before anything calls it up again. Only then does it become `catching-up` (replication may
// ship to it). While one is pending people are told: one notification when it starts, a reminder every
// `remindEveryMs`, a resolution when the fence succeeded. The state lives in the store, so a restarted
// agent goes on retrying. Time comes from the injected clock; the caller drives `tick`.
import type { Clock } from "../engine/clock.js";
import type { Topology } from "../model/topology.js";
import type { Store } from "../store/db.js";
import type { StepOutcome } from "./execute.js";
import { InstanceState, instancesIn, writeInstanceState } from "./instance-states.js";

export interface PendingFenceAlert {
  service: string;
  host: string;
  event: "opened" | "reminder" | "resolved";
  title: string;
  body: string;
}

export interface PendingFenceDeps {
  store: Store;
  clock: Clock;
  topology(): Topology;
  activeHost(service: string): string | undefined;
  /** Runs the service's fence action against `host` (the real one is fenceInstance in steps.ts). */
  fence(service: string, host: string, signal: AbortSignal): Promise<StepOutcome>;
  alert(alert: PendingFenceAlert): void;
  log(level: "info" | "warn", message: string, fields: Record<string, unknown>): void;
  /** Whether this agent may act (the leader). */
  acting(): boolean;
}

export const FENCE_RETRY = { minDelayMs: 1_000, maxDelayMs: 10_000 } as const;
const REMIND_EVERY_MS = 60 * 60_000;

interface Attempts {
  count: number;
  nextAt: number;
  alertedAt: number | undefined;
  last: string;
}

export class PendingFences {
  private readonly attempts = new Map<string, Attempts>();
  private busy: Promise<void> | undefined;

  constructor(private readonly deps: PendingFenceDeps, private readonly remindEveryMs = REMIND_EVERY_MS) {}

  /** The host was seen again (or a person asks): retry its fence at the next tick. */
  poke(service: string, host: string): void {
    const entry = this.attempts.get(`${service}@${host}`);
    if (entry) entry.nextAt = 0;
  }

  /** One pass: each pending fence that is due is tried once. Passes never overlap. */
  tick(signal: AbortSignal): Promise<void> {
    this.busy ??= this.pass(signal).finally(() => (this.busy = undefined));
    return this.busy;
  }

  private async pass(signal: AbortSignal): Promise<void> {
    const { clock } = this.deps;
    const pending = instancesIn(this.deps.store, InstanceState.pendingFence);
    const seen = new Set(pending.map(({ service, host }) => `${service}@${host}`));
    for (const key of [...this.attempts.keys()]) if (!seen.has(key)) this.attempts.delete(key);
    if (!this.deps.acting()) return;
    for (const { service, host, entry } of pending) {
      if (signal.aborted) return;
      const placement = this.deps.topology().services.get(service)?.placement;
      if (placement?.kind !== "failover" || ![placement.primary, ...placement.standby].includes(host)) continue;
      if (host === this.deps.activeHost(service)) continue;
      const key = `${service}@${host}`;
      const state = this.attempts.get(key) ?? { count: 0, nextAt: 0, alertedAt: undefined, last: entry.reason };
      this.attempts.set(key, state);
      const now = clock.now();
      if (state.alertedAt === undefined || now - state.alertedAt >= this.remindEveryMs) {
        const first = state.alertedAt === undefined;
        state.alertedAt = now;
        this.deps.alert({
          service, host, event: first ? "opened" : "reminder",
          title: `${host} may still serve ${service}: its fence is pending`,
          body: `${entry.reason}. ${service} is served by ${this.deps.activeHost(service)}; Understudy retries the fence of ${host} until it succeeds (last: ${state.last}). If ${host} is gone for good, fence it by hand (power it off).`,
        });
      }
      if (now < state.nextAt) continue;
      state.count += 1;
      const outcome = await this.deps.fence(service, host, signal).catch((error: unknown): StepOutcome => ({ status: "failed", reason: "error", output: String(error) }));
      if (outcome.status === "done") {
        writeInstanceState(this.deps.store, service, host, InstanceState.catchingUp, clock.now(), `fenced after ${state.count} retries; receiving ${this.deps.activeHost(service)}'s data`);
        this.attempts.delete(key);
        this.deps.log("info", `${service}: ${host} fenced (retry ${state.count}): ${outcome.output}`, { event: "failover.fence.done", service, host, attempts: state.count });
        this.deps.alert({ service, host, event: "resolved", title: `${host} fenced: ${service} has one primary again`, body: `${outcome.output}. ${host} is catching up from ${this.deps.activeHost(service)}.` });
        continue;
      }
      state.last = outcome.output;
      state.nextAt = clock.now() + Math.min(FENCE_RETRY.maxDelayMs, FENCE_RETRY.minDelayMs * 2 ** Math.min(state.count - 1, 10));
      this.deps.log("warn", `${service}: fence of ${host} still pending (attempt ${state.count}): ${outcome.output}`, { event: "failover.fence.pending", service, host, attempts: state.count });
    }
  }
}
