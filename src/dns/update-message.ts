// The RFC 2136 UPDATE message that replaces one record set: zone section (the zone's SOA), no
// prerequisites, and an update section that deletes the RRset of (name, type) (class ANY, TTL 0, empty
// rdata: §2.5.2) and adds each value (class IN). Delete-then-add in one message is atomic on the
// server and idempotent, so a retried or resumed failover step cannot leave a half-switched record.
import dnsPacket from "dns-packet";
import type { Answer } from "dns-packet";
import type { RecordType } from "./provider.js";

const OPCODE_UPDATE = 5 << 11;
const TYPE_NUMBERS: Record<RecordType, number> = { A: 1, AAAA: 28, CNAME: 5, TXT: 16 };

/** RFC 1035 and RFC 2136 §2.2 response codes, with what each means for an update. */
export const UPDATE_RCODES: Record<number, string> = {
  1: "FORMERR: the server could not parse the update",
  2: "SERVFAIL: the server failed internally",
  3: "NXDOMAIN",
  4: "NOTIMP: the server does not implement dynamic update",
  // PowerDNS answers REFUSED, not a TSIG error, to a signature it cannot check.
  5: "REFUSED: the key or its secret is wrong, or the server's policy does not allow this update (allow-update / update-policy; PowerDNS: dnsupdate, TSIG-ALLOW-DNSUPDATE)",
  6: "YXDOMAIN",
  7: "YXRRSET",
  8: "NXRRSET",
  9: "NOTAUTH: the server is not authoritative for the zone, or the TSIG key was refused",
  10: "NOTZONE: the name is not inside the zone",
};

export function buildUpdate(id: number, zone: string, name: string, type: RecordType, values: readonly string[], ttl: number): Buffer {
  // dns-packet has no "delete RRset" form (an A record needs an address); an UNKNOWN_<n> type with an
  // empty buffer encodes exactly the empty rdata that §2.5.2 asks for.
  const deleteRrset = { name, type: `UNKNOWN_${TYPE_NUMBERS[type]}`, class: "ANY", ttl: 0, data: Buffer.alloc(0) } as unknown as Answer;
  const adds = values.map((value) => ({ name, type, class: "IN", ttl, data: value }) as Answer);
  return dnsPacket.encode({
    type: "query",
    id,
    flags: OPCODE_UPDATE,
    questions: [{ name: zone, type: "SOA", class: "IN" }],
    authorities: [deleteRrset, ...adds],
  });
}

/** The response code in the header (the low four bits of the flags). */
export function responseCode(response: Buffer): number {
  return response.readUInt16BE(2) & 0x0f;
}
