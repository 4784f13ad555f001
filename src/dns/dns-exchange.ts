// Sends one prepared DNS message (an UPDATE, already signed) and returns the raw answer, so that the
// caller can check its TSIG over the exact bytes. UDP first; TCP when the answer is truncated, when
// UDP gets no answer in its share of the time, or when UDP fails outright (some servers and
// firewalls pass only TCP). Re-sending an update over TCP is safe: it is idempotent.
import { createSocket } from "node:dgram";
import { connect, isIPv6 } from "node:net";
import type { HostPort } from "../probes/host-port.js";
import { describeNetError } from "../probes/net-error.js";
import type { NetFailure } from "../probes/net-error.js";
import { probeLookup, probeUdpLookup } from "../net/probe-lookup.js";

export type Exchange = { ok: true; response: Buffer; transport: "udp" | "tcp" } | { ok: false; failure: NetFailure };

const TRUNCATED = 1 << 9;

function sameId(message: Buffer, response: Buffer): boolean {
  return response.length >= 12 && response.readUInt16BE(0) === message.readUInt16BE(0);
}

function overUdp(server: HostPort, message: Buffer, waitMs: number, signal: AbortSignal): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = createSocket({ type: isIPv6(server.host) ? "udp6" : "udp4", lookup: probeUdpLookup });
    let settled = false;
    const timer = setTimeout(() => finish({ ok: false, failure: { reason: "timeout", text: `no UDP answer within ${waitMs} ms` } }), waitMs);
    const onAbort = () => finish({ ok: false, failure: { reason: "timeout", text: "cancelled" } });
    function finish(outcome: Exchange) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      try {
        socket.close();
      } catch {
        // Already closed.
      }
      resolve(outcome);
    }
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    socket.on("error", (error) => finish({ ok: false, failure: describeNetError(error) }));
    // A stray datagram with another id (a late answer to an earlier try) is ignored.
    socket.on("message", (data) => sameId(message, data) && finish({ ok: true, response: data, transport: "udp" }));
    // connect() reports its own failure (no route, a blackhole route) to this callback, not to "error": sending
    // on the socket it left unconnected would throw out of the callback and end the process.
    socket.connect(server.port, server.host, (error?: Error) => {
      if (error) return finish({ ok: false, failure: describeNetError(error) });
      if (settled) return;
      socket.send(message, (sendError) => sendError && finish({ ok: false, failure: describeNetError(sendError) }));
    });
  });
}

function overTcp(server: HostPort, message: Buffer, signal: AbortSignal): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = connect({ host: server.host, port: server.port, signal, lookup: probeLookup });
    let received = Buffer.alloc(0);
    const finish = (outcome: Exchange) => {
      socket.destroy();
      resolve(outcome);
    };
    const length = Buffer.alloc(2);
    length.writeUInt16BE(message.length);
    socket.on("error", (error) => finish({ ok: false, failure: signal.aborted ? { reason: "timeout", text: "cancelled" } : describeNetError(error) }));
    socket.on("connect", () => socket.write(Buffer.concat([length, message])));
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 2 || received.length < 2 + received.readUInt16BE(0)) return;
      const response = received.subarray(2, 2 + received.readUInt16BE(0));
      finish(sameId(message, response) ? { ok: true, response, transport: "tcp" } : { ok: false, failure: { reason: "malformed", text: "the TCP answer carries another message's id" } });
    });
    socket.on("end", () => finish({ ok: false, failure: { reason: "reset", text: "the server closed the TCP connection before answering" } }));
  });
}

export async function exchange(server: HostPort, message: Buffer, signal: AbortSignal, udpWaitMs = 2_000): Promise<Exchange> {
  if (message.length <= 512) {
    const udp = await overUdp(server, message, udpWaitMs, signal);
    if (udp.ok && (udp.response.readUInt16BE(2) & TRUNCATED) === 0) return udp;
    if (signal.aborted) return udp;
  }
  return overTcp(server, message, signal);
}
