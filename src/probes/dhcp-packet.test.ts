// The DHCP reader on crafted bytes: a well-formed offer is read (options split per RFC 3396 and carried
// in the overloaded file/sname fields too), and whatever else arrives on port 68 is ignored with a
// reason, never thrown: truncated packets and options, another transaction or client, option
// overflow, bad lengths, and random bytes.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildDiscover, readOffer } from "./dhcp-packet.js";

const XID = 0x1234abcd;
const MAC = Buffer.from([0x02, 0x00, 0x5e, 0x10, 0x20, 0x30]);

/** A BOOTREPLY for XID/MAC offering 192.168.1.50 with `options` (bytes after the magic cookie). */
function reply(options: number[], patch: (packet: Buffer) => void = () => undefined): Buffer {
  const packet = Buffer.alloc(240);
  packet[0] = 2;
  packet[1] = 1;
  packet[2] = 6;
  packet.writeUInt32BE(XID, 4);
  Buffer.from([192, 168, 1, 50]).copy(packet, 16);
  Buffer.from([192, 168, 1, 1]).copy(packet, 20);
  MAC.copy(packet, 28);
  Buffer.from([99, 130, 83, 99]).copy(packet, 236);
  patch(packet);
  return Buffer.concat([packet, Buffer.from(options)]);
}

const OFFER = [53, 1, 2];
const SERVER = [54, 4, 192, 168, 1, 1];
const DNS = [6, 8, 192, 168, 1, 2, 192, 168, 1, 3];
const ROUTER = [3, 4, 192, 168, 1, 1];
const LEASE = [51, 4, 0, 0, 0x0e, 0x10];

describe("DHCP packets", () => {
  it("builds a DISCOVER with the broadcast flag, our MAC and the options the check reads", () => {
    const packet = buildDiscover(XID, MAC);
    expect(packet.length).toBe(300);
    expect([packet[0], packet[1], packet[2]]).toEqual([1, 1, 6]);
    expect(packet.readUInt32BE(4)).toBe(XID);
    expect(packet.readUInt16BE(10)).toBe(0x8000);
    expect(packet.subarray(28, 34)).toEqual(MAC);
    expect([...packet.subarray(236, 243)]).toEqual([99, 130, 83, 99, 53, 1, 1]);
    expect([...packet.subarray(243, 250)]).toEqual([55, 5, 1, 3, 6, 51, 54]);
    expect(packet[250]).toBe(255);
  });

  it("reads an offer: server, address, routers, DNS servers, lease", () => {
    expect(readOffer(reply([...OFFER, ...SERVER, ...DNS, ...ROUTER, ...LEASE, 1, 4, 255, 255, 255, 0, 255]), XID, MAC)).toEqual({
      offer: { server: "192.168.1.1", address: "192.168.1.50", routers: ["192.168.1.1"], dnsServers: ["192.168.1.2", "192.168.1.3"], leaseSeconds: 3600, subnetMask: "255.255.255.0" },
    });
  });

  it("joins an option split in two (RFC 3396) and reads options from the overloaded file field", () => {
    const split = readOffer(reply([...OFFER, 6, 4, 10, 0, 0, 2, 0, 0, 6, 4, 10, 0, 0, 3, 255]), XID, MAC);
    expect(split).toMatchObject({ offer: { dnsServers: ["10.0.0.2", "10.0.0.3"] } });
    const overloaded = readOffer(reply([...OFFER, 52, 1, 1, 255], (packet) => Buffer.from([...DNS, 255]).copy(packet, 108)), XID, MAC);
    expect(overloaded).toMatchObject({ offer: { dnsServers: ["192.168.1.2", "192.168.1.3"] } });
  });

  it("falls back to siaddr without a server identifier, and tolerates a missing END and padding", () => {
    expect(readOffer(reply([0, 0, ...OFFER, 0, ...DNS]), XID, MAC)).toMatchObject({ offer: { server: "192.168.1.1", dnsServers: ["192.168.1.2", "192.168.1.3"], routers: [] } });
  });

  it.each([
    ["a truncated packet", reply([...OFFER, 255]).subarray(0, 200), /shorter than a DHCP message/],
    ["another transaction id", reply([...OFFER, 255], (packet) => packet.writeUInt32BE(XID + 1, 4)), /another transaction id/],
    ["another client's MAC", reply([...OFFER, 255], (packet) => (packet[33] = 0x31)), /another client/],
    ["a request, not a reply", reply([...OFFER, 255], (packet) => (packet[0] = 1)), /not a BOOTREPLY/],
    ["no magic cookie", reply([...OFFER, 255], (packet) => (packet[236] = 0)), /magic cookie/],
    ["an option running past the end", reply([...OFFER, 6, 8, 192, 168, 1, 2]), /option 6 claims 8 bytes but only 4 remain/],
    ["an option without its length byte", reply([...OFFER, 6]), /option 6 has no length byte/],
    ["option overflow in the overloaded field", reply([...OFFER, 52, 1, 3, 255], (packet) => Buffer.from([6, 200, 1, 2]).copy(packet, 108 + 124)), /overloaded options: option 6 claims 200 bytes/],
    ["a bad overload value", reply([...OFFER, 52, 1, 9, 255]), /overload value 9/],
    ["DNS servers not a multiple of 4 bytes", reply([...OFFER, 6, 5, 1, 2, 3, 4, 5, 255]), /option 6 is 5 bytes/],
    ["a router option of 3 bytes", reply([...OFFER, 3, 3, 1, 2, 3, 255]), /option 3 is 3 bytes/],
    ["an ACK, not an OFFER", reply([53, 1, 5, 255]), /message type 5, not an OFFER/],
    ["no message type", reply([...DNS, 255]), /no message type/],
    ["a message type of two bytes", reply([53, 2, 2, 2, 255]), /no message type/],
  ])("ignores %s", (_name, packet, why) => {
    const read = readOffer(packet, XID, MAC);
    expect(read).toHaveProperty("ignored");
    expect((read as { ignored: string }).ignored).toMatch(why);
  });

  it("never throws on random bytes or any truncation of a good offer", () => {
    const good = reply([...OFFER, ...SERVER, ...DNS, ...ROUTER, ...LEASE, 52, 1, 3, 255]);
    for (let length = 0; length <= good.length; length++) expect(() => readOffer(good.subarray(0, length), XID, MAC)).not.toThrow();
    for (let round = 0; round < 2000; round++) {
      const noise = randomBytes(Math.floor(Math.random() * 600));
      // Half of them get a valid header, so the option reader sees the noise.
      const packet = round % 2 === 0 ? noise : Buffer.concat([reply([]), noise]);
      expect(() => readOffer(packet, XID, MAC)).not.toThrow();
    }
  });
});
