// The headscale kind: the mesh's control plane answers its API with a valid key and lists its nodes.
// GET {url}/api/v1/node with "Authorization: Bearer <api key>" returns { "nodes": [{ id, name, online, … }] };
// a node count and an online count are reported, and `min_nodes` can require a floor of online nodes.
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import { defineProbe } from "./probe.js";
import { httpRequest } from "./http-request.js";
import { failed, passed, raceAbort, stopwatch, timedOut } from "./result.js";

export const headscaleSchema = z
  .strictObject({
    url: z
      .string()
      .describe('The Headscale server\'s base URL, e.g. "https://hs.example.org".')
      .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), { message: 'expected an http:// or https:// URL such as "https://hs.example.org"' }),
    api_key: secretRef.describe('An API key (`headscale apikeys create`), as a secret reference: "env:NAME" or "file:/path".'),
    min_nodes: z.number().int().min(0).optional().describe("Fail when fewer nodes than this are online."),
    tls_verify: z.boolean().default(true).describe("Verify the server's certificate. Default true."),
  })
  .describe("A Headscale control-plane check: { url, api_key, min_nodes, tls_verify }.");

export type HeadscaleSpec = z.output<typeof headscaleSchema>;

export function nodeListUrl(base: string): string {
  return new URL("api/v1/node", base.endsWith("/") ? base : `${base}/`).href;
}

/** Reads the node list from the body: undefined when it is not Headscale's shape. */
function readNodes(body: string): { total: number; online: number } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const nodes = (parsed as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(nodes)) return undefined;
  return { total: nodes.length, online: nodes.filter((node) => (node as { online?: unknown } | null)?.online === true).length };
}

export const headscale = defineProbe({
  kind: "headscale",
  schema: headscaleSchema,
  describe: (spec) => `headscale ${spec.url}`,
  async run(spec, ctx) {
    const elapsed = stopwatch();
    const target = `headscale ${spec.url}`;
    let key: string;
    try {
      key = await ctx.secret(spec.api_key);
    } catch (error) {
      return failed("secret", `${target} was not asked: ${(error as Error).message}.`, elapsed());
    }
    const request = httpRequest({
      url: nodeListUrl(spec.url),
      method: "GET",
      headers: { authorization: `Bearer ${key}`, accept: "application/json" },
      tlsVerify: spec.tls_verify,
      maxRedirects: 0,
      signal: ctx.signal,
    });
    const outcome = await raceAbort(ctx.signal, request, () => undefined);
    const latencyMs = elapsed();
    if (outcome === undefined || ctx.signal.aborted) return timedOut(target, ctx, latencyMs);
    if (!outcome.ok) return failed(outcome.failure.reason, `${target} failed: ${outcome.failure.text}.`, latencyMs);
    const { status, body } = outcome.response;
    if (status === 401 || status === 403) {
      return failed("auth", `${target} refused the API key (${status}); it may have expired (\`headscale apikeys list\`).`, latencyMs, { status });
    }
    if (status !== 200) return failed("status", `${target} answered ${status} to the node list, expected 200.`, latencyMs, { status });
    const nodes = readNodes(body);
    if (nodes === undefined) return failed("body", `${target} answered 200 but the body has no "nodes" list; is this a Headscale server?`, latencyMs, { status });
    const details = { status, nodes: nodes.total, online: nodes.online };
    if (spec.min_nodes !== undefined && nodes.online < spec.min_nodes) {
      return failed("nodes", `${target} lists ${nodes.online} online nodes of ${nodes.total}, fewer than the required ${spec.min_nodes}.`, latencyMs, details);
    }
    return passed(`${target} lists ${nodes.total} nodes, ${nodes.online} online.`, latencyMs, details);
  },
});
