// Reads a record with a plain DNS query to a chosen server: how kinds that serve DNS (RFC 2136 servers,
// dnsmasq behind a hosts file, a webhook's DNS) check what resolvers will actually be told.
import type { Answer } from "dns-packet";
import { dnsQuery } from "../probes/dns-query.js";
import type { HostPort } from "../probes/host-port.js";
import { formatHostPort } from "../probes/host-port.js";
import { failure } from "./provider.js";
import type { DnsFailureReason, RecordState, RecordType } from "./provider.js";
import { normaliseName } from "./record-values.js";

function answerText(answer: Answer): string | undefined {
  if (answer.type === "A" || answer.type === "AAAA" || answer.type === "CNAME") return answer.data;
  if (answer.type === "TXT") {
    const parts = Array.isArray(answer.data) ? answer.data : [answer.data];
    return parts.map((part) => (typeof part === "string" ? part : part.toString("utf8"))).join("");
  }
  return undefined;
}

export async function readByQuery(server: HostPort, name: string, type: RecordType, signal: AbortSignal): Promise<RecordState> {
  const where = formatHostPort(server);
  const outcome = await dnsQuery(server, name, type, signal);
  if (!outcome.ok) {
    const reason: DnsFailureReason = outcome.failure.reason === "timeout" ? "timeout" : outcome.failure.reason === "refused" || outcome.failure.reason === "unreachable" || outcome.failure.reason === "reset" ? "unreachable" : "error";
    return failure(reason, `DNS query for ${name} ${type} to ${where} failed: ${outcome.failure.text}`);
  }
  const { packet, rcode } = outcome.response;
  // NXDOMAIN and an empty NOERROR both mean "no such record": a state, not a failure.
  if (rcode !== "NOERROR" && rcode !== "NXDOMAIN") return failure("error", `${where} answered ${rcode} for ${name} ${type}`);
  const matching = (packet.answers ?? []).filter((answer) => answer.type === type && normaliseName(answer.name) === name);
  const values = matching.map(answerText).filter((value): value is string => value !== undefined);
  const ttls = matching.flatMap((answer) => ("ttl" in answer && typeof answer.ttl === "number" ? [answer.ttl] : []));
  return { ok: true, name, type, values, ttl: ttls.length === 0 ? undefined : Math.min(...ttls) };
}
