// The dhcp kind: a DHCP server on a network hands out what it should. The check broadcasts a
// DHCPDISCOVER on a named interface and reads the DHCPOFFER: the server's identifier, the offered
// address, the router (option 3), the DNS servers (option 6) and the lease time (option 51), and
// judges them against `expect` (the plan's secondary-resolver remedy asks that both resolvers are
// handed out). It never takes a lease: no DHCPREQUEST is ever sent, so an offer lapses on its own.
//
// How it reaches the wire with node:dgram, which cannot bind a socket to a device:
// - replies are broadcast to 255.255.255.255:68 (the DISCOVER sets the broadcast flag), which only a
//   socket bound to 0.0.0.0:68 receives. Port 68 is privileged: the agent needs root or
//   CAP_NET_BIND_SERVICE. Both sockets set SO_REUSEADDR, so a DHCP client on the host that does the
//   same can keep running;
// - the DISCOVER is sent from a second socket bound to the interface's own IPv4 address, port 68:
//   Linux sends a limited broadcast from a bound source address out of that address's interface. So
//   the interface needs an IPv4 address (a watching host's usually has one, static or leased).
// The DISCOVER carries the interface's MAC address and is sent again every second until an offer
// comes or the check's timeout passes. After the first offer the check listens a little longer, so a
// second (rogue) server shows in the details, and `expect.server` picks the offer to judge.
import { createSocket } from "node:dgram";
import type { Socket } from "node:dgram";
import { randomInt } from "node:crypto";
import { networkInterfaces } from "node:os";
import { isIPv4 } from "node:net";
import { z } from "zod";
import { formatDuration } from "../config/duration.js";
import { defineProbe } from "./probe.js";
import { buildDiscover, readOffer } from "./dhcp-packet.js";
import type { Offer } from "./dhcp-packet.js";
import { failed, passed, stopwatch } from "./result.js";

const interfaceSchema = z
  .string()
  .regex(/^[^\s/]{1,15}$/, { message: 'expected a network interface name such as "eth0" (as `ip link` lists it)' })
  .describe('The network interface to broadcast on, e.g. "eth0" or "br0".');

const ipv4Schema = z.string().refine((text) => isIPv4(text), { message: 'expected an IPv4 address such as "192.168.1.1"' });

const dhcpObjectSchema = z.strictObject({
  interface: interfaceSchema,
  expect: z
    .strictObject({
      server: ipv4Schema.optional().describe("The server that must answer (its server identifier, option 54); offers from others are listed in the details."),
      dns_servers: z
        .array(ipv4Schema)
        .min(1)
        .optional()
        .describe('DNS servers that must all be offered (option 6), e.g. both resolvers: ["192.168.1.2", "192.168.1.3"]. Others may be offered too.'),
      router: ipv4Schema.optional().describe("The router (default gateway, option 3) that must be offered."),
    })
    .default({})
    .describe("What the offer must carry; without it any offer passes."),
});

export const dhcpSchema = z
  .union([interfaceSchema.transform((name) => dhcpObjectSchema.parse({ interface: name })), dhcpObjectSchema])
  .describe('A DHCP check (needs root: it binds UDP port 68): an interface name ("eth0"), or { interface, expect: { server, dns_servers, router } }.');

export type DhcpSpec = z.output<typeof dhcpSchema>;

/** How long the check keeps listening after the first offer, for offers from other servers. */
const MORE_OFFERS_MS = 300;
const RESEND_MS = 1000;

type Listened = { offers: Offer[]; sent: number; ignored: string[] } | { error: string; reason: string };

function bindError(error: NodeJS.ErrnoException, where: string): { error: string; reason: string } {
  if (error.code === "EACCES") return { reason: "permission", error: `cannot bind UDP ${where}: port 68 is privileged; run the agent as root or give it CAP_NET_BIND_SERVICE` };
  if (error.code === "EADDRINUSE") return { reason: "error", error: `cannot bind UDP ${where}: a DHCP client on this host holds port 68 without SO_REUSEADDR` };
  if (error.code === "EADDRNOTAVAIL") return { reason: "interface", error: `cannot bind UDP ${where}: the interface's address is gone` };
  return { reason: "error", error: `cannot bind UDP ${where}: ${error.message}` };
}

function bind(socket: Socket, address: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const onError = (error: Error) => resolve(error as NodeJS.ErrnoException);
    socket.once("error", onError);
    socket.bind({ address, port }, () => {
      socket.off("error", onError);
      resolve(undefined);
    });
  });
}

/** Broadcasts DISCOVERs from `source` and gathers offers until done or aborted; never throws. */
async function discover(source: string, mac: Buffer, spec: DhcpSpec, signal: AbortSignal): Promise<Listened> {
  const ports = { server: 67, client: 68 };
  const xid = randomInt(1, 0xffffffff);
  const listen = createSocket({ type: "udp4", reuseAddr: true });
  const send = createSocket({ type: "udp4", reuseAddr: true });
  const sockets = [listen, send];
  const close = () => {
    for (const socket of sockets) {
      try {
        socket.close();
      } catch {
        // Already closed.
      }
    }
  };
  const listenError = await bind(listen, "0.0.0.0", ports.client);
  if (listenError !== undefined) {
    close();
    return bindError(listenError, `0.0.0.0:${ports.client}`);
  }
  const sendError = await bind(send, source, ports.client);
  if (sendError !== undefined) {
    close();
    return bindError(sendError, `${source}:${ports.client}`);
  }
  send.setBroadcast(true);
  const offers: Offer[] = [];
  const ignored: string[] = [];
  let sent = 0;
  const started = Date.now();
  return new Promise<Listened>((resolve) => {
    let resend: NodeJS.Timeout | undefined;
    let grace: NodeJS.Timeout | undefined;
    const finish = (result: Listened) => {
      clearInterval(resend);
      clearTimeout(grace);
      signal.removeEventListener("abort", onAbort);
      close();
      resolve(result);
    };
    const onAbort = () => finish({ offers, sent, ignored });
    const transmit = () => {
      const packet = buildDiscover(xid, mac, Math.floor((Date.now() - started) / 1000));
      sent += 1;
      send.send(packet, ports.server, "255.255.255.255", (error) => {
        if (error) finish({ reason: "error", error: `the DISCOVER could not be sent from ${source}: ${error.message}` });
      });
    };
    const onMessage = (packet: Buffer) => {
      const read = readOffer(packet, xid, mac);
      if ("ignored" in read) {
        if (ignored.length < 5) ignored.push(read.ignored);
        return;
      }
      if (offers.some((offer) => offer.server === read.offer.server)) return; // an answer to a resent DISCOVER
      offers.push(read.offer);
      clearInterval(resend);
      if (spec.expect.server !== undefined && read.offer.server === spec.expect.server) return finish({ offers, sent, ignored });
      grace ??= setTimeout(() => finish({ offers, sent, ignored }), MORE_OFFERS_MS);
    };
    for (const socket of sockets) {
      socket.on("message", onMessage);
      socket.on("error", (error) => finish({ reason: "error", error: `the socket failed: ${error.message}` }));
    }
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    transmit();
    resend = setInterval(transmit, RESEND_MS);
  });
}

/** The interface's first IPv4 address and its MAC; a sentence saying what is wrong otherwise. */
function interfaceOf(name: string): { address: string; mac: Buffer } | string {
  const all = networkInterfaces();
  const entries = all[name];
  if (entries === undefined) return `there is no interface ${name} on this host (it has ${Object.keys(all).join(", ") || "none"})`;
  const ipv4 = entries.find((entry) => entry.family === "IPv4");
  if (ipv4 === undefined) return `interface ${name} has no IPv4 address; the check sends its broadcast from the interface's address`;
  const mac = Buffer.from(ipv4.mac.split(":").map((byte) => Number.parseInt(byte, 16)));
  if (mac.length !== 6 || mac.every((byte) => byte === 0)) return `interface ${name} has no Ethernet address (a loopback or tunnel cannot carry DHCP)`;
  return { address: ipv4.address, mac };
}

/** What the offer lacks against `expect`, one phrase per miss. */
function misses(offer: Offer, expect: DhcpSpec["expect"]): string[] {
  const found: string[] = [];
  const missingDns = (expect.dns_servers ?? []).filter((server) => !offer.dnsServers.includes(server));
  if (missingDns.length > 0) {
    const offered = offer.dnsServers.length === 0 ? "none" : offer.dnsServers.join(", ");
    found.push(`DNS server${missingDns.length > 1 ? "s" : ""} ${missingDns.join(", ")} not offered (offered: ${offered})`);
  }
  if (expect.router !== undefined && !offer.routers.includes(expect.router)) {
    found.push(`router ${expect.router} not offered (offered: ${offer.routers.length === 0 ? "none" : offer.routers.join(", ")})`);
  }
  return found;
}

const describeOffer = (offer: Offer) =>
  `${offer.server} offered ${offer.address}, router ${offer.routers.join(", ") || "none"}, DNS ${offer.dnsServers.join(", ") || "none"}` +
  (offer.leaseSeconds === undefined ? "" : `, lease ${formatDuration(offer.leaseSeconds * 1000)}`);

export const dhcp = defineProbe({
  kind: "dhcp",
  schema: dhcpSchema,
  describe: (spec) => `dhcp on ${spec.interface}`,
  async run(spec, ctx) {
    const elapsed = stopwatch();
    const target = `dhcp on ${spec.interface}`;
    const local = interfaceOf(spec.interface);
    if (typeof local === "string") return failed("interface", `${target} was not tried: ${local}.`, elapsed());
    const listened = await discover(local.address, local.mac, spec, ctx.signal);
    const latencyMs = elapsed();
    if ("error" in listened) return failed(listened.reason, `${target} was not tried: ${listened.error}.`, latencyMs);
    const { offers, sent, ignored } = listened;
    const details: Record<string, unknown> = { discovers_sent: sent, offers: offers.map((offer) => ({ ...offer })) };
    if (ignored.length > 0) details.ignored = ignored;
    if (offers.length === 0) {
      const noise = ignored.length === 0 ? "" : ` (packets ignored: ${ignored.join("; ")})`;
      return failed("timeout", `${target}: no DHCP server answered ${sent} DISCOVER${sent === 1 ? "" : "s"} from ${local.address} within ${formatDuration(ctx.timeoutMs)}${noise}.`, latencyMs, details);
    }
    const offer = spec.expect.server === undefined ? offers[0]! : offers.find((candidate) => candidate.server === spec.expect.server);
    if (offer === undefined) {
      return failed("server", `${target}: no offer from ${spec.expect.server}; offers came from ${offers.map((other) => other.server).join(", ")}.`, latencyMs, details);
    }
    Object.assign(details, { server: offer.server, address: offer.address, routers: offer.routers, dns_servers: offer.dnsServers, lease_s: offer.leaseSeconds });
    const others = offers.filter((other) => other !== offer).map((other) => other.server);
    const also = others.length === 0 ? "" : ` (also offering: ${others.join(", ")})`;
    const wrong = misses(offer, spec.expect);
    if (wrong.length > 0) return failed("offer", `${target}: ${wrong.join("; ")}; ${describeOffer(offer)}${also}.`, latencyMs, details);
    return passed(`${target}: ${describeOffer(offer)}${also}.`, latencyMs, details);
  },
});
