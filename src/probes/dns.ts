// The dns kind: asks one server for one name and type, and checks the response code and that the
// answer holds the expected values, so that a record changed by hand or by a failover is noticed.
import { z } from "zod";
import type { Answer } from "dns-packet";
import { defineProbe } from "./probe.js";
import { dnsQuery } from "./dns-query.js";
import { formatHostPort, hostPortString } from "./host-port.js";
import { latencyMismatch, maxLatencySchema } from "./expect.js";
import { failed, passed, raceAbort, stopwatch, timedOut } from "./result.js";

export const DNS_TYPES = ["A", "AAAA", "CNAME", "TXT", "MX", "NS", "SOA", "SRV", "PTR"] as const;
export const DNS_RCODES = ["NOERROR", "NXDOMAIN", "SERVFAIL", "REFUSED", "FORMERR", "NOTIMP"] as const;
type DnsType = (typeof DNS_TYPES)[number];

export const dnsSchema = z
  .strictObject({
    server: hostPortString(53).describe('The server to ask: "10.0.0.1", "127.0.0.1:5353" or "[fd00::1]:53" (port 53 by default).'),
    name: z.string().min(1).describe("The name to look up, e.g. hs.example.org."),
    type: z.enum(DNS_TYPES).default("A").describe("The record type. Default A."),
    answers: z
      .union([z.string(), z.array(z.string()).min(1)])
      .optional()
      .transform((value) => (value === undefined ? undefined : Array.isArray(value) ? value : [value]))
      .describe('Values the answer must contain, written as dig prints them: "10.0.0.1", "10 mail.example.org" (MX; the host alone also matches), "0 5 443 hs.example.org" (SRV).'),
    rcode: z.enum(DNS_RCODES).default("NOERROR").describe("The expected response code. Default NOERROR (with at least one record of the type)."),
    max_latency: maxLatencySchema,
  })
  .refine((spec) => spec.answers === undefined || spec.rcode === "NOERROR", {
    message: "answers can only be expected with rcode NOERROR",
    path: ["answers"],
  })
  .describe("A DNS check: { server, name, type, answers | rcode, max_latency }.");

export type DnsSpec = z.output<typeof dnsSchema>;

const NAME_TYPES = new Set<string>(["CNAME", "NS", "PTR", "MX", "SRV", "SOA"]);

function normaliseName(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

function normaliseIpv6(address: string): string {
  // The URL parser prints IPv6 addresses in their canonical compressed form.
  return URL.canParse(`http://[${address}]/`) ? new URL(`http://[${address}]/`).hostname.slice(1, -1) : address.toLowerCase();
}

/** Writes a value of the answer or of the config the same way, so that "Mail.Example.org." equals "mail.example.org". */
export function normaliseAnswer(type: DnsType, value: string): string {
  const trimmed = value.trim().replace(/\s+/g, " ");
  if (type === "AAAA") return normaliseIpv6(trimmed);
  if (NAME_TYPES.has(type)) return trimmed.split(" ").map((part) => (/^\d+$/.test(part) ? part : normaliseName(part))).join(" ");
  return trimmed;
}

/** An answer record as dig prints its data; undefined for records of other types (e.g. a CNAME before the A). */
export function formatAnswer(type: DnsType, answer: Answer): string | undefined {
  if (answer.type !== type) return undefined;
  switch (answer.type) {
    case "TXT": {
      const chunks = Array.isArray(answer.data) ? answer.data : [answer.data];
      return chunks.map((chunk) => (typeof chunk === "string" ? chunk : chunk.toString("utf8"))).join("");
    }
    case "MX":
      return normaliseAnswer(type, `${answer.data.preference} ${answer.data.exchange}`);
    case "SRV":
      return normaliseAnswer(type, `${answer.data.priority ?? 0} ${answer.data.weight ?? 0} ${answer.data.port} ${answer.data.target}`);
    case "SOA": {
      const soa = answer.data;
      return normaliseAnswer(type, `${soa.mname} ${soa.rname} ${soa.serial} ${soa.refresh} ${soa.retry} ${soa.expire} ${soa.minimum}`);
    }
    default:
      return typeof answer.data === "string" ? normaliseAnswer(type, answer.data) : undefined;
  }
}

function answerHolds(type: DnsType, expected: string, got: readonly string[]): boolean {
  const wanted = normaliseAnswer(type, expected);
  // For MX and SRV the target host alone is enough ("mail.example.org" matches "10 mail.example.org").
  return got.some((value) => value === wanted || ((type === "MX" || type === "SRV") && value.split(" ").at(-1) === wanted));
}

export const dns = defineProbe({
  kind: "dns",
  schema: dnsSchema,
  describe: (spec) => `dns ${spec.type} ${spec.name} @${formatHostPort(spec.server)}`,
  async run(spec, ctx) {
    const elapsed = stopwatch();
    const target = `dns ${spec.type} ${spec.name} @${formatHostPort(spec.server)}`;
    const outcome = await raceAbort(ctx.signal, dnsQuery(spec.server, spec.name, spec.type, ctx.signal), () => undefined);
    const latencyMs = elapsed();
    if (outcome === undefined || ctx.signal.aborted) return timedOut(target, ctx, latencyMs);
    if (!outcome.ok) return failed(outcome.failure.reason, `${target} failed: ${outcome.failure.text}.`, latencyMs);
    const { rcode, packet, transport } = outcome.response;
    const answers = (packet.answers ?? []).map((answer) => formatAnswer(spec.type, answer)).filter((value) => value !== undefined);
    const details = { rcode, answers, transport, truncated_udp: transport === "tcp" };
    const seen = answers.length === 0 ? "no records" : answers.join(", ");
    if (rcode !== spec.rcode) return failed("rcode", `${target} answered ${rcode}, expected ${spec.rcode}.`, latencyMs, details);
    if (rcode === "NOERROR" && answers.length === 0) {
      return failed("empty", `${target} answered NOERROR with no ${spec.type} records.`, latencyMs, details);
    }
    const missing = (spec.answers ?? []).filter((expected) => !answerHolds(spec.type, expected, answers));
    if (missing.length > 0) {
      return failed("answer", `${target} answered ${seen}, expected it to contain ${missing.join(", ")} (the DNS answer changed).`, latencyMs, details);
    }
    const slow = latencyMismatch(latencyMs, spec.max_latency);
    if (slow !== undefined) return failed("slow", `${target} answered ${seen} but ${slow}.`, latencyMs, details);
    return passed(`${target} answered ${rcode === "NOERROR" ? seen : rcode}.`, latencyMs, details);
  },
});
