// The ping kind: the system `ping` (iputils) sends a few ICMP echoes; packet loss and the average
// round trip are judged. Run with execFile and an argument list, never through a shell.
import { execFile } from "node:child_process";
import { z } from "zod";
import { defineProbe } from "./probe.js";
import { hostSchema } from "./host-port.js";
import { latencyMismatch, maxLatencySchema } from "./expect.js";
import { failed, passed, raceAbort, stopwatch, timedOut } from "./result.js";

const pingObjectSchema = z.strictObject({
  host: hostSchema,
  count: z.number().int().min(1).max(20).default(3).describe("Echo requests to send. Default 3."),
  max_loss: z.number().min(0).max(100).default(50).describe("Highest acceptable packet loss, in percent. Default 50."),
  max_rtt: maxLatencySchema.describe('Fail with reason "slow" when the average round trip is longer than this.'),
});

export const pingSchema = z
  .union([hostSchema.transform((host) => pingObjectSchema.parse({ host })), pingObjectSchema])
  .describe('A ping check: a host, or { host, count, max_loss, max_rtt }.');

export type PingSpec = z.output<typeof pingSchema>;

export interface PingSummary {
  transmitted: number;
  received: number;
  lossPercent: number;
  avgRttMs?: number;
}

/** Reads iputils' summary ("3 packets transmitted, 3 received, 0% packet loss" and "rtt min/avg/max/mdev = …"). */
export function parsePingOutput(output: string): PingSummary | undefined {
  const counts = /(\d+) packets transmitted, (\d+) (?:packets )?received(?:, \+\d+ errors)?, ([\d.]+)% packet loss/.exec(output);
  if (counts === null) return undefined;
  const rtt = /(?:rtt|round-trip) min\/avg\/max\/(?:mdev|stddev) = [\d.]+\/([\d.]+)\//.exec(output);
  const summary: PingSummary = { transmitted: Number(counts[1]), received: Number(counts[2]), lossPercent: Number(counts[3]) };
  if (rtt !== null) summary.avgRttMs = Number(rtt[1]);
  return summary;
}

/**
 * The probe reason for what ping says when it sends nothing: "ping: connect: Network is unreachable" (no
 * route; "Invalid argument" on a blackhole route), "ping: db.lan: Name or service not known" (a name).
 */
export function complaintReason(said: string): string {
  if (/(connect|sendmsg|sendto): (Network is unreachable|No route to host|Invalid argument|Permission denied|Operation not permitted)/i.test(said)) return "unreachable";
  // iputils' words for EACCES on send (a prohibit route or a firewall rule).
  if (/check your local firewall rules/i.test(said)) return "unreachable";
  if (/Name or service not known|Temporary failure in name resolution|No address associated|Unknown host/i.test(said)) return "dns";
  return "error";
}

interface PingRun {
  stdout: string;
  stderr: string;
  error: (Error & { code?: unknown }) | null;
}

function runPing(args: string[], signal: AbortSignal): Promise<PingRun> {
  return new Promise((resolve) => {
    execFile("ping", args, { signal, killSignal: "SIGKILL", encoding: "utf8" }, (error, stdout, stderr) => resolve({ stdout, stderr, error }));
  });
}

export const ping = defineProbe({
  kind: "ping",
  schema: pingSchema,
  describe: (spec) => `ping ${spec.host}`,
  async run(spec, ctx) {
    const elapsed = stopwatch();
    const target = `ping ${spec.host}`;
    // -n: no reverse lookups; -i 0.2: the shortest interval allowed without root; -w: ping's own deadline,
    // so that it prints its summary before our timeout kills it.
    const deadline = Math.max(1, Math.floor(ctx.timeoutMs / 1000) - 1);
    const args = ["-n", "-c", String(spec.count), "-i", "0.2", "-W", String(Math.min(deadline, 5)), "-w", String(deadline), "--", spec.host];
    const run = await raceAbort(ctx.signal, runPing(args, ctx.signal), () => undefined);
    const latencyMs = elapsed();
    if (run === undefined || ctx.signal.aborted) return timedOut(target, ctx, latencyMs);
    if (run.error?.code === "ENOENT") return failed("error", `${target} could not run: the ping binary is not installed (iputils-ping).`, latencyMs);
    const summary = parsePingOutput(run.stdout);
    if (summary === undefined) {
      const said = (run.stderr || run.stdout).trim().split("\n")[0] ?? "";
      return failed(complaintReason(said), `${target} failed: ${said || "ping printed no summary"}.`, latencyMs);
    }
    const details = { transmitted: summary.transmitted, received: summary.received, loss_percent: summary.lossPercent, avg_rtt_ms: summary.avgRttMs };
    const seen = `${summary.received}/${summary.transmitted} replies (${summary.lossPercent}% loss${summary.avgRttMs === undefined ? "" : `, average ${summary.avgRttMs} ms`})`;
    if (summary.received === 0) return failed("unreachable", `${target} got no replies to ${summary.transmitted} echo requests.`, latencyMs, details);
    if (summary.lossPercent > spec.max_loss) return failed("loss", `${target} got ${seen}, more than the allowed ${spec.max_loss}% loss.`, latencyMs, details);
    const slow = summary.avgRttMs === undefined ? undefined : latencyMismatch(summary.avgRttMs, spec.max_rtt);
    if (slow !== undefined) return failed("slow", `${target} got ${seen} but the round trip is too long: ${slow}.`, latencyMs, details);
    return passed(`${target} got ${seen}.`, latencyMs, details);
  },
});
