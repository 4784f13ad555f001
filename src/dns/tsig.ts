// TSIG (RFC 8945): signs a DNS message with a shared key and checks the signature of the answer, for
// RFC 2136 updates. dns-packet neither signs nor verifies, so the TSIG record and the MAC input are
// built here byte by byte: the message, then the "TSIG variables" (key name in canonical form, class
// ANY, TTL 0, algorithm name, 48-bit time signed, fudge, error, other len, other data).
import { createHmac, timingSafeEqual } from "node:crypto";

export const TSIG_ALGORITHMS = ["hmac-sha256", "hmac-sha512"] as const;
export type TsigAlgorithm = (typeof TSIG_ALGORITHMS)[number];

export interface TsigKey {
  name: string;
  algorithm: TsigAlgorithm;
  secret: Buffer;
}

const TYPE_TSIG = 250;
const CLASS_ANY = 255;
/** Seconds of clock difference the server accepts; BIND and RFC 8945 recommend 300. */
const FUDGE = 300;

/** TSIG error codes (RFC 8945 §5.3 and RFC 2845) with what each means for the user. */
export const TSIG_ERRORS: Record<number, string> = {
  16: "BADSIG: the signature does not match; the secret differs from the server's",
  17: "BADKEY: the server does not know this key name and algorithm",
  18: "BADTIME: the clocks of this host and the server differ by more than 5 minutes",
  22: "BADTRUNC: the server refused a truncated MAC",
};

/** A domain name in canonical wire form: lower case labels, no compression. */
export function wireName(name: string): Buffer {
  const labels = name.toLowerCase().replace(/\.$/, "").split(".").filter((label) => label !== "");
  return Buffer.concat([...labels.map((label) => Buffer.concat([Buffer.from([Buffer.byteLength(label)]), Buffer.from(label)])), Buffer.from([0])]);
}

function u16(value: number): Buffer {
  const buf = Buffer.alloc(2);
  buf.writeUInt16BE(value);
  return buf;
}

function u48(value: number): Buffer {
  const buf = Buffer.alloc(6);
  buf.writeUIntBE(value, 0, 6);
  return buf;
}

function hmac(key: TsigKey, ...parts: Buffer[]): Buffer {
  const mac = createHmac(key.algorithm === "hmac-sha256" ? "sha256" : "sha512", key.secret);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

interface TsigFields {
  ownerName: string;
  algorithm: string;
  timeSigned: number;
  fudge: number;
  error: number;
  other: Buffer;
}

function variables(fields: TsigFields): Buffer {
  return Buffer.concat([wireName(fields.ownerName), u16(CLASS_ANY), Buffer.alloc(4), wireName(fields.algorithm), u48(fields.timeSigned), u16(fields.fudge), u16(fields.error), u16(fields.other.length), fields.other]);
}

/** Appends a TSIG record to `message` (which has none yet). Returns the signed message and its MAC. */
export function signMessage(message: Buffer, key: TsigKey, nowSeconds: number): { signed: Buffer; mac: Buffer } {
  const fields: TsigFields = { ownerName: key.name, algorithm: key.algorithm, timeSigned: nowSeconds, fudge: FUDGE, error: 0, other: Buffer.alloc(0) };
  const mac = hmac(key, message, variables(fields));
  const rdata = Buffer.concat([wireName(key.algorithm), u48(nowSeconds), u16(FUDGE), u16(mac.length), mac, message.subarray(0, 2), u16(0), u16(0)]);
  const record = Buffer.concat([wireName(key.name), u16(TYPE_TSIG), u16(CLASS_ANY), Buffer.alloc(4), u16(rdata.length), rdata]);
  const signed = Buffer.concat([message, record]);
  signed.writeUInt16BE(message.readUInt16BE(10) + 1, 10);
  return { signed, mac };
}

/** Reads a (possibly compressed) name at `offset`; returns it and the offset just past it. */
function readName(buf: Buffer, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let position = offset;
  let next: number | undefined;
  for (let jumps = 0; jumps < 64; jumps += 1) {
    const length = buf.readUInt8(position);
    if ((length & 0xc0) === 0xc0) {
      next ??= position + 2;
      position = buf.readUInt16BE(position) & 0x3fff;
      continue;
    }
    if (length === 0) return { name: labels.join("."), next: next ?? position + 1 };
    labels.push(buf.toString("latin1", position + 1, position + 1 + length));
    position += 1 + length;
  }
  throw new RangeError("name compression loop");
}

/** Offset of the last record of the message and its type, or undefined when it has no record. */
function lastRecord(buf: Buffer): { start: number; type: number } | undefined {
  let offset = 12;
  for (let i = 0; i < buf.readUInt16BE(4); i += 1) offset = readName(buf, offset).next + 4;
  const records = buf.readUInt16BE(6) + buf.readUInt16BE(8) + buf.readUInt16BE(10);
  let last: { start: number; type: number } | undefined;
  for (let i = 0; i < records; i += 1) {
    const start = offset;
    const afterName = readName(buf, offset).next;
    last = { start, type: buf.readUInt16BE(afterName) };
    offset = afterName + 10 + buf.readUInt16BE(afterName + 8);
  }
  return last;
}

export type ResponseSignature = { signed: false } | { signed: true; error: number; valid: boolean };

/**
 * Checks the TSIG of an answer to a request signed with `requestMac`: the MAC input is the request
 * MAC (with its length), the answer without its TSIG record (ARCOUNT less one, the original id), and
 * the answer's TSIG variables. Malformed input counts as not signed.
 */
export function verifyResponse(response: Buffer, requestMac: Buffer, key: TsigKey): ResponseSignature {
  try {
    const last = lastRecord(response);
    if (last === undefined || last.type !== TYPE_TSIG || response.readUInt16BE(10) === 0) return { signed: false };
    const owner = readName(response, last.start);
    let offset = owner.next + 10;
    const algorithm = readName(response, offset);
    offset = algorithm.next;
    const timeSigned = response.readUIntBE(offset, 6);
    const fudge = response.readUInt16BE(offset + 6);
    const macLength = response.readUInt16BE(offset + 8);
    const mac = response.subarray(offset + 10, offset + 10 + macLength);
    offset += 10 + macLength;
    const originalId = response.readUInt16BE(offset);
    const error = response.readUInt16BE(offset + 2);
    const other = response.subarray(offset + 6, offset + 6 + response.readUInt16BE(offset + 4));
    if (macLength === 0) return { signed: true, error, valid: false };
    const unsigned = Buffer.from(response.subarray(0, last.start));
    unsigned.writeUInt16BE(originalId, 0);
    unsigned.writeUInt16BE(response.readUInt16BE(10) - 1, 10);
    const fields: TsigFields = { ownerName: owner.name, algorithm: algorithm.name, timeSigned, fudge, error, other };
    const expected = hmac(key, u16(requestMac.length), requestMac, unsigned, variables(fields));
    return { signed: true, error, valid: expected.length === mac.length && timingSafeEqual(expected, mac) };
  } catch {
    return { signed: false };
  }
}
