// The agent's high-cardinality metric families, kept and rendered here rather than by prom-client: one
// series (or a few) per check, per service or per instance, so 10,000 checks are 40,000 lines a scrape.
// prom-client hashes a label object on every update and builds arrays and objects for every line it
// renders (about 100 MB of garbage a scrape at that size, the agent's largest allocation); here a check's
// labels are escaped once, a result updates plain numbers, and a scrape builds one string per line.
// The text is the same Prometheus exposition format; the low-cardinality families stay on the registry.
//
// Lines are joined in chunks of CHUNK_LINES as they are made (Lines), not gathered into one array of
// 40,000 strings: a scrape is one long synchronous task, and everything it holds across the young
// generation's collections (the agent keeps that generation small, see bin/understudy.js) is copied to the
// old one; a chunk's lines die young, and only the chunk strings (a few MB in all) outlive the scrape.
import type { Check } from "../model/topology.js";

export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

interface CheckSeries {
  /** check="…" */
  readonly check: string;
  /** check="…",service="…" */
  readonly labels: string;
  readonly host: string;
  ok: number;
  failed: number;
  lastLatency: number;
  overruns: number;
}

interface ServiceSeries {
  readonly labels: string;
  /** Per bucket, not cumulative; the last one is +Inf. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

const SPECIAL = /[\\\n"]/;

export function labelValue(value: string): string {
  return SPECIAL.test(value) ? value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"') : value;
}

const CHUNK_LINES = 500;

/** Exposition lines, joined with "\n" a chunk at a time. */
class Lines {
  private readonly chunks: string[] = [];
  private current: string[] = [];

  push(...lines: string[]): void {
    for (const line of lines) this.current.push(line);
    if (this.current.length >= CHUNK_LINES) this.seal();
  }

  /** Everything pushed, one line per entry, without a trailing newline. */
  join(): string {
    this.seal();
    return this.chunks.join("\n");
  }

  private seal(): void {
    if (this.current.length === 0) return;
    this.chunks.push(this.current.join("\n"));
    this.current = [];
  }
}

function family(lines: Lines, name: string, type: string, help: string): void {
  lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
}

export class CheckSeriesBook {
  /** By the Check object of the running config: a result costs one lookup, no string. */
  private readonly byCheck = new WeakMap<Check, CheckSeries>();
  /** By labels, so a reload's new Check objects continue the same series. */
  private readonly checks = new Map<string, CheckSeries>();
  private readonly byService = new Map<string, ServiceSeries>();

  recordResult(check: Check, ok: boolean, latencyMs: number): void {
    const series = this.checkSeries(check);
    if (ok) series.ok++;
    else series.failed++;
    const seconds = latencyMs / 1000;
    series.lastLatency = seconds;
    const service = this.serviceSeries(check.service);
    let bucket = 0;
    while (bucket < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[bucket]!) bucket++;
    service.counts[bucket]!++;
    service.sum += seconds;
    service.count++;
  }

  recordOverrun(check: Check): void {
    this.checkSeries(check).overruns++;
  }

  /** Exposition text of the per-check and per-service families, without a trailing newline. */
  render(): string {
    const lines = new Lines();
    family(lines, "understudy_check_results_total", "counter", "Check results by check, service, host and outcome.");
    // Both outcomes from a check's first result on, so increase() sees its first failure.
    for (const s of this.checks.values()) {
      lines.push(`understudy_check_results_total{${s.labels},host="${s.host}",ok="true"} ${s.ok}`, `understudy_check_results_total{${s.labels},host="${s.host}",ok="false"} ${s.failed}`);
    }
    family(lines, "understudy_check_latency_seconds", "gauge", "How long the check's last probe took, successful or not.");
    for (const s of this.checks.values()) lines.push(`understudy_check_latency_seconds{${s.labels}} ${s.lastLatency}`);
    family(lines, "understudy_check_overruns_total", "counter", "Runs skipped because the previous run of the check had not finished.");
    for (const s of this.checks.values()) if (s.overruns > 0) lines.push(`understudy_check_overruns_total{${s.check}} ${s.overruns}`);
    family(lines, "understudy_probe_latency_seconds", "histogram", "How long the service's probes took, successful or not.");
    for (const s of this.byService.values()) {
      let cumulative = 0;
      for (let i = 0; i <= LATENCY_BUCKETS.length; i++) {
        cumulative += s.counts[i]!;
        lines.push(`understudy_probe_latency_seconds_bucket{le="${i < LATENCY_BUCKETS.length ? LATENCY_BUCKETS[i] : "+Inf"}",${s.labels}} ${cumulative}`);
      }
      lines.push(`understudy_probe_latency_seconds_sum{${s.labels}} ${s.sum}`, `understudy_probe_latency_seconds_count{${s.labels}} ${s.count}`);
    }
    return lines.join();
  }

  private checkSeries(check: Check): CheckSeries {
    let series = this.byCheck.get(check);
    if (series) return series;
    const name = `check="${labelValue(check.name)}"`;
    const labels = `${name},service="${labelValue(check.service)}"`;
    const host = labelValue(check.host ?? "");
    series = this.checks.get(`${labels},${host}`);
    if (!series) {
      series = { check: name, labels, host, ok: 0, failed: 0, lastLatency: 0, overruns: 0 };
      this.checks.set(`${labels},${host}`, series);
    }
    this.byCheck.set(check, series);
    return series;
  }

  private serviceSeries(service: string): ServiceSeries {
    let series = this.byService.get(service);
    if (!series) {
      series = { labels: `service="${labelValue(service)}"`, counts: new Float64Array(LATENCY_BUCKETS.length + 1), sum: 0, count: 0 };
      this.byService.set(service, series);
    }
    return series;
  }
}

/** The 1-of-N state families, rendered from the live verdicts at scrape time. */
export function renderStates(
  instances: ReadonlyArray<{ service: string; host: string; state: string }>,
  services: ReadonlyArray<{ service: string; health: string }>,
  instanceStates: readonly string[],
  serviceHealths: readonly string[],
): string {
  const lines = new Lines();
  family(lines, "understudy_instance_state", "gauge", "1 for the state each instance (service on host) is judged to be in.");
  for (const { service, host, state } of instances) {
    const labels = `service="${labelValue(service)}",host="${labelValue(host)}"`;
    for (const candidate of instanceStates) lines.push(`understudy_instance_state{${labels},state="${candidate}"} ${candidate === state ? 1 : 0}`);
  }
  family(lines, "understudy_service_health", "gauge", "1 for the health each service is judged to be in.");
  for (const { service, health } of services) {
    const labels = `service="${labelValue(service)}"`;
    for (const candidate of serviceHealths) lines.push(`understudy_service_health{${labels},health="${candidate}"} ${candidate === health ? 1 : 0}`);
  }
  return lines.join();
}
