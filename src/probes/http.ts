// The http kind: one request to an HTTP(S) URL, judged on status, body, a JSON value and latency.
// `checks: [ { http: "https://hs.example.org/health" } ]` is the shorthand for a GET expecting 2xx.
import { z } from "zod";
import { defineProbe } from "./probe.js";
import { httpRequest } from "./http-request.js";
import { latencyMismatch, maxLatencySchema, textExpectSchema, textMismatch } from "./expect.js";
import { lookupJsonPath, parseJsonPath } from "./json-path.js";
import { resolveValues, secretValueSchema } from "./secret-value.js";
import { failed, passed, raceAbort, stopwatch, timedOut } from "./result.js";

/** Redirects followed at most when `follow_redirects` is on. */
export const MAX_REDIRECTS = 5;

const urlSchema = z
  .string()
  .describe("The URL to request (http:// or https://).")
  .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), {
    message: 'expected an http:// or https:// URL such as "https://hs.example.org/health"',
  });

const statusCode = z.number().int().min(100).max(599);
const statusSchema = z
  .union([statusCode, z.array(statusCode).min(1), z.string().regex(/^[1-5]xx$/, { message: 'expected a status class such as "2xx"' })])
  .default("2xx")
  .describe('Accepted status: a code (200), a list ([200, 204]) or a class ("2xx"). Default "2xx".');

const jsonExpectSchema = z
  .strictObject({
    path: z
      .string()
      .describe('Where the value sits in the JSON body: "$.status", "$.checks[0].state", "$[\'a key\']".')
      .refine((path) => parseJsonPath(path) !== undefined, { message: 'expected a JSON path such as "$.status" or "$.items[0].name"' }),
    equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).describe("The value expected at that path."),
  })
  .describe("A value the JSON body must hold.");

const httpObjectSchema = z.strictObject({
  url: urlSchema,
  method: z.enum(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]).default("GET").describe("Request method. Default GET."),
  status: statusSchema,
  body: textExpectSchema.optional().describe("What the response body must contain or match."),
  json: jsonExpectSchema.optional(),
  headers: z
    .record(z.string(), secretValueSchema)
    .default({})
    .describe('Request headers; a value may be { secret: "env:TOKEN", prefix: "Bearer " } to keep a token out of the config.'),
  max_latency: maxLatencySchema,
  tls_verify: z.boolean().default(true).describe("Verify the server's certificate and name. Default true."),
  follow_redirects: z.boolean().default(true).describe(`Follow up to ${MAX_REDIRECTS} redirects. Default true.`),
});

export const httpSchema = z
  .union([urlSchema.transform((url) => httpObjectSchema.parse({ url })), httpObjectSchema])
  .describe('An HTTP(S) check: a URL (GET, expecting 2xx) or { url, method, status, body, json, headers, max_latency, tls_verify, follow_redirects }.');

export type HttpSpec = z.output<typeof httpSchema>;

function statusAccepted(expected: HttpSpec["status"], status: number): boolean {
  if (typeof expected === "number") return status === expected;
  if (Array.isArray(expected)) return expected.includes(status);
  return String(status)[0] === expected[0];
}

function statusText(expected: HttpSpec["status"]): string {
  return Array.isArray(expected) ? expected.join(" or ") : String(expected);
}

/** Describes how the JSON body misses the expectation, or undefined when it holds. */
function jsonMismatch(body: string, expect: NonNullable<HttpSpec["json"]>): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return "the body is not JSON";
  }
  const found = lookupJsonPath(parsed, parseJsonPath(expect.path) ?? []);
  if (!found.found) return `the JSON body has nothing at ${expect.path}`;
  if (found.value !== expect.equals) return `${expect.path} is ${JSON.stringify(found.value)}, expected ${JSON.stringify(expect.equals)}`;
  return undefined;
}

export const http = defineProbe({
  kind: "http",
  schema: httpSchema,
  describe: (spec) => `${spec.method} ${spec.url}`,
  async run(spec, ctx) {
    const elapsed = stopwatch();
    const target = `${spec.method} ${spec.url}`;
    let headers: Record<string, string>;
    try {
      headers = await resolveValues(spec.headers, ctx);
    } catch (error) {
      return failed("secret", `${target} was not sent: ${(error as Error).message}.`, elapsed());
    }
    const outcome = await raceAbort(
      ctx.signal,
      httpRequest({ url: spec.url, method: spec.method, headers, tlsVerify: spec.tls_verify, maxRedirects: spec.follow_redirects ? MAX_REDIRECTS : 0, signal: ctx.signal }),
      () => undefined,
    );
    const latencyMs = elapsed();
    if (outcome === undefined || ctx.signal.aborted) return timedOut(target, ctx, latencyMs);
    if (!outcome.ok) return failed(outcome.failure.reason, `${target} failed: ${outcome.failure.text}.`, latencyMs);
    const { status, body, url, redirects } = outcome.response;
    const details = { status, url, redirects, bytes: Buffer.byteLength(body) };
    if (!statusAccepted(spec.status, status)) {
      return failed("status", `${target} answered ${status}, expected ${statusText(spec.status)}.`, latencyMs, details);
    }
    const bodyProblem = textMismatch("the body", body, spec.body);
    if (bodyProblem !== undefined) return failed("body", `${target} answered ${status} but ${bodyProblem}.`, latencyMs, details);
    const jsonProblem = spec.json === undefined ? undefined : jsonMismatch(body, spec.json);
    if (jsonProblem !== undefined) return failed("json", `${target} answered ${status} but ${jsonProblem}.`, latencyMs, details);
    const slow = latencyMismatch(latencyMs, spec.max_latency);
    if (slow !== undefined) return failed("slow", `${target} answered ${status} but ${slow}.`, latencyMs, details);
    return passed(`${target} answered ${status}${redirects > 0 ? ` after ${redirects} redirect(s)` : ""}.`, latencyMs, details);
  },
});
