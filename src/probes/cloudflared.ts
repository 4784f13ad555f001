// The cloudflared kind: a Cloudflare Tunnel replica is connected to Cloudflare's edge, read from its
// metrics server's readiness endpoint (cloudflared --metrics, e.g. localhost:20241; see
// cloudflared's metrics/readiness.go): GET /ready answers 200 when the connector holds at least one
// registered connection and 503 when it holds none, with the body
// { "status": 200, "readyConnections": 4, "connectorId": "<uuid>" }. One check per replica makes
// "two tunnel replicas" something verified rather than assumed; `min_connections` asks for more
// than one edge connection (cloudflared opens four by default).
import { z } from "zod";
import { baseUrlSchema } from "./base-url.js";
import { defineProbe } from "./probe.js";
import { httpRequest } from "./http-request.js";
import { failed, passed, raceAbort, stopwatch, timedOut } from "./result.js";

const metricsUrl = baseUrlSchema("127.0.0.1:20241", "The metrics server of one cloudflared replica (its --metrics address)");

const cloudflaredObjectSchema = z.strictObject({
  url: metricsUrl,
  min_connections: z.number().int().min(1).default(1).describe("Fail when the replica holds fewer ready connections to the edge than this. Default 1."),
});

export const cloudflaredSchema = z
  .union([metricsUrl.transform((url) => ({ url, min_connections: 1 })), cloudflaredObjectSchema])
  .describe('A Cloudflare Tunnel replica check: its metrics address ("127.0.0.1:20241"), or { url, min_connections }.');

export type CloudflaredSpec = z.output<typeof cloudflaredSchema>;

interface Readiness {
  readyConnections: number;
  connectorId?: string;
}

/** Reads cloudflared's readiness body; undefined when it is not that shape. */
function readReadiness(body: string): Readiness | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const value = parsed as { readyConnections?: unknown; connectorId?: unknown } | null;
  if (typeof value?.readyConnections !== "number") return undefined;
  return { readyConnections: value.readyConnections, ...(typeof value.connectorId === "string" ? { connectorId: value.connectorId } : {}) };
}

export const cloudflared = defineProbe({
  kind: "cloudflared",
  schema: cloudflaredSchema,
  describe: (spec) => `cloudflared ${spec.url}/ready`,
  async run(spec, ctx) {
    const elapsed = stopwatch();
    const target = `cloudflared ${spec.url}/ready`;
    const request = httpRequest({ url: `${spec.url}/ready`, method: "GET", headers: { accept: "application/json" }, tlsVerify: true, maxRedirects: 0, signal: ctx.signal });
    const outcome = await raceAbort(ctx.signal, request, () => undefined);
    const latencyMs = elapsed();
    if (outcome === undefined || ctx.signal.aborted) return timedOut(target, ctx, latencyMs);
    if (!outcome.ok) return failed(outcome.failure.reason, `${target} failed: ${outcome.failure.text}; is cloudflared running with --metrics on this address?`, latencyMs);
    const { status, body } = outcome.response;
    const readiness = readReadiness(body);
    if (readiness === undefined) {
      return failed("body", `${target} answered ${status} without a readyConnections count; is this cloudflared's metrics server?`, latencyMs, { status });
    }
    const details = { status, ready_connections: readiness.readyConnections, connector_id: readiness.connectorId };
    if (status === 503 || readiness.readyConnections === 0) {
      return failed("not_ready", `${target}: the replica holds no ready connection to Cloudflare's edge (${status}).`, latencyMs, details);
    }
    if (status !== 200) return failed("status", `${target} answered ${status}, expected 200 or 503.`, latencyMs, details);
    if (readiness.readyConnections < spec.min_connections) {
      return failed("connections", `${target}: the replica holds ${readiness.readyConnections} ready connections to the edge, fewer than the required ${spec.min_connections}.`, latencyMs, details);
    }
    return passed(`${target}: the replica holds ${readiness.readyConnections} ready connections to the edge.`, latencyMs, details);
  },
});
