// `understudy check NAME`: runs one check now (or every check of a service) with the same probe code the
// agent uses, and prints what it found: result, reason, message, latency and the probe's measurements.
// Exit 0 when all passed, 1 when one failed, 2 for a name that is neither a check nor a service.
import { UnknownComponentError } from "../analysis/components.js";
import { agentProbeRunner } from "../agent/probe-runner.js";
import { readSecret } from "../config/secret.js";
import { didYouMean } from "../config/suggest.js";
import { systemClock } from "../engine/clock.js";
import type { Check, Topology } from "../model/topology.js";
import type { ProbeResult } from "../probes/probe.js";
import { colors, UsageError, writeLine, type Io } from "./io.js";
import { CONFIG_OPTION, configPath, loadTopology, parseFlags, parseFormat } from "./options.js";

export const usage = `Usage: understudy check NAME [--config FILE] [--format table|json]

  Runs a check now, by its name (see \`understudy status\`), or every check of the service NAME, and
  prints the result, the reason of a failure, the probe's message, its latency and its measurements.
  Exit status 1 when a check failed. Push checks need the running agent's heartbeats: use status.`;

/** The checks NAME stands for: a check of that name, else every check of that service. */
export function selectChecks(topology: Topology, name: string): Check[] {
  const all = [...topology.services.values()].flatMap((service) => service.checks);
  const byName = all.filter((check) => check.name === name);
  if (byName.length > 0) return byName;
  const service = topology.services.get(name);
  if (service && service.checks.length > 0) return [...service.checks];
  if (service) throw new UnknownComponentError(`service ${name} has no checks; add some under services.${name}.checks`);
  throw new UnknownComponentError(`"${name}" is neither a check nor a service${didYouMean(name, [...all.map((check) => check.name), ...topology.services.keys()])}`);
}

function detailsText(details: Record<string, unknown> | undefined): string | undefined {
  if (!details || Object.keys(details).length === 0) return undefined;
  return Object.entries(details).map(([key, value]) => `${key}=${typeof value === "object" ? JSON.stringify(value) : String(value)}`).join("  ");
}

export async function check(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...CONFIG_OPTION, format: { type: "string", short: "f" } }, usage, true);
  const format = parseFormat(values.format, usage, ["table", "json"]);
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? "which check? give a check or service name" : "one name at a time", usage);
  const { topology } = loadTopology(configPath(values.config, io.env));
  const checks = selectChecks(topology, positionals[0]!);
  const run = agentProbeRunner(systemClock, (ref) => readSecret(ref, io.env));
  const results: ProbeResult[] = await Promise.all(checks.map((one) => run(one, AbortSignal.timeout(one.timeoutMs)).catch((error: unknown): ProbeResult => ({
    ok: false, reason: "error", message: `the probe failed: ${error instanceof Error ? error.message : String(error)}`, latencyMs: 0,
  }))));
  if (format === "json") {
    writeLine(io.stdout, JSON.stringify(checks.map((one, index) => {
      const result = results[index]!;
      return { check: one.name, service: one.service, host: one.host ?? null, kind: one.kind, ok: result.ok, reason: result.reason ?? null, message: result.message, latency_ms: result.latencyMs, details: result.details ?? {} };
    }), null, 2));
  } else {
    const c = colors(io);
    checks.forEach((one, index) => {
      const result = results[index]!;
      const verdict = result.ok ? c.green("ok") : c.red(`failed: ${result.reason ?? "error"}`);
      writeLine(io.stdout, `${c.bold(one.name)}  ${verdict}  ${result.latencyMs}ms${one.host ? c.dim(`  (${one.service} on ${one.host})`) : ""}`);
      writeLine(io.stdout, `  ${result.message}`);
      const details = detailsText(result.details);
      if (details) writeLine(io.stdout, c.dim(`  ${details}`));
    });
  }
  return results.every((result) => result.ok) ? 0 : 1;
}
