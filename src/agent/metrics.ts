// The agent's Prometheus metrics, on a registry of its own (never prom-client's global one, so two agents
// in one process or a test never share counters). Results and overruns are counted as they happen; the
// states (instances, services, scheduler lag, open incidents, notifier counters) are read from the running
// agent when /metrics is scraped, through `MetricsSource`, so a reload that replaces the watcher needs no
// re-wiring here. The families with a series per check, service or instance are kept by metrics-series.ts.
import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";
import type { CheckOverrunEvent, CheckResultEvent } from "../engine/events.js";
import type { SchedulerStats } from "../engine/scheduler.js";
import type { LaneCounters } from "../notify/dispatcher.js";
import { CheckSeriesBook, renderStates } from "./metrics-series.js";

export interface MetricsSource {
  instances(): ReadonlyArray<{ service: string; host: string; state: string }>;
  services(): ReadonlyArray<{ service: string; health: string }>;
  scheduler(): SchedulerStats | undefined;
  /** The dispatcher's counters per notifier (a new dispatcher after a reload starts again from 0). */
  notifiers(): Readonly<Record<string, LaneCounters>>;
  openIncidents(): number;
}

export const INSTANCE_STATES = ["unknown", "up", "suspect", "down", "recovering"] as const;
export const SERVICE_HEALTHS = ["unknown", "up", "degraded", "down"] as const;

export interface AgentMetrics {
  readonly registry: Registry;
  recordResult(event: CheckResultEvent): void;
  recordOverrun(event: CheckOverrunEvent): void;
  recordReload(ok: boolean, at: number): void;
  /** The exposition text for GET /metrics. */
  render(): Promise<string>;
}

/**
 * Turns counters read from elsewhere (which restart at 0 when their owner is replaced) into a
 * Prometheus counter that only goes up: a drop means a new owner, whose whole value is new.
 */
function follow(read: (counters: LaneCounters) => number, source: MetricsSource): (this: Counter<"notifier">) => void {
  const last = new Map<string, number>();
  return function collect() {
    for (const [name, counters] of Object.entries(source.notifiers())) {
      const value = read(counters);
      const before = last.get(name) ?? 0;
      const delta = value >= before ? value - before : value;
      if (delta > 0) this.inc({ notifier: name }, delta);
      last.set(name, value);
    }
  };
}

export function createAgentMetrics(source: MetricsSource, options: { processMetrics?: boolean } = {}): AgentMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: "understudy_" });

  // Per check and per instance: kept and rendered in metrics-series.ts, not on the registry (see there).
  // One series per check and outcome, and its last latency as a gauge (bounded by the config, like a blackbox
  // exporter's targets); the latency distribution is per service, because a histogram per check would be
  // 13 series a check, 130,000 at 10,000 checks, and Prometheus' advice is to keep histograms off
  // high-cardinality labels.
  const book = new CheckSeriesBook();
  new Gauge({
    name: "understudy_scheduler_lag_seconds", help: "Delay between a run being due and starting, over the last 15 minutes.", labelNames: ["quantile"], registers: [registry],
    collect() {
      const stats = source.scheduler();
      this.set({ quantile: "0.5" }, (stats?.lagP50Ms ?? 0) / 1000);
      this.set({ quantile: "0.99" }, (stats?.lagP99Ms ?? 0) / 1000);
      this.set({ quantile: "1" }, (stats?.lagMaxMs ?? 0) / 1000);
    },
  });
  new Gauge({
    name: "understudy_scheduler_queue", help: "Probes running and waiting for a concurrency slot.", labelNames: ["state"], registers: [registry],
    collect() {
      const stats = source.scheduler();
      this.set({ state: "running" }, stats?.running ?? 0);
      this.set({ state: "queued" }, stats?.queued ?? 0);
    },
  });
  new Counter({ name: "understudy_notifications_sent_total", help: "Notifications delivered, per notifier.", labelNames: ["notifier"], registers: [registry], collect: follow((c) => c.sent, source) });
  new Counter({
    name: "understudy_notifications_failed_total", help: "Notifications given up on (retries exhausted, or dropped), per notifier.", labelNames: ["notifier"], registers: [registry],
    collect: follow((c) => c.failed + c.dropped, source),
  });
  new Gauge({
    name: "understudy_open_incidents", help: "Incidents open now.", registers: [registry],
    collect() {
      this.set(source.openIncidents());
    },
  });
  const reloads = new Counter({ name: "understudy_config_reloads_total", help: "Config reloads, by result.", labelNames: ["result"], registers: [registry] });
  const lastReload = new Gauge({ name: "understudy_config_last_reload_successful", help: "1 when the last config reload succeeded (or none was tried), 0 when it failed.", registers: [registry] });
  const lastReloadAt = new Gauge({ name: "understudy_config_last_reload_timestamp_seconds", help: "When the config was last reloaded, successfully or not.", registers: [registry] });
  lastReload.set(1);
  // Both label values exist from the start, so a rate() over them works before the first failure.
  reloads.inc({ result: "success" }, 0);
  reloads.inc({ result: "failure" }, 0);

  return {
    registry,
    recordResult({ check, result }) {
      book.recordResult(check, result.ok, result.latencyMs);
    },
    recordOverrun({ check }) {
      book.recordOverrun(check);
    },
    recordReload(ok, at) {
      reloads.inc({ result: ok ? "success" : "failure" });
      lastReload.set(ok ? 1 : 0);
      lastReloadAt.set(at / 1000);
    },
    render: async () => `${await registry.metrics()}\n${book.render()}\n\n${renderStates(source.instances(), source.services(), INSTANCE_STATES, SERVICE_HEALTHS)}\n`,
  };
}
