// The agent's metrics as Prometheus sees them: counted results and overruns, states read at scrape
// time, notifier counters that keep rising when a reload replaces the dispatcher, reload outcomes.
import { describe, expect, it } from "vitest";
import type { Check } from "../model/topology.js";
import type { LaneCounters } from "../notify/dispatcher.js";
import { createAgentMetrics, type MetricsSource } from "./metrics.js";

const check: Check = { name: "web/http", service: "web", host: "H1", kind: "http", spec: {}, intervalMs: 1000, timeoutMs: 1000, jitterMs: 0, failureThreshold: 2, successThreshold: 1 };
const counters = (sent: number, failed = 0, dropped = 0): LaneCounters => ({ sent, failed, retried: 0, dropped });

function setup(overrides: Partial<MetricsSource> = {}) {
  const state = { notifiers: { "ntfy#1": counters(0) } as Record<string, LaneCounters>, open: 0 };
  const metrics = createAgentMetrics({
    instances: () => [{ service: "web", host: "H1", state: "down" }],
    services: () => [{ service: "web", health: "down" }],
    scheduler: () => ({ runs: 10, overruns: 1, missed: 0, clockJumps: 0, running: 2, queued: 3, lagP50Ms: 4, lagP99Ms: 250, lagMaxMs: 900 }),
    notifiers: () => state.notifiers,
    openIncidents: () => state.open,
    ...overrides,
  }, { processMetrics: false });
  return { metrics, state };
}

const result = (ok: boolean, latencyMs: number) => ({ check, result: { ok, message: "", latencyMs }, scheduledAt: 0, startedAt: 0, finishedAt: 0, lagMs: 0 });

describe("agent metrics", () => {
  it("counts results by check, service, host and outcome, with their latency", async () => {
    const { metrics } = setup();
    metrics.recordResult(result(true, 12));
    metrics.recordResult(result(false, 1500));
    metrics.recordResult(result(false, 2));
    metrics.recordOverrun({ check, scheduledAt: 0, overruns: 1 });
    const text = await metrics.render();
    expect(text).toContain('understudy_check_results_total{check="web/http",service="web",host="H1",ok="true"} 1');
    expect(text).toContain('understudy_check_results_total{check="web/http",service="web",host="H1",ok="false"} 2');
    expect(text).toContain('understudy_check_latency_seconds{check="web/http",service="web"} 0.002');
    expect(text).toContain('understudy_probe_latency_seconds_bucket{le="0.025",service="web"} 2');
    expect(text).toContain('understudy_probe_latency_seconds_count{service="web"} 3');
    expect(text).toContain('understudy_check_overruns_total{check="web/http"} 1');
  });

  it("reads instance and service states, scheduler lag and open incidents when scraped", async () => {
    const { metrics, state } = setup();
    state.open = 2;
    const text = await metrics.render();
    expect(text).toContain('understudy_instance_state{service="web",host="H1",state="down"} 1');
    expect(text).toContain('understudy_instance_state{service="web",host="H1",state="up"} 0');
    expect(text).toContain('understudy_service_health{service="web",health="down"} 1');
    expect(text).toContain('understudy_scheduler_lag_seconds{quantile="0.99"} 0.25');
    expect(text).toContain('understudy_scheduler_queue{state="queued"} 3');
    expect(text).toContain("understudy_open_incidents 2");
  });

  it("follows the dispatcher's counters and never lets them fall when a reload replaces it", async () => {
    const { metrics, state } = setup();
    state.notifiers = { "ntfy#1": counters(3, 1, 1) };
    expect(await metrics.render()).toContain('understudy_notifications_sent_total{notifier="ntfy#1"} 3');
    state.notifiers = { "ntfy#1": counters(1) };
    const text = await metrics.render();
    expect(text).toContain('understudy_notifications_sent_total{notifier="ntfy#1"} 4');
    expect(text).toContain('understudy_notifications_failed_total{notifier="ntfy#1"} 2');
  });

  it("counts reloads by result and says whether the last one worked", async () => {
    const { metrics } = setup();
    expect(await metrics.render()).toContain("understudy_config_last_reload_successful 1");
    metrics.recordReload(false, 1_700_000_000_000);
    const text = await metrics.render();
    expect(text).toContain('understudy_config_reloads_total{result="failure"} 1');
    expect(text).toContain('understudy_config_reloads_total{result="success"} 0');
    expect(text).toContain("understudy_config_last_reload_successful 0");
    expect(text).toContain("understudy_config_last_reload_timestamp_seconds 1700000000");
  });

  it("keeps the latency distribution per service, so series do not multiply by buckets per check", async () => {
    const { metrics } = setup();
    for (let i = 0; i < 50; i++) metrics.recordResult({ ...result(true, i), check: { ...check, name: `web/http-${i}` } });
    const text = await metrics.render();
    const series = (name: string) => text.split("\n").filter((line) => line.startsWith(name)).length;
    expect(series("understudy_check_latency_seconds{")).toBe(50);
    expect(series("understudy_probe_latency_seconds_bucket{")).toBe(13);
    expect(text).toContain('understudy_probe_latency_seconds_count{service="web"} 50');
  });

  it("renders well-formed exposition text: each family typed once before its samples, label values escaped", async () => {
    const { metrics } = setup();
    metrics.recordResult({ ...result(false, 30), check: { ...check, name: 'web/say "hi"\\now' } });
    metrics.recordOverrun({ check, scheduledAt: 0, overruns: 1 });
    const text = await metrics.render();
    expect(text).toContain('understudy_check_results_total{check="web/say \\"hi\\"\\\\now",service="web",host="H1",ok="false"} 1');
    const typed = new Set<string>();
    for (const line of text.split("\n")) {
      if (line === "" || line.startsWith("# HELP ")) continue;
      const type = /^# TYPE (\w+) (counter|gauge|histogram|summary)$/.exec(line);
      if (type) {
        expect(typed.has(type[1]!), `${type[1]} typed twice`).toBe(false);
        typed.add(type[1]!);
        continue;
      }
      const sample = /^(\w+?)(_bucket|_sum|_count)?(\{(\w+="(\\.|[^"\\])*",?)*\})? -?[\d.e+-]+$/.exec(line);
      expect(sample, line).not.toBeNull();
      expect(typed.has(sample![1]!) || typed.has(`${sample![1]}${sample![2] ?? ""}`), `${line} before its TYPE`).toBe(true);
    }
  });

  it("keeps each agent's metrics apart (its own registry)", async () => {
    const a = setup().metrics;
    const b = setup().metrics;
    a.recordResult(result(true, 1));
    expect(await b.render()).not.toContain('ok="true"} 1');
  });
});
