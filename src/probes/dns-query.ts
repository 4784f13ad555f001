// One DNS question sent to one server, over UDP and again over TCP when the answer comes back
// truncated. Written on dns-packet rather than node:dns because a probe must see the response code
// (NXDOMAIN, SERVFAIL…) and talk to a chosen server and port, which node:dns does not expose.
import { createSocket } from "node:dgram";
import { connect, isIPv6 } from "node:net";
import { randomInt } from "node:crypto";
import dnsPacket from "dns-packet";
import type { DecodedPacket, RecordType } from "dns-packet";
import type { HostPort } from "./host-port.js";
import { describeNetError } from "./net-error.js";
import type { NetFailure } from "./net-error.js";

export interface DnsResponse {
  packet: DecodedPacket;
  rcode: string;
  transport: "udp" | "tcp";
}

export type DnsOutcome = { ok: true; response: DnsResponse } | { ok: false; failure: NetFailure };

export async function dnsQuery(server: HostPort, name: string, type: RecordType, signal: AbortSignal): Promise<DnsOutcome> {
  const id = randomInt(0, 65_536);
  const query = { type: "query" as const, id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: "IN" as const }] };
  const udp = await overUdp(server, dnsPacket.encode(query), id, signal);
  if (!udp.ok || !udp.response.packet.flag_tc) return udp;
  return overTcp(server, dnsPacket.streamEncode(query), id, signal);
}

function toResponse(packet: DecodedPacket, transport: "udp" | "tcp"): DnsResponse {
  // dns-packet decodes the response code but its types do not declare it.
  const rcode = (packet as DecodedPacket & { rcode?: string }).rcode ?? "NOERROR";
  return { packet, rcode, transport };
}

function overUdp(server: HostPort, message: Buffer, id: number, signal: AbortSignal): Promise<DnsOutcome> {
  return new Promise((resolve) => {
    const socket = createSocket(isIPv6(server.host) ? "udp6" : "udp4");
    const finish = (outcome: DnsOutcome) => {
      signal.removeEventListener("abort", close);
      close();
      resolve(outcome);
    };
    const close = () => {
      try {
        socket.close();
      } catch {
        // Already closed: nothing left to release.
      }
    };
    signal.addEventListener("abort", close, { once: true });
    socket.on("error", (error) => finish({ ok: false, failure: describeNetError(error) }));
    socket.on("message", (data) => {
      let packet: DecodedPacket;
      try {
        packet = dnsPacket.decode(data);
      } catch {
        return finish({ ok: false, failure: { reason: "malformed", text: "the answer is not a valid DNS message" } });
      }
      // A stray datagram (an earlier query's late answer) is not ours: keep waiting.
      if (packet.id === id) finish({ ok: true, response: toResponse(packet, "udp") });
    });
    // A connected socket receives ICMP "port unreachable" as ECONNREFUSED instead of waiting for a timeout.
    socket.connect(server.port, server.host, () => socket.send(message));
  });
}

function overTcp(server: HostPort, message: Buffer, id: number, signal: AbortSignal): Promise<DnsOutcome> {
  return new Promise((resolve) => {
    const socket = connect({ host: server.host, port: server.port, signal });
    let received = Buffer.alloc(0);
    const finish = (outcome: DnsOutcome) => {
      socket.destroy();
      resolve(outcome);
    };
    socket.on("error", (error) => finish({ ok: false, failure: describeNetError(error) }));
    socket.on("connect", () => socket.write(message));
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 2 || received.length < 2 + received.readUInt16BE(0)) return;
      try {
        const packet = dnsPacket.decode(received.subarray(2, 2 + received.readUInt16BE(0)));
        if (packet.id !== id) return finish({ ok: false, failure: { reason: "malformed", text: "the TCP answer carries another query's id" } });
        finish({ ok: true, response: toResponse(packet, "tcp") });
      } catch {
        finish({ ok: false, failure: { reason: "malformed", text: "the TCP answer is not a valid DNS message" } });
      }
    });
    socket.on("end", () => finish({ ok: false, failure: { reason: "reset", text: "the server closed the TCP connection before answering" } }));
  });
}
