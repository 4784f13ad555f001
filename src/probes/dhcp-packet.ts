// DHCP messages for the dhcp kind (RFC 2131 and RFC 2132): building a DHCPDISCOVER and reading a
// DHCPOFFER. The reader takes whatever arrives on UDP port 68, so it never throws: a packet that is
// too short, has another transaction id or client address, lacks the magic cookie, or whose options
// run past their field (truncated, or an overload pointing at garbage) is returned as "ignored" with
// the reason. Options split over several instances (RFC 3396) are joined; option 52 ("overload") makes
// the `file` and `sname` fields carry options too.

/** The fixed BOOTP header is 236 bytes; the magic cookie follows, then the options. */
const HEADER = 236;
const COOKIE = [99, 130, 83, 99];
const OPTIONS_START = HEADER + 4;
const SNAME = { offset: 44, length: 64 };
const FILE = { offset: 108, length: 128 };

export const DHCP = {
  DISCOVER: 1,
  OFFER: 2,
  /** Options read from an offer. */
  SUBNET_MASK: 1,
  ROUTER: 3,
  DNS: 6,
  LEASE_TIME: 51,
  OVERLOAD: 52,
  MESSAGE_TYPE: 53,
  SERVER_ID: 54,
  PARAMETER_REQUEST: 55,
  END: 255,
  PAD: 0,
} as const;

export interface Offer {
  /** The offering server's identifier (option 54), or the packet's siaddr when it has none. */
  server: string;
  /** The address offered to us (yiaddr). */
  address: string;
  subnetMask?: string;
  routers: string[];
  dnsServers: string[];
  leaseSeconds?: number;
}

export type ReadOffer = { offer: Offer } | { ignored: string };

/** A DHCPDISCOVER from `mac` (6 bytes) with transaction id `xid`, asking for the options the check reads. */
export function buildDiscover(xid: number, mac: Buffer, secs = 0): Buffer {
  const packet = Buffer.alloc(OPTIONS_START);
  packet[0] = 1; // op: BOOTREQUEST
  packet[1] = 1; // htype: Ethernet
  packet[2] = 6; // hlen
  packet.writeUInt32BE(xid >>> 0, 4);
  packet.writeUInt16BE(Math.min(secs, 0xffff), 8);
  packet.writeUInt16BE(0x8000, 10); // the broadcast flag: we have no address to be answered at
  mac.copy(packet, 28, 0, 6);
  Buffer.from(COOKIE).copy(packet, HEADER);
  const requested = [DHCP.SUBNET_MASK, DHCP.ROUTER, DHCP.DNS, DHCP.LEASE_TIME, DHCP.SERVER_ID];
  const options = Buffer.from([DHCP.MESSAGE_TYPE, 1, DHCP.DISCOVER, DHCP.PARAMETER_REQUEST, requested.length, ...requested, DHCP.END]);
  // Padded to BOOTP's minimum of 300 bytes, which some servers and relays still require.
  return Buffer.concat([packet, options, Buffer.alloc(Math.max(0, 300 - OPTIONS_START - options.length))]);
}

/** Reads one option area into `into`; an error text when an option runs past the area. */
function readOptions(area: Buffer, into: Map<number, Buffer[]>): string | undefined {
  let at = 0;
  while (at < area.length) {
    const code = area[at]!;
    if (code === DHCP.END) return undefined;
    if (code === DHCP.PAD) {
      at += 1;
      continue;
    }
    if (at + 1 >= area.length) return `option ${code} has no length byte`;
    const length = area[at + 1]!;
    if (at + 2 + length > area.length) return `option ${code} claims ${length} bytes but only ${area.length - at - 2} remain`;
    const list = into.get(code) ?? [];
    list.push(area.subarray(at + 2, at + 2 + length));
    into.set(code, list);
    at += 2 + length;
  }
  return undefined; // No END: tolerated, as most clients do.
}

const ipv4 = (bytes: Buffer, at = 0) => `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;

function addressList(value: Buffer | undefined, code: number): string[] | string {
  if (value === undefined) return [];
  if (value.length % 4 !== 0) return `option ${code} is ${value.length} bytes, not a list of IPv4 addresses`;
  const list: string[] = [];
  for (let at = 0; at < value.length; at += 4) list.push(ipv4(value, at));
  return list;
}

/**
 * Reads `packet` as a DHCPOFFER answering our DISCOVER (transaction `xid`, client `mac`).
 * Anything else, including a malformed packet, is `{ ignored: why }`.
 */
export function readOffer(packet: Buffer, xid: number, mac: Buffer): ReadOffer {
  if (packet.length < OPTIONS_START) return { ignored: `${packet.length} bytes, shorter than a DHCP message (${OPTIONS_START})` };
  if (packet[0] !== 2) return { ignored: "not a BOOTREPLY" };
  if (packet.readUInt32BE(4) !== xid >>> 0) return { ignored: "another transaction id" };
  if (!packet.subarray(28, 34).equals(mac.subarray(0, 6))) return { ignored: "another client's hardware address" };
  if (!COOKIE.every((byte, index) => packet[HEADER + index] === byte)) return { ignored: "no DHCP magic cookie" };
  const options = new Map<number, Buffer[]>();
  const problem = readOptions(packet.subarray(OPTIONS_START), options);
  if (problem !== undefined) return { ignored: `malformed options: ${problem}` };
  const overload = options.get(DHCP.OVERLOAD)?.[0]?.[0];
  if (overload !== undefined) {
    if (overload < 1 || overload > 3) return { ignored: `malformed options: overload value ${overload}` };
    options.delete(DHCP.OVERLOAD);
    for (const field of [...(overload & 1 ? [FILE] : []), ...(overload & 2 ? [SNAME] : [])]) {
      const fieldProblem = readOptions(packet.subarray(field.offset, field.offset + field.length), options);
      if (fieldProblem !== undefined) return { ignored: `malformed overloaded options: ${fieldProblem}` };
    }
  }
  const value = (code: number) => {
    const parts = options.get(code);
    return parts === undefined ? undefined : Buffer.concat(parts);
  };
  const type = value(DHCP.MESSAGE_TYPE);
  if (type?.length !== 1 || type[0] !== DHCP.OFFER) return { ignored: type?.length === 1 ? `message type ${type[0]}, not an OFFER` : "no message type" };
  const routers = addressList(value(DHCP.ROUTER), DHCP.ROUTER);
  const dnsServers = addressList(value(DHCP.DNS), DHCP.DNS);
  if (typeof routers === "string") return { ignored: `malformed options: ${routers}` };
  if (typeof dnsServers === "string") return { ignored: `malformed options: ${dnsServers}` };
  const serverId = value(DHCP.SERVER_ID);
  const mask = value(DHCP.SUBNET_MASK);
  const lease = value(DHCP.LEASE_TIME);
  const offer: Offer = {
    server: serverId?.length === 4 ? ipv4(serverId) : ipv4(packet, 20),
    address: ipv4(packet, 16),
    routers,
    dnsServers,
  };
  if (mask?.length === 4) offer.subnetMask = ipv4(mask);
  if (lease?.length === 4) offer.leaseSeconds = lease.readUInt32BE(0);
  return { offer };
}
