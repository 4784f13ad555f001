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
import { probeLookup, probeUdpLookup } from "../net/probe-lookup.js";

export interface DnsResponse {
  packet: DecodedPacket;
  rcode: string;
  transport: "udp" | "tcp";
}

export type DnsOutcome = { ok: true; response: DnsResponse } | { ok: false; failure: NetFailure };

/** What an aborted query reports: the caller's timeout (or the agent's stop) cut it short. */
const CANCELLED: NetFailure = { reason: "timeout", text: "cancelled before an answer came" };

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
    const socket = createSocket({ type: isIPv6(server.host) ? "udp6" : "udp4", lookup: probeUdpLookup });
    let settled = false;
    const finish = (outcome: DnsOutcome) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      try {
        socket.close();
      } catch {
        // Already closed: nothing left to release.
      }
      resolve(outcome);
    };
    const onAbort = () => finish({ ok: false, failure: CANCELLED });
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
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
    // connect() hands its own failure (no route: ENETUNREACH, a blackhole route: EINVAL) to this callback,
    // not to "error"; sending on the socket it left unconnected would throw out of the callback and end the process.
    socket.connect(server.port, server.host, (error?: Error) => {
      if (error) return finish({ ok: false, failure: describeNetError(error) });
      // Closed meanwhile (an abort): send() would throw ERR_SOCKET_DGRAM_NOT_RUNNING.
      if (settled) return;
      socket.send(message, (sendError) => sendError && finish({ ok: false, failure: describeNetError(sendError) }));
    });
  });
}

function overTcp(server: HostPort, message: Buffer, id: number, signal: AbortSignal): Promise<DnsOutcome> {
  return new Promise((resolve) => {
    const socket = connect({ host: server.host, port: server.port, signal, lookup: probeLookup });
    let received = Buffer.alloc(0);
    const finish = (outcome: DnsOutcome) => {
      socket.destroy();
      resolve(outcome);
    };
    socket.on("error", (error) => finish({ ok: false, failure: signal.aborted ? CANCELLED : describeNetError(error) }));
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
